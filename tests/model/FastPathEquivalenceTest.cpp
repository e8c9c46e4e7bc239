// Specification of the training fast path: Seq2Seq::forward(BatchTensors) with its loss
// (regrouped matmuls in the decoder, the CPU encoder over the padded batch instead of
// packing, the fused attention energies, the loss with the token count the host knows)
// computes the same function as the plain composition of LibTorch modules it replaced, kept
// here as the reference: loss and the gradient of every parameter agree to 1e-5 (relative)
// on random padded batches, for GRU and LSTM, 1 and 2 layers. float64, so that any real difference stands out.
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <tuple>
#include <vector>

#include "model/LabelSmoothedLoss.h"
#include "model/Seq2Seq.h"
#include "tests/model/ModelTestUtil.h"

namespace s2s {
namespace {

namespace rnn = torch::nn::utils::rnn;
namespace F = torch::nn::functional;

// The encoder as it was: packed sequences through the nn::GRU/LSTM module.
EncoderOutput reference_encode(Seq2Seq& m, const BatchTensors& b) {
  const auto embedded = m->encoder->embedding(b.src);  // (B, T_src, E)
  const auto packed = rnn::pack_padded_sequence(embedded, b.src_lengths, true, false);
  const auto output = m->encoder->gru ? std::get<0>(m->encoder->gru->forward_with_packed_input(packed))
                                      : std::get<0>(m->encoder->lstm->forward_with_packed_input(packed));
  EncoderOutput e;
  e.annotations = std::get<0>(rnn::pad_packed_sequence(output, true, 0.0, b.src.size(1)));
  e.keys = m->decoder->attention->keys(e.annotations);
  e.lengths = b.src_lengths;
  e.mask = torch::arange(b.src.size(1)).unsqueeze(0) < e.lengths.unsqueeze(1);
  return e;
}

// The decoder as it was: the attention's LibTorch ops (no fused energies), then
// GRUCell/LSTMCell modules on
// [E y_{t-1} ; c_t] at every step; readout and output over all steps; the explicit
// log-softmax loss with its own token count.
torch::Tensor reference_loss(Seq2Seq& m, const BatchTensors& b, double epsilon) {
  const EncoderOutput e = reference_encode(m, b);
  auto& d = m->decoder;
  const auto embedded = d->embedding(b.tgt_in);  // (B, T_tgt, E)
  const DecoderState start = d->initial_state(e);
  auto hidden = start.hidden.unbind(0);
  std::vector<torch::Tensor> cell;
  if (start.cell.defined()) cell = start.cell.unbind(0);
  std::vector<torch::Tensor> states, contexts;
  for (int64_t t = 0; t < b.tgt_in.size(1); ++t) {
    auto& att = d->attention;
    const auto energies = att->v(torch::tanh(att->W(hidden.back()).unsqueeze(1) + e.keys)).squeeze(-1);
    const auto alpha = torch::softmax(energies.masked_fill(e.mask.logical_not(), -std::numeric_limits<double>::infinity()), -1);  // (B, T_src)
    const auto context = torch::bmm(alpha.unsqueeze(1), e.annotations).squeeze(1);                // (B, K)
    auto input = torch::cat({embedded.select(1, t), context}, 1);
    for (size_t l = 0; l < hidden.size(); ++l) {
      if (cell.empty()) {
        hidden[l] = d->cells[l]->as<torch::nn::GRUCell>()->forward(input, hidden[l]);
      } else {
        auto [h, c] = d->cells[l]->as<torch::nn::LSTMCell>()->forward(input, std::make_tuple(hidden[l], cell[l]));
        hidden[l] = h;
        cell[l] = c;
      }
      input = hidden[l];
    }
    states.push_back(hidden.back());
    contexts.push_back(context);
  }
  const auto features = d->readout(torch::stack(states, 1), embedded, torch::stack(contexts, 1));
  const auto logits = F::linear(features, d->output_weight(), d->output_bias());
  return LabelSmoothedLoss(epsilon)(logits, b.tgt_out).loss_sum;
}

// Random rows in random order (not sorted by length), with padding in both sides.
BatchTensors random_batch(int64_t rows, int64_t src_vocab, int64_t tgt_vocab) {
  BatchTensors b;
  const int64_t S = 7, T = 6;
  b.src_lengths = torch::randint(1, S + 1, {rows}, torch::kLong);
  b.src_lengths[1] = S;
  const auto tgt_lengths = torch::randint(1, T + 1, {rows}, torch::kLong);
  tgt_lengths[0] = T;
  b.src = torch::randint(kEosId + 1, src_vocab, {rows, S}, torch::kLong);
  b.tgt_in = torch::randint(kEosId + 1, tgt_vocab, {rows, T}, torch::kLong);
  b.src.masked_fill_(torch::arange(S).unsqueeze(0) >= b.src_lengths.unsqueeze(1), kPadId);
  b.tgt_in.masked_fill_(torch::arange(T).unsqueeze(0) >= tgt_lengths.unsqueeze(1), kPadId);
  b.tgt_out = torch::roll(b.tgt_in, -1, 1);
  b.tgt_out.masked_fill_(torch::arange(T).unsqueeze(0) == (tgt_lengths - 1).unsqueeze(1), kEosId);
  b.tgt_out.masked_fill_(torch::arange(T).unsqueeze(0) >= tgt_lengths.unsqueeze(1), kPadId);
  b.tgt_in.select(1, 0).fill_(kBosId);
  b.tgt_tokens = tgt_lengths.sum().item<int64_t>();
  b.src_tokens = b.src_lengths.sum().item<int64_t>();
  return b;
}

std::vector<torch::Tensor> gradients(Seq2Seq& m) {
  std::vector<torch::Tensor> g;
  for (auto& p : m->parameters()) {
    g.push_back(p.grad().defined() ? p.grad().clone() : torch::zeros_like(p));
    p.mutable_grad() = torch::Tensor();
  }
  return g;
}

class FastPath : public ::testing::TestWithParam<std::tuple<std::string, int>> {};

TEST_P(FastPath, LossAndEveryGradientEqualTheModuleComposition) {
  const auto [cell, layers] = GetParam();
  test::deterministic();
  const ModelOptions o = test::tiny_options(cell, layers, layers, "maxout");
  Seq2Seq model(o, 13, 11);
  model->to(torch::kDouble);
  model->train();  // dropout is 0: train mode, deterministic
  for (int trial = 0; trial < 2; ++trial) {
    const BatchTensors b = random_batch(5, 13, 11);
    const LabelSmoothedLoss criterion(o.label_smoothing);
    const auto fast = criterion(model->forward(b, DropoutMasks::random(5)).logits, b.tgt_out, b.tgt_tokens).loss_sum;
    fast.backward();
    const auto fast_grads = gradients(model);
    const auto reference = reference_loss(model, b, o.label_smoothing);
    reference.backward();
    const auto reference_grads = gradients(model);
    EXPECT_NEAR(fast.item<double>(), reference.item<double>(), 1e-5 * std::abs(reference.item<double>()));
    const auto names = model->named_parameters();
    for (size_t i = 0; i < fast_grads.size(); ++i) {
      const double scale = reference_grads[i].abs().max().item<double>() + 1e-12;
      const double diff = (fast_grads[i] - reference_grads[i]).abs().max().item<double>();
      EXPECT_LE(diff, 1e-5 * scale) << names[i].key() << " (trial " << trial << ")";
    }
    EXPECT_GT(reference_grads[0].abs().sum().item<double>(), 0);  // the gradients reach the encoder
  }
}

INSTANTIATE_TEST_SUITE_P(CellsAndLayers, FastPath,
                         ::testing::Combine(::testing::Values("gru", "lstm"), ::testing::Values(1, 2)),
                         [](const auto& info) {
                           return std::get<0>(info.param) + "_" + std::to_string(std::get<1>(info.param)) +
                                  "_layers";
                         });

}  // namespace
}  // namespace s2s
