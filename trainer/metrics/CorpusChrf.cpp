#include "trainer/metrics/CorpusChrf.h"

#include <string>
#include <unordered_map>

#include "core/Check.h"
#include "trainer/metrics/UnicodeText.h"

namespace s2s {

namespace {

using Counts = std::unordered_map<std::string_view, int64_t>;

// Character n-gram counts of orders 1..6 over the whitespace-free text held in `storage`.
std::array<Counts, CorpusChrf::kOrder> char_ngrams(std::string_view text, std::string& storage) {
  const auto cps = unicode_text::non_space_code_points(text, storage);
  std::array<Counts, CorpusChrf::kOrder> out;
  const auto n_chars = static_cast<int64_t>(cps.size());
  for (int64_t n = 1; n <= CorpusChrf::kOrder; ++n)
    for (int64_t i = 0; i + n <= n_chars; ++i) {
      const char* begin = cps[i].data();
      const char* end = cps[i + n - 1].data() + cps[i + n - 1].size();
      ++out[n - 1][std::string_view(begin, static_cast<size_t>(end - begin))];
    }
  return out;
}

int64_t total(const Counts& c) {
  int64_t t = 0;
  for (const auto& [g, n] : c) t += n;
  return t;
}

}  // namespace

void CorpusChrf::add(std::string_view hypothesis, const std::vector<std::string_view>& references) {
  S2S_CHECK(!references.empty(), "chrF: a segment has no reference");
  std::string hyp_storage;
  const auto hyp = char_ngrams(hypothesis, hyp_storage);
  Stats best{};
  double best_f = -1.0;
  for (const auto ref_text : references) {
    std::string ref_storage;
    const auto ref = char_ngrams(ref_text, ref_storage);
    Stats s{};
    for (int n = 0; n < kOrder; ++n) {
      int64_t match = 0;
      for (const auto& [g, count] : hyp[n])
        if (const auto it = ref[n].find(g); it != ref[n].end()) match += std::min(count, it->second);
      // sacreBLEU counts no hypothesis n-grams of an order the reference has none of (so a
      // hypothesis longer than its reference is not penalised at the high orders).
      s[3 * n] = ref[n].empty() ? 0 : total(hyp[n]);
      s[3 * n + 1] = total(ref[n]);
      s[3 * n + 2] = match;
    }
    const double f = f_score(s);
    if (f > best_f) {
      best_f = f;
      best = s;
    }
  }
  for (size_t i = 0; i < stats_.size(); ++i) stats_[i] += best[i];
}

double CorpusChrf::f_score(const Stats& stats) {
  const double factor = kBeta * kBeta;
  double avg_prec = 0, avg_rec = 0;
  int effective_order = 0;
  for (int n = 0; n < kOrder; ++n) {
    const auto n_hyp = static_cast<double>(stats[3 * n]);
    const auto n_ref = static_cast<double>(stats[3 * n + 1]);
    const auto n_match = static_cast<double>(stats[3 * n + 2]);
    if (n_hyp > 0 && n_ref > 0) {
      avg_prec += n_match / n_hyp;
      avg_rec += n_match / n_ref;
      ++effective_order;
    }
  }
  if (effective_order == 0) return 0.0;
  avg_prec /= effective_order;
  avg_rec /= effective_order;
  if (avg_prec + avg_rec == 0) return 0.0;
  double score = (1 + factor) * avg_prec * avg_rec;  // sacreBLEU's order of operations
  score /= factor * avg_prec + avg_rec;
  return 100 * score;
}

}  // namespace s2s
