#pragma once
// The Bahdanau-attention encoder-decoder (Bahdanau, Cho, Bengio 2015): the one module the
// trainer and the decoders talk to. Every public method checks its inputs and throws
// s2s::Error saying what is wrong; the submodules trust it.
//
//   Seq2Seq model(options, src_vocab, tgt_vocab);
//   auto out  = model->forward(src, src_lengths, tgt_in);     // training (teacher forcing)
//   auto loss = LabelSmoothedLoss(options.label_smoothing)(out.logits, tgt_out);
//
//   auto enc   = model->encode(src, src_lengths);              // search
//   auto state = model->initial_state(enc);
//   auto step  = model->step(enc, state, prev_tokens);         // repeat with step.state
//
// B = batch rows, T_src / T_tgt = padded source / target lengths, H = encoder_hidden,
// A = attention_dim, L = decoder_layers, D = decoder_hidden, V = tgt_vocab.
#include <torch/torch.h>

#include "model/BatchTensors.h"
#include "model/Decoder.h"
#include "model/DecoderState.h"
#include "model/DropoutMasks.h"
#include "model/Encoder.h"
#include "model/EncoderOutput.h"
#include "model/ModelOptions.h"
#include "model/Seq2SeqOutput.h"
#include "model/StepOutput.h"

namespace s2s {

class Seq2SeqImpl : public torch::nn::Module {
 public:
  // Validates the options (ModelOptions::validate). Vocabulary sizes include the special
  // tokens of data/TokenIds.h, so each must exceed kEosId.
  Seq2SeqImpl(const ModelOptions& options, int64_t src_vocab, int64_t tgt_vocab);

  // Teacher-forced pass over whole targets.
  // src:         (B, T_src) int64 ids in [0, src_vocab), padded with kPadId
  // src_lengths: (B) int64 in [1, T_src], on the CPU or on src's device
  // tgt_in:      (B, T_tgt) int64 ids in [0, tgt_vocab): [<s>, y_1, ..., y_{n-1}] padded
  // Returns logits (B, T_tgt, V) and attention (B, T_tgt, T_src). Equals running step()
  // T_tgt times from initial_state(encode(src, src_lengths)) in eval() mode; in train()
  // mode with dropout on, masks come from torch's generator (DropoutMasks::random).
  Seq2SeqOutput forward(const torch::Tensor& src, const torch::Tensor& src_lengths,
                        const torch::Tensor& tgt_in);

  // The same for a batch read from a corpus, without a device sync: its token ids were
  // range-checked when its shards were loaded (data/ExampleStore.cpp), and its lengths are on the host,
  // so only shapes, dtypes, devices and lengths are checked (on the CPU). What TrainStep uses.
  // In train() mode with dropout on, `masks` (one row per batch row, keyed by the pairs'
  // ids) drop units; in eval() mode they are not used.
  Seq2SeqOutput forward(const BatchTensors& batch, const DropoutMasks& masks);

  // Encodes a batch once for search: annotations (B, T_src, 2H), keys U h (B, T_src, A),
  // mask (B, T_src), lengths (B). Same input rules as forward().
  EncoderOutput encode(const torch::Tensor& src, const torch::Tensor& src_lengths);

  // s_0 = tanh(W_s h_1^backward) for every decoder layer: hidden (L, B, D) (+ zero LSTM cells).
  DecoderState initial_state(const EncoderOutput& encoded);

  // One decoder step. prev_tokens: (B) int64 y_{t-1} (kBosId at the first step), one per
  // row of `encoded` and `state`. Returns log_probs (B, V), the new state, attention
  // (B, T_src). Token ids are not range-checked here (that would sync with the device every
  // step); search only feeds ids it got from log_probs.
  StepOutput step(const EncoderOutput& encoded, const DecoderState& state,
                  const torch::Tensor& prev_tokens);

  const ModelOptions& options() const { return options_; }
  int64_t src_vocab() const { return src_vocab_; }
  int64_t tgt_vocab() const { return tgt_vocab_; }

  Encoder encoder{nullptr};
  Decoder decoder{nullptr};

 private:
  // Shapes, dtypes and devices of src and src_lengths: no device sync.
  void check_source(const torch::Tensor& src, const torch::Tensor& src_lengths) const;
  // check_source, then every length in [1, T_src] and every id in the vocabulary (one
  // device sync). Returns the lengths (B) int64 on the host.
  torch::Tensor checked_lengths(const torch::Tensor& src, const torch::Tensor& src_lengths) const;
  // Every length in [1, columns]; lengths_cpu (B) on the host.
  static void check_lengths(const torch::Tensor& lengths_cpu, int64_t columns);
  // Encoder and attention keys for checked inputs; lengths_cpu (B) int64 on the host;
  // masks: training dropout or nullptr.
  EncoderOutput encode_checked(const torch::Tensor& src, const torch::Tensor& lengths_cpu,
                               const DropoutMasks* masks = nullptr);
  void check_target_shape(const torch::Tensor& tgt_in, int64_t batch) const;  // no device sync
  void check_target(const torch::Tensor& tgt_in, int64_t batch) const;        // + id range (sync)

  ModelOptions options_;
  int64_t src_vocab_;
  int64_t tgt_vocab_;
};
TORCH_MODULE(Seq2Seq);

}  // namespace s2s
