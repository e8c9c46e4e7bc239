// Translator on a trained checkpoint, in process: the greedy path it takes for beam size 1
// gives exactly what beam search of width 1 gives on the same model, and the ids it encodes
// are those `s2s prep` wrote.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "data/TokenIds.h"
#include "model/search/BeamSearch.h"
#include "model/search/Seq2SeqStepModel.h"
#include "tests/trainer/TinyModel.h"

namespace s2s {
namespace {

TEST(Translator, GreedyPathEqualsBeamSearchOfWidthOne) {
  const test::TinyRun t = test::tiny_run();
  const TrainedModel model = test::load_tiny_model(t);
  SearchOptions options = model.config().search;
  options.beam_size = 1;
  Translator translator = model.translator(options);
  const std::vector<std::string> sources = test::read_lines(t.sources);
  const std::vector<Translation> greedy = translator.translate(sources, 1);  // one by one: the same inputs as below, bit for bit
  ASSERT_EQ(greedy.size(), sources.size());

  Seq2SeqStepModel step_model(model.model());
  BeamSearch beam(step_model, options);
  int nonempty = 0;
  for (size_t i = 0; i < sources.size(); ++i) {
    const std::vector<int64_t> ids = translator.encode_source(sources[i]);
    ASSERT_EQ(ids.back(), kEosId);
    const auto src = torch::tensor(ids, torch::kLong).unsqueeze(0);  // (1, T_src)
    const auto lengths = torch::tensor({static_cast<int64_t>(ids.size())}, torch::kLong);
    const NBest b = beam.search(src, lengths).at(0);
    ASSERT_EQ(b.size(), 1u);
    EXPECT_EQ(translator.detokenize(b[0].tokens), greedy[i].nbest.at(0).text) << "line " << i;
    EXPECT_EQ(b[0].score, greedy[i].nbest.at(0).score) << "line " << i;
    EXPECT_EQ(greedy[i].source_tokens.size() + 1, ids.size());
    nonempty += !greedy[i].nbest[0].tokens.empty();
  }
  EXPECT_GT(nonempty, 30);
}

}  // namespace
}  // namespace s2s
