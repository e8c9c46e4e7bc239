#pragma once
// The tiny trained run's checkpoint (cli/TinyRun.h trains it once per build directory),
// loaded in process on the CPU, for tests of the decoding classes.
#include "tests/trainer/cli/TinyRun.h"
#include "trainer/decode/TrainedModel.h"

namespace s2s::test {

inline TrainedModel load_tiny_model(const TinyRun& run) {
  TrainedModelRequest request;
  request.checkpoint = run.checkpoint;
  request.device = "cpu";
  return TrainedModel::load(request);
}

}  // namespace s2s::test
