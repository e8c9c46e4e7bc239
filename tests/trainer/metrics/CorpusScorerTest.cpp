// CorpusScorer's sufficient statistics: summing the statistics of the parts of a corpus (as
// validation does over ranks) gives the scores of the whole corpus, which averaging the
// parts' scores does not.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/Error.h"
#include "trainer/metrics/CorpusScorer.h"

namespace s2s {
namespace {

TEST(CorpusScorer, SummedStatisticsOfPartsScoreTheWhole) {
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"the cat sat on the mat", "the cat sat on the mat"},
      {"a dog runs", "the dog is running fast"},
      {"", "empty hypothesis here"},
      {"hello world !", "hello world!"},
      {"completely different words", "nothing in common at all"},
      {"x y z", "x y z w"}};
  CorpusScorer whole, first, second;
  for (size_t i = 0; i < pairs.size(); ++i) {
    whole.add(pairs[i].first, {pairs[i].second});
    (i % 2 == 0 ? first : second).add(pairs[i].first, {pairs[i].second});
  }
  std::vector<double> sum = first.statistics();
  ASSERT_EQ(sum.size(), CorpusScorer::kStatistics);
  const std::vector<double> other = second.statistics();
  for (size_t k = 0; k < sum.size(); ++k) sum[k] += other[k];

  const MetricScores expected = whole.scores();
  const MetricScores got = CorpusScorer::from_statistics(sum);
  EXPECT_EQ(got.segments, 6);
  EXPECT_EQ(got.references, 1);
  EXPECT_DOUBLE_EQ(got.bleu.bleu, expected.bleu.bleu);
  EXPECT_EQ(got.bleu.sys_len, expected.bleu.sys_len);
  EXPECT_EQ(got.bleu.ref_len, expected.bleu.ref_len);
  EXPECT_DOUBLE_EQ(got.chrf, expected.chrf);
  EXPECT_DOUBLE_EQ(got.exact_match, 100.0 / 6);
  EXPECT_DOUBLE_EQ(got.token_error_rate, expected.token_error_rate);
  // The mean of the parts' BLEU is another number: summing statistics is not a shortcut.
  EXPECT_GT(std::abs((first.scores().bleu.bleu + second.scores().bleu.bleu) / 2 - expected.bleu.bleu), 1.0);
  EXPECT_GT(expected.bleu.bleu, 0.0);
}

TEST(CorpusScorer, FromStatisticsRefusesAWrongLength) {
  EXPECT_THROW(CorpusScorer::from_statistics({1.0, 2.0}), Error);
}

}  // namespace
}  // namespace s2s
