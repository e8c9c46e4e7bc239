#include "model/Seq2Seq.h"

#include "core/Check.h"
#include "data/TokenIds.h"

namespace s2s {

namespace {

const char* dtype_name(const torch::Tensor& t) { return c10::toString(t.scalar_type()); }

}  // namespace

Seq2SeqImpl::Seq2SeqImpl(const ModelOptions& options, int64_t src_vocab, int64_t tgt_vocab)
    : options_(options), src_vocab_(src_vocab), tgt_vocab_(tgt_vocab) {
  options_.validate();
  S2S_CHECK(src_vocab > kEosId,
            "source vocabulary has {} entries: it needs at least the {} special tokens",
            src_vocab, kEosId + 1);
  S2S_CHECK(tgt_vocab > kEosId,
            "target vocabulary has {} entries: it needs at least the {} special tokens",
            tgt_vocab, kEosId + 1);
  encoder = register_module("encoder", Encoder(options_, src_vocab));
  decoder = register_module("decoder", Decoder(options_, tgt_vocab));
}

void Seq2SeqImpl::check_source(const torch::Tensor& src, const torch::Tensor& src_lengths) const {
  S2S_CHECK(src.defined() && src_lengths.defined(), "encode: src and src_lengths must be given");
  S2S_CHECK(src.dim() == 2, "src must be a (batch, time) matrix of token ids, got {} dimensions",
            src.dim());
  S2S_CHECK(src.scalar_type() == torch::kLong, "src must hold int64 token ids, got {}",
            dtype_name(src));
  S2S_CHECK(src_lengths.dim() == 1 && src_lengths.scalar_type() == torch::kLong,
            "src_lengths must be a 1-D int64 tensor, got {}-D {}", src_lengths.dim(),
            dtype_name(src_lengths));
  const int64_t B = src.size(0);
  const int64_t T = src.size(1);
  S2S_CHECK(B >= 1 && T >= 1, "src is empty ({} rows, {} columns)", B, T);
  S2S_CHECK(src_lengths.size(0) == B, "src_lengths has {} entries but src has {} rows",
            src_lengths.size(0), B);
  const auto device = encoder->embedding->weight.device();
  S2S_CHECK(src.device() == device, "src is on {} but the model is on {}", src.device().str(),
            device.str());
  S2S_CHECK(src_lengths.device() == device || src_lengths.device().is_cpu(),
            "src_lengths is on {}: put it on the CPU or on the model's device {}",
            src_lengths.device().str(), device.str());
}

void Seq2SeqImpl::check_lengths(const torch::Tensor& lengths_cpu, int64_t columns) {
  const int64_t min_len = lengths_cpu.min().item<int64_t>();
  const int64_t max_len = lengths_cpu.max().item<int64_t>();
  S2S_CHECK(min_len >= 1 && max_len <= columns,
            "src_lengths must lie in [1, {}] (src has {} columns), got min {} max {}", columns,
            columns, min_len, max_len);
}

torch::Tensor Seq2SeqImpl::checked_lengths(const torch::Tensor& src, const torch::Tensor& src_lengths) const {
  check_source(src, src_lengths);
  const int64_t B = src.size(0);
  // One device-to-host transfer gives the CPU lengths packing needs and the id range check
  // (an out-of-range id would otherwise fail deep inside the embedding, on CUDA as an
  // unrecoverable device-side assert).
  const auto stats = torch::cat({src_lengths.to(src.device()),
                                 torch::stack({src.min(), src.max()})})
                         .cpu();                  // (B + 2) int64
  const auto lengths_cpu = stats.slice(0, 0, B);  // (B)
  check_lengths(lengths_cpu, src.size(1));
  const int64_t lo = stats[B].item<int64_t>();
  const int64_t hi = stats[B + 1].item<int64_t>();
  S2S_CHECK(lo >= 0 && hi < src_vocab_,
            "src holds token ids in [{}, {}] but the source vocabulary has {} entries (ids 0..{})",
            lo, hi, src_vocab_, src_vocab_ - 1);
  return lengths_cpu;  // (B)
}

EncoderOutput Seq2SeqImpl::encode(const torch::Tensor& src, const torch::Tensor& src_lengths) {
  return encode_checked(src, checked_lengths(src, src_lengths));
}

EncoderOutput Seq2SeqImpl::encode_checked(const torch::Tensor& src, const torch::Tensor& lengths_cpu,
                                          const DropoutMasks* masks) {
  EncoderOutput out;
  out.annotations = encoder(src, lengths_cpu, masks);           // (B, T_src, 2H)
  out.keys = decoder->attention->keys(out.annotations);         // (B, T_src, A)
  // non_blocking: from pageable host memory CUDA stages the copy at once and does not wait
  // for the device's queue (a blocking copy would synchronise the stream).
  out.lengths = lengths_cpu.to(src.device(), /*non_blocking=*/true);  // (B)
  out.mask = torch::arange(src.size(1), out.lengths.options()).unsqueeze(0) <
             out.lengths.unsqueeze(1);                          // (B, T_src)
  return out;
}

void Seq2SeqImpl::check_target_shape(const torch::Tensor& tgt_in, int64_t batch) const {
  S2S_CHECK(tgt_in.defined(), "tgt_in must be given");
  S2S_CHECK(tgt_in.dim() == 2,
            "tgt_in must be a (batch, time) matrix of token ids, got {} dimensions", tgt_in.dim());
  S2S_CHECK(tgt_in.scalar_type() == torch::kLong, "tgt_in must hold int64 token ids, got {}",
            dtype_name(tgt_in));
  S2S_CHECK(tgt_in.size(0) == batch, "tgt_in has {} rows but src has {}", tgt_in.size(0), batch);
  S2S_CHECK(tgt_in.size(1) >= 1, "tgt_in has no columns: a target has at least <s>");
  const auto device = encoder->embedding->weight.device();
  S2S_CHECK(tgt_in.device() == device, "tgt_in is on {} but the model is on {}",
            tgt_in.device().str(), device.str());
}

void Seq2SeqImpl::check_target(const torch::Tensor& tgt_in, int64_t batch) const {
  check_target_shape(tgt_in, batch);
  const auto range = torch::stack({tgt_in.min(), tgt_in.max()}).cpu();  // (2)
  const int64_t lo = range[0].item<int64_t>();
  const int64_t hi = range[1].item<int64_t>();
  S2S_CHECK(lo >= 0 && hi < tgt_vocab_,
            "tgt_in holds token ids in [{}, {}] but the target vocabulary has {} entries (ids "
            "0..{})",
            lo, hi, tgt_vocab_, tgt_vocab_ - 1);
}

Seq2SeqOutput Seq2SeqImpl::forward(const torch::Tensor& src, const torch::Tensor& src_lengths,
                                   const torch::Tensor& tgt_in) {
  const auto lengths_cpu = checked_lengths(src, src_lengths);  // (B)
  check_target(tgt_in, src.size(0));
  if (!is_training() || !options_.drops()) return decoder(encode_checked(src, lengths_cpu), tgt_in);
  const DropoutMasks masks = DropoutMasks::random(src.size(0));
  return decoder(encode_checked(src, lengths_cpu, &masks), tgt_in, &masks);
}

Seq2SeqOutput Seq2SeqImpl::forward(const BatchTensors& batch, const DropoutMasks& masks) {
  check_source(batch.src, batch.src_lengths);
  S2S_CHECK(batch.src_lengths.device().is_cpu(),
            "forward(BatchTensors): src_lengths must be on the CPU (BatchTensors::from puts them there)");
  check_lengths(batch.src_lengths, batch.src.size(1));  // on the host: no device sync
  check_target_shape(batch.tgt_in, batch.src.size(0));
  const DropoutMasks* used = is_training() && options_.drops() ? &masks : nullptr;
  S2S_CHECK(!used || masks.rows() == batch.src.size(0),
            "forward(BatchTensors): the dropout masks have {} rows but the batch {}", masks.rows(),
            batch.src.size(0));
  return decoder(encode_checked(batch.src, batch.src_lengths, used), batch.tgt_in, used);
}

DecoderState Seq2SeqImpl::initial_state(const EncoderOutput& encoded) {
  S2S_CHECK(encoded.annotations.defined() && encoded.annotations.dim() == 3 &&
                encoded.annotations.size(2) == 2 * int64_t{options_.encoder_hidden},
            "initial_state needs an EncoderOutput from encode() of this model");
  return decoder->initial_state(encoded);
}

StepOutput Seq2SeqImpl::step(const EncoderOutput& encoded, const DecoderState& state,
                             const torch::Tensor& prev_tokens) {
  S2S_CHECK(encoded.annotations.defined() && encoded.keys.defined() && encoded.mask.defined(),
            "step needs an EncoderOutput from encode()");
  const int64_t B = encoded.batch_size();
  S2S_CHECK(encoded.keys.size(0) == B && encoded.mask.size(0) == B,
            "EncoderOutput fields disagree on the batch size: annotations {}, keys {}, mask {}",
            B, encoded.keys.size(0), encoded.mask.size(0));
  S2S_CHECK(prev_tokens.defined() && prev_tokens.dim() == 1,
            "prev_tokens must be a 1-D tensor of token ids, one per row");
  S2S_CHECK(prev_tokens.scalar_type() == torch::kLong,
            "prev_tokens must hold int64 token ids, got {}", dtype_name(prev_tokens));
  S2S_CHECK(prev_tokens.size(0) == B, "prev_tokens has {} entries but the EncoderOutput has {} rows",
            prev_tokens.size(0), B);
  S2S_CHECK(prev_tokens.device() == encoded.annotations.device(),
            "prev_tokens is on {} but the EncoderOutput on {}", prev_tokens.device().str(),
            encoded.annotations.device().str());
  const int64_t L = options_.decoder_layers;
  const int64_t D = options_.decoder_hidden;
  S2S_CHECK(state.hidden.defined() && state.hidden.dim() == 3 && state.hidden.size(0) == L &&
                state.hidden.size(2) == D,
            "state.hidden must be ({}, batch, {}) (decoder_layers, batch, decoder_hidden)", L, D);
  S2S_CHECK(state.hidden.size(1) == B, "the state has {} rows but the EncoderOutput has {}",
            state.hidden.size(1), B);
  if (options_.cell == CellKind::lstm) {
    S2S_CHECK(state.cell.defined() && state.cell.sizes() == state.hidden.sizes(),
              "an LSTM state needs cell of the same shape as hidden");
  }
  return decoder->step(encoded, state, prev_tokens);
}

}  // namespace s2s
