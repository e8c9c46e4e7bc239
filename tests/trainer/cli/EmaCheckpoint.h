#pragma once
// A checkpoint whose EMA weights and raw weights differ, made from the tiny run (TinyRun.h):
// its raw weights (model/) are the step-300 checkpoint's, its EMA weights (ema/) the
// step-100 checkpoint's weights. Decoding it with its EMA weights must therefore equal
// decoding step 100, and with --raw-weights step 300. `drop` names an ema/ tensor to leave
// out (a damaged file); empty: none.
#include <string>

#include "tests/trainer/cli/TinyRun.h"
#include "trainer/checkpoint/CheckpointStore.h"

namespace s2s::test {

inline std::string step100_checkpoint(const TinyRun& t) { return t.run + "/checkpoints/ckpt-00000100.h5"; }

inline std::string ema_checkpoint(const TinyRun& t, const std::string& path, const std::string& drop = "") {
  CheckpointState state = CheckpointStore::read_path(t.checkpoint);
  const CheckpointState step100 = CheckpointStore::read_path(step100_checkpoint(t));
  const std::string model = "model/";
  for (const auto& [name, tensor] : step100.tensors)
    if (name.rfind(model, 0) == 0 && "ema/" + name.substr(model.size()) != drop)
      state.tensors["ema/" + name.substr(model.size())] = tensor;
  state.scalars["ema_updates"] = int64_t{100};
  CheckpointStore::write_file(path, state);
  return path;
}

}  // namespace s2s::test
