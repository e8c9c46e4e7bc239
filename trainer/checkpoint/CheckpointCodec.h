#pragma once
// Moves LibTorch training state into a CheckpointState and back, so that a resumed run
// continues bit for bit: model parameters (`model/<path>`), Adam/AdamW state per parameter
// (`optimizer/<path>/{step,exp_avg,exp_avg_sq[,max_exp_avg_sq]}`) and this process's RNG
// states. Parameters are matched by name (their module path), never by position, so a
// mismatching model is an error naming the parameter rather than silently shifted state.
#include <torch/torch.h>

#include <string>

#include "trainer/checkpoint/CheckpointState.h"

namespace s2s {

class CheckpointCodec {
 public:
  using NamedTensors = torch::OrderedDict<std::string, torch::Tensor>;  // module->named_parameters()

  // Copies each parameter (to the CPU) into state.tensors["model/<name>"].
  static void capture_model(const NamedTensors& parameters, CheckpointState& state);
  // Copies state.tensors["model/<name>"] into each parameter in place. Throws, naming
  // state.source and the parameter, when one is missing, has another shape, or the
  // checkpoint holds a model tensor the model does not have.
  static void restore_model(const NamedTensors& parameters, const CheckpointState& state);

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
