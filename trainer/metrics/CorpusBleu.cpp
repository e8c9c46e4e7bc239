#include "trainer/metrics/CorpusBleu.h"

#include <cmath>
#include <cstdlib>
#include <unordered_map>

#include "core/Check.h"
#include "trainer/metrics/UnicodeText.h"

namespace s2s {

namespace {

using NgramCounts = std::unordered_map<std::string, int64_t>;

// All n-grams of orders 1..4, keyed by their tokens joined with ' ' (tokens never contain
// whitespace, so the key is unambiguous).
NgramCounts ngrams(const std::vector<std::string>& tokens) {
  NgramCounts counts;
  const auto n_tokens = static_cast<int64_t>(tokens.size());
  for (int64_t i = 0; i < n_tokens; ++i) {
    std::string key;
    for (int64_t n = 1; n <= BleuScore::kOrder && i + n <= n_tokens; ++n) {
      if (n > 1) key.push_back(' ');
      key += tokens[i + n - 1];
      ++counts[key];
    }
  }
  return counts;
}

int64_t order_of(const std::string& key) {
  int64_t n = 1;
  for (const char c : key) n += c == ' ';
  return n;
}

// sacreBLEU's my_log: log(0) is a large negative number rather than -inf.
double my_log(double x) { return x == 0.0 ? -9999999999.0 : std::log(x); }

}  // namespace

void CorpusBleu::add(std::string_view hypothesis, const std::vector<std::string_view>& references) {
  S2S_CHECK(!references.empty(), "BLEU: segment {} has no reference", segments_ + 1);
  NgramCounts ref_max;  // max count of each n-gram over the references
  std::vector<int64_t> ref_lens;
  for (const auto ref : references) {
    const auto tokens = tokenize_(unicode_text::rstrip(ref));
    ref_lens.push_back(static_cast<int64_t>(tokens.size()));
    for (const auto& [key, count] : ngrams(tokens)) {
      int64_t& m = ref_max[key];
      if (count > m) m = count;
    }
  }
  const auto hyp_tokens = tokenize_(unicode_text::rstrip(hypothesis));
  const auto hyp_len = static_cast<int64_t>(hyp_tokens.size());

  // Closest reference length; on a tie the shorter one.
  int64_t closest_diff = -1, closest_len = -1;
  for (const int64_t len : ref_lens) {
    const int64_t diff = std::llabs(hyp_len - len);
    if (closest_diff == -1 || diff < closest_diff) {
      closest_diff = diff;
      closest_len = len;
    } else if (diff == closest_diff && len < closest_len) {
      closest_len = len;
    }
  }

  for (const auto& [key, count] : ngrams(hyp_tokens)) {
    const int64_t n = order_of(key) - 1;
    total_[n] += count;
    if (const auto it = ref_max.find(key); it != ref_max.end())
      correct_[n] += std::min(count, it->second);
  }
  sys_len_ += hyp_len;
  ref_len_ += closest_len;
  ++segments_;
}

BleuScore CorpusBleu::score() const { return compute(correct_, total_, sys_len_, ref_len_); }

BleuScore CorpusBleu::compute(const std::array<int64_t, BleuScore::kOrder>& correct,
                              const std::array<int64_t, BleuScore::kOrder>& total, int64_t sys_len,
                              int64_t ref_len) {
  BleuScore s;
  s.correct = correct;
  s.total = total;
  s.sys_len = sys_len;
  s.ref_len = ref_len;
  s.brevity_penalty = 1.0;
  if (sys_len < ref_len)
    s.brevity_penalty =
        sys_len > 0 ? std::exp(1.0 - static_cast<double>(ref_len) / static_cast<double>(sys_len))
                    : 0.0;
  bool any_match = false;
  for (const int64_t c : correct) any_match = any_match || c != 0;
  if (!any_match) return s;  // bleu 0, precisions 0 (sacreBLEU's early exit)

  double smooth = 1.0;
  for (int n = 0; n < BleuScore::kOrder; ++n) {
    if (total[n] == 0) break;  // this and higher orders keep precision 0 -> BLEU 0
    if (correct[n] == 0) {
      smooth *= 2;
      s.precisions[n] = 100.0 / (smooth * static_cast<double>(total[n]));
    } else {
      s.precisions[n] = 100.0 * static_cast<double>(correct[n]) / static_cast<double>(total[n]);
    }
  }
  double log_sum = 0;
  for (const double p : s.precisions) log_sum += my_log(p);
  s.bleu = s.brevity_penalty * std::exp(log_sum / BleuScore::kOrder);
  return s;
}

}  // namespace s2s
