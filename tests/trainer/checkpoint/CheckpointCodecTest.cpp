// Specification: a run stopped after K updates and resumed from its checkpoint into a fresh
// process state (new model, new optimizer, other random numbers) continues bit for bit like
// a run that never stopped. Mismatching models are errors naming the tensor.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "tests/trainer/checkpoint/CheckpointTestSupport.h"
#include "trainer/checkpoint/CheckpointCodec.h"
#include "trainer/checkpoint/CheckpointStore.h"

namespace s2s {
namespace {

using test::ScratchDir;

// Embedding -> dropout -> GRU -> linear: dotted module paths, an RNN, dropout drawing from
// the CPU generator, and one parameter that never gets a gradient (so has no Adam state).
struct TinyNetImpl : torch::nn::Module {
  explicit TinyNetImpl(int hidden = 12) {
    embedding = register_module("embedding", torch::nn::Embedding(20, 8));
    encoder = register_module("encoder", torch::nn::GRU(torch::nn::GRUOptions(8, hidden).batch_first(true)));
    out = register_module("out", torch::nn::Linear(hidden, 20));
    dropout = register_module("dropout", torch::nn::Dropout(0.3));
    unused = register_parameter("unused", torch::zeros({3}));
  }
  torch::Tensor forward(const torch::Tensor& ids) {
    auto [states, last] = encoder->forward(dropout->forward(embedding->forward(ids)));
    return out->forward(states);
  }
  torch::nn::Embedding embedding{nullptr};
  torch::nn::GRU encoder{nullptr};
  torch::nn::Linear out{nullptr};
  torch::nn::Dropout dropout{nullptr};
  torch::Tensor unused;
};
TORCH_MODULE(TinyNet);

enum class Kind { kAdam, kAdamWAmsgrad };

std::unique_ptr<torch::optim::Optimizer> make_optimizer(Kind kind, TinyNet& net) {
  if (kind == Kind::kAdam) {
    return std::make_unique<torch::optim::Adam>(net->parameters(),
                                                torch::optim::AdamOptions(1e-2).betas({0.9, 0.98}).weight_decay(1e-4));
  }
  return std::make_unique<torch::optim::AdamW>(net->parameters(),
                                               torch::optim::AdamWOptions(1e-2).weight_decay(0.01).amsgrad(true));
}

// Updates [from, to): batches are a pure function of the step; dropout draws from the RNG.
void train(TinyNet& net, torch::optim::Optimizer& optimizer, int from, int to) {
  net->train();
  for (int step = from; step < to; ++step) {
    const torch::Tensor ids = (torch::arange(4 * 6, torch::kInt64) * (step + 3) + step).remainder(20).reshape({4, 6});
    const torch::Tensor targets = ids.flip({1});
    const torch::Tensor loss =
        torch::nn::functional::cross_entropy(net->forward(ids).reshape({-1, 20}), targets.reshape({-1}));
    optimizer.zero_grad();
    loss.backward();
    for (auto& group : optimizer.param_groups()) group.options().set_lr(1e-2 / (1 + step));  // as the schedule does
    optimizer.step();
  }
}

struct Resume {
  bool restore_optimizer = true;
  bool restore_rng = true;
};

// Trains 2K steps straight and K + save + restore-into-fresh + K; returns whether every
// parameter is exactly equal.
bool resumed_equals_straight(Kind kind, Resume how) {
  constexpr int K = 6;
  ScratchDir run;
  CheckpointStore store(run.path());

  torch::manual_seed(1);
  TinyNet straight;
  auto straight_opt = make_optimizer(kind, straight);
  train(straight, *straight_opt, 0, K);

  CheckpointState state;
  state.step = K;
  CheckpointCodec::capture_model(straight->named_parameters(), state);
  CheckpointCodec::capture_optimizer(*straight_opt, straight->named_parameters(), state);
  state.ranks.push_back(CheckpointCodec::capture_rank("cursor", torch::kCPU));
  store.write(state);
  train(straight, *straight_opt, K, 2 * K);

  torch::manual_seed(777);  // a fresh process: other initial weights, other random numbers
  TinyNet resumed;
  auto resumed_opt = make_optimizer(kind, resumed);
  train(resumed, *resumed_opt, 0, 1);  // and stale optimizer state that restore must replace
  const CheckpointState saved = store.read_latest()->state;
  CheckpointCodec::restore_model(resumed->named_parameters(), saved);
  if (how.restore_optimizer) CheckpointCodec::restore_optimizer(*resumed_opt, resumed->named_parameters(), saved);
  if (how.restore_rng) CheckpointCodec::restore_rng(saved.ranks.at(0), torch::kCPU);
  train(resumed, *resumed_opt, K, 2 * K);

  bool all_equal = true;
  const auto a = straight->named_parameters();
  const auto b = resumed->named_parameters();
  for (const auto& item : a) {
    const bool equal = torch::equal(item.value(), b[item.key()]);
    all_equal = all_equal && equal;
  }
  return all_equal;
}

class CheckpointCodecTest : public ::testing::Test {
 protected:
  void SetUp() override { torch::set_num_threads(1); }
};

TEST_F(CheckpointCodecTest, AdamResumeIsBitIdenticalToNeverStopping) {
  EXPECT_TRUE(resumed_equals_straight(Kind::kAdam, {}));
}

TEST_F(CheckpointCodecTest, AdamWWithAmsgradResumeIsBitIdenticalToNeverStopping) {
  EXPECT_TRUE(resumed_equals_straight(Kind::kAdamWAmsgrad, {}));
}

// The comparison above can fail: leaving out optimizer state or RNG state breaks it.
TEST_F(CheckpointCodecTest, ResumeWithoutOptimizerOrRngStateDiverges) {
  EXPECT_FALSE(resumed_equals_straight(Kind::kAdam, Resume{false, true}));
  EXPECT_FALSE(resumed_equals_straight(Kind::kAdam, Resume{true, false}));
}

TEST_F(CheckpointCodecTest, CapturesAdamStatePerParameterByName) {
  torch::manual_seed(1);
  TinyNet net;
  auto optimizer = make_optimizer(Kind::kAdam, net);
  train(net, *optimizer, 0, 3);
  CheckpointState state;
  CheckpointCodec::capture_model(net->named_parameters(), state);
  CheckpointCodec::capture_optimizer(*optimizer, net->named_parameters(), state);
  EXPECT_TRUE(torch::equal(state.tensor("model/embedding.weight"), net->embedding->weight));
  EXPECT_EQ(state.tensor("optimizer/encoder.weight_ih_l0/step").item<int64_t>(), 3);
  EXPECT_EQ(state.tensor("optimizer/out.bias/exp_avg").sizes(), net->out->bias.sizes());
  EXPECT_TRUE(state.tensors.count("optimizer/out.bias/exp_avg_sq"));
  EXPECT_FALSE(state.tensors.count("optimizer/out.bias/max_exp_avg_sq")) << "amsgrad is off";
  EXPECT_TRUE(state.tensors.count("model/unused"));
  EXPECT_FALSE(state.tensors.count("optimizer/unused/step")) << "a parameter without gradient has no Adam state";
  // A snapshot: training on does not change what was captured.
  const torch::Tensor before = state.tensor("model/out.weight").clone();
  train(net, *optimizer, 3, 4);
  EXPECT_TRUE(torch::equal(state.tensor("model/out.weight"), before));
}

TEST_F(CheckpointCodecTest, AnotherModelShapeIsAnErrorNamingTheTensor) {
  torch::manual_seed(1);
  TinyNet small(12);
  auto optimizer = make_optimizer(Kind::kAdam, small);
  train(small, *optimizer, 0, 1);
  CheckpointState state;
  state.source = "runs/x/checkpoints/ckpt-00000001.h5";
  CheckpointCodec::capture_model(small->named_parameters(), state);
  CheckpointCodec::capture_optimizer(*optimizer, small->named_parameters(), state);

  TinyNet big(16);
  auto big_optimizer = make_optimizer(Kind::kAdam, big);
  test::expect_error([&] { CheckpointCodec::restore_model(big->named_parameters(), state); },
                     {state.source, "model/encoder.weight_ih_l0", "shape [36, 8]", "[48, 8]"});
  test::expect_error([&] { CheckpointCodec::restore_optimizer(*big_optimizer, big->named_parameters(), state); },
                     {state.source, "optimizer/encoder.weight_ih_l0/exp_avg", "shape"});

  CheckpointState missing = state;
  missing.tensors.erase("model/out.bias");
  test::expect_error([&] { CheckpointCodec::restore_model(small->named_parameters(), missing); },
                     {state.source, "model/out.bias"});
  CheckpointState extra = state;
  extra.tensors["model/decoder.weight"] = torch::zeros({1});
  test::expect_error([&] { CheckpointCodec::restore_model(small->named_parameters(), extra); },
                     {state.source, "model/decoder.weight", "does not have"});
  CheckpointState stray = state;
  stray.tensors["optimizer/gone.weight/step"] = torch::tensor(int64_t{1});
  test::expect_error([&] { CheckpointCodec::restore_optimizer(*optimizer, small->named_parameters(), stray); },
                     {state.source, "optimizer/gone.weight/step"});
}

// EMA weights live under ema/ beside model/; whoever decodes takes them unless the raw
// ones are asked for, and an EMA group with a gap is damage, not a model.
TEST_F(CheckpointCodecTest, EmaWeightsAreAGroupOfTheirOwnThatDecodingPrefers) {
  torch::manual_seed(1);
  TinyNet raw, ema;
  CheckpointState state;
  state.source = "runs/x/checkpoints/ckpt-00000001.h5";
  CheckpointCodec::capture_model(raw->named_parameters(), state);
  EXPECT_FALSE(CheckpointCodec::holds_ema(state));
  EXPECT_EQ(CheckpointCodec::decoding_weights(state, false), ModelWeights::raw);
  CheckpointCodec::capture_model(ema->named_parameters(), state, ModelWeights::ema);
  EXPECT_TRUE(CheckpointCodec::holds_ema(state));
  EXPECT_TRUE(torch::equal(state.tensor("ema/out.weight"), ema->out->weight));
  EXPECT_EQ(CheckpointCodec::decoding_weights(state, false), ModelWeights::ema);
  EXPECT_EQ(CheckpointCodec::decoding_weights(state, true), ModelWeights::raw);

  TinyNet loaded;
  CheckpointCodec::restore_model(loaded->named_parameters(), state, ModelWeights::ema);
  EXPECT_TRUE(torch::equal(loaded->out->weight, ema->out->weight));
  CheckpointCodec::restore_model(loaded->named_parameters(), state);
  EXPECT_TRUE(torch::equal(loaded->out->weight, raw->out->weight));
  const auto by_model_path = CheckpointCodec::model_tensors(state, ModelWeights::ema);
  EXPECT_EQ(by_model_path.size(), raw->named_parameters().size());
  EXPECT_TRUE(torch::equal(by_model_path.at("model/out.weight"), ema->out->weight));

  CheckpointState gap = state;
  gap.tensors.erase("ema/out.bias");
  test::expect_error([&] { CheckpointCodec::model_tensors(gap, ModelWeights::ema); },
                     {state.source, "holds EMA weights but no 'ema/out.bias'", "--raw-weights"});
  test::expect_error([&] { CheckpointCodec::restore_model(loaded->named_parameters(), gap, ModelWeights::ema); },
                     {state.source, "holds EMA weights but no 'ema/out.bias'"});
}

TEST_F(CheckpointCodecTest, RngStateRoundTripsThroughTheRankPart) {
  torch::manual_seed(5);
  const CheckpointState::Rank rank = CheckpointCodec::capture_rank("s2s-cursor/1 epoch=1", torch::kCPU);
  EXPECT_EQ(rank.cursor, "s2s-cursor/1 epoch=1");
  EXPECT_FALSE(rank.cpu_rng_state.empty());
  EXPECT_TRUE(rank.cuda_rng_state.empty());
  const torch::Tensor expected = torch::rand({8});
  torch::manual_seed(6);
  CheckpointCodec::restore_rng(rank, torch::kCPU);
  EXPECT_TRUE(torch::equal(torch::rand({8}), expected));
}

TEST_F(CheckpointCodecTest, RankPartPacksIntoOneBinarySafeString) {
  CheckpointState::Rank rank;
  rank.cursor = "s2s-cursor/1 epoch=2 position=7 seed=1 plan=0123456789abcdef";
  rank.cpu_rng_state = {0, 10, 13, 255, 0, 32};
  rank.cuda_rng_state = {1, 0, 2};
  const std::string packed = CheckpointCodec::pack_rank(rank);
  EXPECT_EQ(CheckpointCodec::unpack_rank(packed), rank);
  EXPECT_EQ(CheckpointCodec::unpack_rank(CheckpointCodec::pack_rank({})), CheckpointState::Rank{});
  test::expect_error([&] { CheckpointCodec::unpack_rank(packed.substr(0, packed.size() - 1)); }, {"pack_rank"});
  test::expect_error([&] { CheckpointCodec::unpack_rank("hello"); }, {"pack_rank"});
}

}  // namespace
}  // namespace s2s
