// BLEU, chrF and the 13a tokenizer against sacreBLEU itself (the Python package, run as an
// independent oracle through S2S_PYTHON) on a few hundred generated segments with
// punctuation, numbers, HTML entities, non-ASCII letters and Unicode whitespace, with one
// and with two references, over the whole corpus and over small chunks (where brevity
// penalties and missing n-gram orders are common).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "tests/support/Subprocess.h"
#include "trainer/metrics/CorpusBleu.h"
#include "trainer/metrics/CorpusChrf.h"
#include "trainer/metrics/Tokenizer13a.h"
#include "trainer/metrics/UnicodeText.h"

namespace s2s {
namespace {

const char* kOracle = R"PY(
import json, sys
from sacrebleu.metrics import BLEU, CHRF
from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a
data = json.load(open(sys.argv[1], encoding="utf-8"))
tok = Tokenizer13a()
out = {"cases": [], "tokens": [tok(s.rstrip()).split(" ") if tok(s.rstrip()) else [] for s in data["strings"]]}
for case in data["cases"]:
    b = BLEU().corpus_score(case["hyps"], case["refs"])
    c = CHRF().corpus_score(case["hyps"], case["refs"])
    out["cases"].append({"bleu": b.score, "chrf": c.score, "sys_len": b.sys_len, "ref_len": b.ref_len})
json.dump(out, open(sys.argv[2], "w"))
)PY";

// Random segments that look like detokenized text, and references that are noisy copies.
class Generator {
 public:
  explicit Generator(uint32_t seed) : rng_(seed) {}

  std::string sentence() {
    const int n = pick(0, 14);
    std::string s;
    for (int i = 0; i < n; ++i) {
      if (i > 0) s += spaces()[pick(0, static_cast<int>(spaces().size()) - 1)];
      s += word();
    }
    if (pick(0, 5) == 0) s += " ";  // trailing whitespace (BLEU rstrips)
    return s;
  }

  std::string word() {
    static const std::vector<std::string> words = {
        "the", "a", "cat", "dog", "sat", "on", "mat", "It's", "don't", "U.S.", "e-mail",
        "3.14", "1,000", "10-15", "$5", "(see", "below)", "\"quoted\"", "end.", "yes,", "no;",
        "what?", "wow!", "50%", "a/b", "x=y", "&amp;", "&quot;hi&quot;", "&lt;tag&gt;",
        "<skipped>", "na\xC3\xAFve", "caf\xC3\xA9.", "\xC3\xBC" "ber", "stra\xC3\x9F" "e,",
        "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E", "\xD0\x9C\xD0\xBE\xD1\x81\xD0\xBA\xD0\xB2\xD0\xB0",
        "\xE2\x80\x9C" "smart\xE2\x80\x9D", "--", "...", "2.", ",5", "1.5.", "A.B", "#1", "@home",
        "{x}", "[y]", "_z_", "~", "`q`", "^", "|", "\\"};
    return words[pick(0, static_cast<int>(words.size()) - 1)];
  }

  static const std::vector<std::string>& spaces() {
    static const std::vector<std::string> s = {" ", " ", " ", " ", "  ", "\t",
                                               "\xC2\xA0", "\xE3\x80\x80", "\xE2\x80\x83"};
    return s;
  }

  // Drops, replaces or duplicates some space-separated pieces of `s`.
  std::string perturb(const std::string& s) {
    std::vector<std::string> pieces;
    size_t start = 0;
    for (size_t i = 0; i <= s.size(); ++i)
      if (i == s.size() || s[i] == ' ') {
        if (i > start) pieces.push_back(s.substr(start, i - start));
        start = i + 1;
      }
    std::string out;
    for (const auto& p : pieces) {
      const int r = pick(0, 9);
      if (r == 0) continue;
      const std::string w = r == 1 ? word() : p;
      if (!out.empty()) out += ' ';
      out += w;
      if (r == 2) out += " " + w;
    }
    return out;
  }

  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

 private:
  std::mt19937 rng_;
};

struct Case {
  std::vector<std::string> hyps;
  std::vector<std::vector<std::string>> refs;  // [reference stream][segment]
};

TEST(SacrebleuAgreement, BleuChrfAndTokenizationMatchToTheFourthDecimal) {
  Generator gen(20240607);
  const int n = 300;
  std::vector<std::string> hyps, ref1, ref2;
  for (int i = 0; i < n; ++i) {
    const std::string base = gen.sentence();
    ref1.push_back(base);
    ref2.push_back(gen.pick(0, 3) == 0 ? gen.sentence() : gen.perturb(base));
    hyps.push_back(gen.pick(0, 15) == 0 ? std::string() : gen.perturb(base));
  }
  std::vector<Case> cases = {{hyps, {ref1}}, {hyps, {ref1, ref2}}, {hyps, {ref2, ref1}}};
  for (int start = 0; start < n; start += 15) {  // 20 small corpora of 15 segments each
    const auto slice = [&](const std::vector<std::string>& v) {
      return std::vector<std::string>(v.begin() + start, v.begin() + start + 15);
    };
    cases.push_back({slice(hyps), {slice(ref1)}});
    cases.push_back({slice(hyps), {slice(ref1), slice(ref2)}});
  }

  nlohmann::json in;
  in["cases"] = nlohmann::json::array();
  for (const auto& c : cases) in["cases"].push_back({{"hyps", c.hyps}, {"refs", c.refs}});
  std::vector<std::string> strings = hyps;
  strings.insert(strings.end(), ref2.begin(), ref2.end());
  in["strings"] = strings;
  const std::string dir = ::testing::TempDir();
  const std::string script = dir + "s2s_sacrebleu_oracle.py", input = dir + "s2s_oracle_in.json",
                    output = dir + "s2s_oracle_out.json";
  std::ofstream(script) << kOracle;
  std::ofstream(input) << in.dump();
  const auto r = test::run_command(std::string(S2S_PYTHON) + " " + script + " " + input + " " + output);
  ASSERT_EQ(r.exit_code, 0) << "sacrebleu oracle failed (is sacrebleu installed in " << S2S_PYTHON
                            << "?): " << r.err;
  const auto out = nlohmann::json::parse(test::read_text(output));

  const Tokenizer13a tok;
  for (size_t i = 0; i < strings.size(); ++i) {
    EXPECT_EQ(tok(unicode_text::rstrip(strings[i])), out["tokens"][i].get<std::vector<std::string>>()) << "string: " << strings[i];
  }

  int positive_bleu = 0;
  for (size_t k = 0; k < cases.size(); ++k) {
    CorpusBleu bleu;
    CorpusChrf chrf;
    std::vector<std::string_view> refs(cases[k].refs.size());
    for (size_t i = 0; i < cases[k].hyps.size(); ++i) {
      for (size_t j = 0; j < refs.size(); ++j) refs[j] = cases[k].refs[j][i];
      bleu.add(cases[k].hyps[i], refs);
      chrf.add(cases[k].hyps[i], refs);
    }
    const auto& expected = out["cases"][k];
    const BleuScore b = bleu.score();
    EXPECT_NEAR(b.bleu, expected["bleu"].get<double>(), 1e-6) << "case " << k;
    EXPECT_EQ(b.sys_len, expected["sys_len"].get<int64_t>()) << "case " << k;
    EXPECT_EQ(b.ref_len, expected["ref_len"].get<int64_t>()) << "case " << k;
    EXPECT_NEAR(chrf.score(), expected["chrf"].get<double>(), 1e-6) << "case " << k;
    positive_bleu += b.bleu > 0;
  }
  EXPECT_GT(positive_bleu, static_cast<int>(cases.size()) / 2);  // the cases are not degenerate
}

}  // namespace
}  // namespace s2s
