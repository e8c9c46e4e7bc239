#pragma once
// Moves LibTorch training state into a CheckpointState and back, so that a resumed run
// continues bit for bit: model parameters (`model/<path>`), Adam/AdamW state per parameter
// (`optimizer/<path>/{step,exp_avg,exp_avg_sq[,max_exp_avg_sq]}`) and this process's RNG
// states. Parameters are matched by name (their module path), never by position, so a
// mismatching model is an error naming the parameter rather than silently shifted state.
// A checkpoint of a run with train.ema_decay > 0 holds two sets of weights: the raw ones
// the optimizer moves (`model/<path>`) and their exponential moving average (`ema/<path>`,
// format version 2), which everything that uses the model decodes with.
#include <torch/torch.h>

#include <map>
#include <string>

#include "core/EnumNames.h"
#include "trainer/checkpoint/CheckpointState.h"

namespace s2s {

// Which of a checkpoint's weights: the raw ones (`model/`) or their EMA (`ema/`).
S2S_ENUM(ModelWeights, raw, ema);

class CheckpointCodec {
 public:
  using NamedTensors = torch::OrderedDict<std::string, torch::Tensor>;  // module->named_parameters()

  // Copies each parameter (to the CPU) into state.tensors["model/<name>"] (`which` ema:
  // "ema/<name>").
  static void capture_model(const NamedTensors& parameters, CheckpointState& state,
                            ModelWeights which = ModelWeights::raw);
  // Copies state.tensors["model/<name>"] (`which` ema: "ema/<name>") into each parameter in
  // place. Throws, naming state.source and the parameter, when one is missing, has another
  // shape, or the checkpoint holds a tensor of that group the model does not have.
  static void restore_model(const NamedTensors& parameters, const CheckpointState& state,
                            ModelWeights which = ModelWeights::raw);

  // Whether the checkpoint holds EMA weights (any `ema/` tensor).
  static bool holds_ema(const CheckpointState& state);
  // The weights that decoding, validation and averaging use: the EMA ones when the
  // checkpoint holds them, unless `raw_requested` (--raw-weights).
  static ModelWeights decoding_weights(const CheckpointState& state, bool raw_requested);
  // Those weights by their `model/<name>` path, whichever group they come from (the
  // checkpoint's own tensors, not copies).
  static std::map<std::string, torch::Tensor> model_tensors(const CheckpointState& state, ModelWeights which);

  // Adam or AdamW state of every parameter that has any (parameters that never had a
  // gradient have none). Throws for other optimizers and for an optimizer parameter that is
  // not among `parameters`.
  static void capture_optimizer(const torch::optim::Optimizer& optimizer, const NamedTensors& parameters,
                                CheckpointState& state);
  // Replaces the optimizer's state by the checkpoint's, on each parameter's device, with
  // the same checks as restore_model. Refuses an average of checkpoints
  // (CheckpointAverage): it has no optimizer state to resume.
  static void restore_optimizer(torch::optim::Optimizer& optimizer, const NamedTensors& parameters,
                                const CheckpointState& state);

  // This process's part: its data cursor and RNG states (CPU; and `device`'s when CUDA).
  static CheckpointState::Rank capture_rank(const std::string& cursor, const torch::Device& device);
  // Restores the RNG states of `rank` (a resume on other hardware warns and keeps what has
  // no saved state).
  static void restore_rng(const CheckpointState::Rank& rank, const torch::Device& device);

  // One rank's part as one binary-safe string and back, for Communicator::all_gather (rank 0
  // gathers every rank's part before it writes). unpack_rank throws s2s::Error on anything
  // pack_rank did not produce.
  static std::string pack_rank(const CheckpointState::Rank& rank);
  static CheckpointState::Rank unpack_rank(const std::string& packed);
};

}  // namespace s2s
