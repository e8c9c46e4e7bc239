// Specification of EnsembleStepModel: an ensemble of two identical models decodes exactly
// as one model (greedy and beam, n-best scores and attention); an ensemble of two
// different models (of different shapes) takes the mean of their log-probabilities at
// every step, also after the search reorders rows, so a hypothesis' score is the mean of
// the members' sentence log-probabilities; models that cannot form an ensemble are refused.
#include <gtest/gtest.h>

#include <tuple>

#include "core/Error.h"
#include "model/search/BeamSearch.h"
#include "model/search/EnsembleStepModel.h"
#include "model/search/GreedySearch.h"
#include "model/search/Seq2SeqStepModel.h"
#include "tests/model/search/SearchTestUtil.h"

namespace s2s {
namespace {

SearchOptions beam(int64_t k, int64_t n_best = 1) {
  SearchOptions o;
  o.beam_size = k;
  o.n_best = n_best;
  o.keep_attention = true;
  return o;
}

// A model of another shape than search_model(): other sizes everywhere, LSTM, 2 decoder layers.
Seq2Seq other_shape_model(uint64_t seed) {
  test::deterministic(seed);
  ModelOptions o = test::tiny_options("lstm", 2, 2, "tanh");
  o.embed_dim = 5;
  o.encoder_hidden = 4;
  o.decoder_hidden = 9;
  o.attention_dim = 6;
  o.readout_dim = 8;
  Seq2Seq model(o, test::kSearchVocab, test::kSearchVocab);
  {
    torch::NoGradGuard no_grad;
    model->named_parameters()["decoder.output.bias"][kEosId] += 1.5;
  }
  model->eval();
  return model;
}

// Two models of different shapes (the first a search_model() of `cell`), their ensemble and
// the sources of test::search_sources() as one batch.
struct DifferentModels {
  DifferentModels(const char* cell, uint64_t seed)
      : a(test::search_model(cell, seed)), b(other_shape_model(seed + 1)), ensemble({a, b}) {
    std::tie(src, len) = test::source_batch(sources);
  }
  Seq2Seq a, b;
  EnsembleStepModel ensemble;
  std::vector<std::vector<int64_t>> sources = test::search_sources();
  torch::Tensor src, len;
};

// log P(y | x) of `tokens` (then </s>) under `model`, by teacher forcing.
double sentence_log_prob(Seq2Seq& model, const std::vector<int64_t>& source, const std::vector<int64_t>& tokens) {
  torch::NoGradGuard no_grad;
  std::vector<int64_t> target = tokens;
  const test::Batch b = test::make_batch({source}, {target});
  const auto log_probs = torch::log_softmax(model->forward(b.src, b.src_lengths, b.tgt_in).logits.to(torch::kDouble), -1);
  return log_probs[0].gather(1, b.tgt_out[0].unsqueeze(1)).sum().item<double>();
}

TEST(EnsembleStepModel, TwoIdenticalModelsDecodeExactlyAsOne) {
  for (const char* cell : {"gru", "lstm"}) {
    Seq2Seq model = test::search_model(cell, 11);
    Seq2Seq copy = test::search_model(cell, 11);  // the same weights, another module
    Seq2SeqStepModel single(model);
    EnsembleStepModel ensemble({model, copy});
    auto [src, len] = test::source_batch(test::search_sources());

    const auto g1 = GreedySearch(single, beam(1)).search(src, len);
    const auto g2 = GreedySearch(ensemble, beam(1)).search(src, len);
    ASSERT_EQ(g1.size(), g2.size());
    for (size_t i = 0; i < g1.size(); ++i) {
      EXPECT_EQ(g2[i].tokens, g1[i].tokens) << cell << " sentence " << i;
      EXPECT_EQ(g2[i].log_prob, g1[i].log_prob) << cell << " sentence " << i;
      EXPECT_EQ(g2[i].score, g1[i].score) << cell << " sentence " << i;
      // Bit-equal on the Intel VMs; on an AMD EPYC one the attention differed in its last float
      // bits from run to run (MKL's kernels there depend on buffer alignment), tokens and
      // log-probabilities never.
      EXPECT_TRUE(torch::allclose(g2[i].attention, g1[i].attention, 1e-6, 1e-7))
          << cell << " sentence " << i << ": attention differs by up to "
          << (g2[i].attention - g1[i].attention).abs().max().item<float>();
    }

    const auto b1 = BeamSearch(single, beam(4, 4)).search(src, len);
    const auto b2 = BeamSearch(ensemble, beam(4, 4)).search(src, len);
    ASSERT_EQ(b1.size(), b2.size());
    for (size_t i = 0; i < b1.size(); ++i) {
      ASSERT_EQ(b2[i].size(), b1[i].size()) << cell << " sentence " << i;
      ASSERT_EQ(b1[i].size(), 4u);
      for (size_t j = 0; j < b1[i].size(); ++j) {
        EXPECT_EQ(b2[i][j].tokens, b1[i][j].tokens) << cell << " sentence " << i << " hypothesis " << j;
        EXPECT_EQ(b2[i][j].log_prob, b1[i][j].log_prob) << cell << " sentence " << i << " hypothesis " << j;
        EXPECT_EQ(b2[i][j].score, b1[i][j].score) << cell << " sentence " << i << " hypothesis " << j;
        // As for greedy search above.
        EXPECT_TRUE(torch::allclose(b2[i][j].attention, b1[i][j].attention, 1e-6, 1e-7))
            << cell << " sentence " << i << " hypothesis " << j << ": attention differs by up to "
            << (b2[i][j].attention - b1[i][j].attention).abs().max().item<float>();
      }
    }
  }
}

TEST(EnsembleStepModel, EachStepIsTheMeanOfTheMembersLogProbsAlsoAfterReordering) {
  DifferentModels m("gru", 3);
  auto &a = m.a, &b = m.b;
  auto& ensemble = m.ensemble;
  const auto &src = m.src, &len = m.len;
  torch::NoGradGuard no_grad;
  const int64_t B = src.size(0);

  EncoderOutput enc = ensemble.encode(src, len);
  DecoderState state = ensemble.initial_state(enc);
  EncoderOutput enc_a = a->encode(src, len), enc_b = b->encode(src, len);
  DecoderState state_a = a->initial_state(enc_a), state_b = b->initial_state(enc_b);
  auto prev = torch::full({B}, kBosId, torch::kLong);

  // Step 1, then rows reordered and repeated as a beam does, then step 2.
  const auto rows = torch::tensor(std::vector<int64_t>{4, 0, 0, 2, 3, 1, 4}, torch::kLong);
  for (int step = 0; step < 2; ++step) {
    const StepOutput out = ensemble.step(enc, state, prev);
    const StepOutput out_a = a->step(enc_a, state_a, prev), out_b = b->step(enc_b, state_b, prev);
    // The hand computation: (log p_a + log p_b) / 2, in double.
    const auto expected = (out_a.log_probs.to(torch::kDouble) + out_b.log_probs.to(torch::kDouble)) / 2;
    EXPECT_TRUE(torch::allclose(out.log_probs.to(torch::kDouble), expected, 1e-6, 1e-6)) << "step " << step;
    EXPECT_TRUE(torch::allclose(out.attention, (out_a.attention + out_b.attention) / 2, 1e-6, 1e-6));
    // ... and neither member alone.
    EXPECT_GT((out.log_probs - out_a.log_probs).abs().max().item<float>(), 1e-3);
    EXPECT_GT((out.log_probs - out_b.log_probs).abs().max().item<float>(), 1e-3);

    const auto next = std::get<1>(out.log_probs.max(1));  // (rows)
    if (step == 0) {
      enc = enc.index_select(rows), state = out.state.index_select(rows);
      enc_a = enc_a.index_select(rows), state_a = out_a.state.index_select(rows);
      enc_b = enc_b.index_select(rows), state_b = out_b.state.index_select(rows);
      prev = next.index_select(0, rows);
    }
  }
}

TEST(EnsembleStepModel, AHypothesisScoresTheMeanOfTheMembersSentenceLogProbs) {
  DifferentModels m("lstm", 7);
  auto &a = m.a, &b = m.b;
  const auto& sources = m.sources;
  const auto &src = m.src, &len = m.len;
  SearchOptions o = beam(3, 3);
  o.length_penalty = LengthPenalty::none;
  const auto nbest = BeamSearch(m.ensemble, o).search(src, len);
  bool differs_from_a = false, differs_from_b = false;
  Seq2SeqStepModel alone_a(a), alone_b(b);
  const auto best_a = BeamSearch(alone_a, o).search(src, len), best_b = BeamSearch(alone_b, o).search(src, len);
  for (size_t i = 0; i < sources.size(); ++i) {
    ASSERT_FALSE(nbest[i].empty());
    for (const Hypothesis& h : nbest[i]) {
      if (h.reached_max_length) continue;  // its </s> was forced: not a choice of the model
      const double mean = (sentence_log_prob(a, sources[i], h.tokens) + sentence_log_prob(b, sources[i], h.tokens)) / 2;
      EXPECT_NEAR(h.log_prob, mean, 1e-4) << "sentence " << i;
    }
    differs_from_a |= nbest[i][0].tokens != best_a[i][0].tokens || std::abs(nbest[i][0].log_prob - best_a[i][0].log_prob) > 1e-3;
    differs_from_b |= nbest[i][0].tokens != best_b[i][0].tokens || std::abs(nbest[i][0].log_prob - best_b[i][0].log_prob) > 1e-3;
  }
  EXPECT_TRUE(differs_from_a && differs_from_b);
}

TEST(EnsembleStepModel, BatchingChangesNothing) {
  DifferentModels m("gru", 21);
  const auto batched = BeamSearch(m.ensemble, beam(3, 2)).search(m.src, m.len);
  for (size_t i = 0; i < m.sources.size(); ++i) {
    auto [one, one_len] = test::source_batch({m.sources[i]});
    const auto alone = BeamSearch(m.ensemble, beam(3, 2)).search(one, one_len)[0];
    ASSERT_EQ(alone.size(), batched[i].size());
    for (size_t j = 0; j < alone.size(); ++j) {
      EXPECT_EQ(alone[j].tokens, batched[i][j].tokens) << "sentence " << i;
      EXPECT_NEAR(alone[j].score, batched[i][j].score, 1e-5) << "sentence " << i;
    }
  }
}

TEST(EnsembleStepModel, RefusesWhatCannotFormAnEnsemble) {
  EXPECT_THROW(EnsembleStepModel(std::vector<Seq2Seq>{}), Error);
  Seq2Seq a = test::search_model("gru", 1);
  test::deterministic(2);
  Seq2Seq other_vocab(test::tiny_options(), test::kSearchVocab + 1, test::kSearchVocab);
  other_vocab->eval();
  try {
    EnsembleStepModel bad({a, other_vocab});
    FAIL() << "members with other vocabulary sizes were accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("one vocabulary"), std::string::npos) << e.what();
  }
  Seq2Seq training = test::search_model("gru", 3);
  training->train();
  EXPECT_THROW(EnsembleStepModel({a, training}), Error);
}

}  // namespace
}  // namespace s2s
