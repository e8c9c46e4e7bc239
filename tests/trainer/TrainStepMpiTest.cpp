// The promise of data-parallel training (issue 4): N ranks, each with its own batch, end
// with the same parameters as one process that trains on the union of their batches, with
// and without gradient accumulation, with dropout on (its masks are keyed by pair, not by
// process). The one process is simulated on every rank with a communicator over
// MPI_COMM_SELF that sees all the batches as micro-batches of one update.
#include "trainer/TrainStep.h"

#include <gtest/gtest.h>
#include <mpi.h>

#include "data/TokenIds.h"
#include "tests/trainer/comm/mpi/MpiTestEnv.h"
#include "trainer/comm/MpiCommunicator.h"

namespace s2s {
namespace {

constexpr int64_t kVocab = 17;

ModelOptions tiny_model() {
  ModelOptions m;
  m.embed_dim = 8;
  m.encoder_hidden = 8;
  m.decoder_hidden = 12;
  m.attention_dim = 6;
  m.readout_dim = 6;
  // Dropout on: its masks follow each pair (model/DropoutMasks.h), so they are the same
  // whichever process computes the pair, and the promise holds with them.
  m.dropout = 0.3;
  m.context_dropout = 0.2;
  m.readout_input_dropout = 0.1;
  m.source_word_dropout = 0.1;
  m.label_smoothing = 0.1;
  return m;
}

TrainOptions tiny_training(int accumulate) {
  TrainOptions t;
  t.lr = 0.01;
  t.warmup_steps = 2;
  t.clip_norm = 1.0;  // clipping must see the global gradient, so include it
  t.accumulate = accumulate;
  t.bucket_mb = 0.002;  // several buckets, so boundaries are crossed
  return t;
}

// Micro-batch `index` of update `step`: random lengths and ids, different sizes per batch,
// so the token counts (and therefore the normalisation) differ across ranks.
BatchTensors make_batch(int64_t step, int64_t index) {
  torch::manual_seed(1000 * step + index + 1);
  const int64_t rows = 2 + index % 3;
  Batch b;
  b.size = rows;
  std::vector<int64_t> src_len(rows), tgt_len(rows);
  for (int64_t r = 0; r < rows; ++r) {
    src_len[r] = torch::randint(2, 7, {1}).item<int64_t>();
    tgt_len[r] = torch::randint(2, 6, {1}).item<int64_t>();
  }
  b.src_len = *std::max_element(src_len.begin(), src_len.end());
  b.tgt_len = *std::max_element(tgt_len.begin(), tgt_len.end());
  b.src.assign(rows * b.src_len, kPadId);
  b.tgt_in.assign(rows * b.tgt_len, kPadId);
  b.tgt_out.assign(rows * b.tgt_len, kPadId);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t j = 0; j < src_len[r]; ++j)
      b.src[r * b.src_len + j] = j + 1 == src_len[r] ? kEosId : torch::randint(4, kVocab, {1}).item<int64_t>();
    for (int64_t j = 0; j < tgt_len[r]; ++j) {
      const int64_t y = j + 1 == tgt_len[r] ? kEosId : torch::randint(4, kVocab, {1}).item<int64_t>();
      b.tgt_out[r * b.tgt_len + j] = y;
      b.tgt_in[r * b.tgt_len + j] = j == 0 ? kBosId : b.tgt_out[r * b.tgt_len + j - 1];
    }
    b.src_lengths.push_back(src_len[r]);
    b.tgt_lengths.push_back(tgt_len[r]);
    b.example_ids.push_back(100 * step + 10 * index + r);  // unique within the update
    b.src_tokens += src_len[r];
    b.tgt_tokens += tgt_len[r];
  }
  return BatchTensors::from(b, torch::kCPU);
}

Seq2Seq fresh_model() {
  torch::manual_seed(7);  // identical on every rank, as after broadcast_parameters
  return Seq2Seq(tiny_model(), kVocab, kVocab);
}

// Trains `steps` updates; rank r of `comm` uses micro-batches [r*accumulate, (r+1)*accumulate)
// of each update's global list of world*accumulate batches.
std::vector<torch::Tensor> train(Communicator& comm, int world, int accumulate, int steps) {
  Seq2Seq model = fresh_model();
  TrainStep step(model, tiny_model().label_smoothing, tiny_training(accumulate), comm, /*dropout_seed=*/11);
  const int share = world * accumulate / comm.size();
  for (int s = 1; s <= steps; ++s) {
    std::vector<BatchTensors> mine;
    for (int i = 0; i < share; ++i) mine.push_back(make_batch(s, comm.rank() * share + i));
    step.apply(mine, s);
  }
  std::vector<torch::Tensor> out;
  for (const auto& p : model->parameters()) out.push_back(p.detach().clone());
  return out;
}

void expect_same_training(int accumulate) {
  torch::set_num_threads(1);
  const int world = test::runtime().world_size();
  MpiCommunicator everyone(MPI_COMM_WORLD);
  MpiCommunicator alone(MPI_COMM_SELF);
  const auto distributed = train(everyone, world, accumulate, /*steps=*/6);
  const auto reference = train(alone, world, accumulate, /*steps=*/6);
  ASSERT_EQ(distributed.size(), reference.size());
  double worst = 0;
  for (size_t i = 0; i < reference.size(); ++i) {
    const double scale = reference[i].abs().max().item<double>() + 1e-12;
    worst = std::max(worst, (distributed[i] - reference[i]).abs().max().item<double>() / scale);
  }
  EXPECT_LT(worst, 1e-5) << "largest relative parameter difference after 6 updates";
  // And the parameters really moved (the comparison is not between two untouched models).
  const auto initial = fresh_model()->parameters();
  double moved = 0;
  for (size_t i = 0; i < reference.size(); ++i)
    moved = std::max(moved, (reference[i] - initial[i]).abs().max().item<double>());
  EXPECT_GT(moved, 1e-3);
}

TEST(TrainStepMpi, RanksEndWithTheParametersOfOneProcessOverTheUnionOfTheirBatches) {
  expect_same_training(/*accumulate=*/1);
}

TEST(TrainStepMpi, SameWithGradientAccumulation) { expect_same_training(/*accumulate=*/3); }

}  // namespace
}  // namespace s2s
