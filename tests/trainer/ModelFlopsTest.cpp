// Specification of ModelFlops: the formula of bench/FLOPS.md, the same numbers as
// bench/torch_reference.py's flops_per_step() (whose --self-check compares it with
// PyTorch's own FLOP counter over a real step).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

#include "tests/support/PythonOracle.h"
#include "tests/support/ScratchDir.h"
#include "trainer/ModelFlops.h"

namespace s2s {
namespace {

ModelOptions shape(int E, int H, int A, int D, ReadoutKind readout) {
  ModelOptions m;
  m.embed_dim = E;
  m.encoder_hidden = H;
  m.attention_dim = A;
  m.decoder_hidden = D;
  m.readout = readout;
  return m;
}

TEST(ModelFlops, TheTableOfFlopsMdForIssue16sConfigs) {
  // bench/FLOPS.md: 11.34, 12.47 and 97.46 GFLOP per training step (fixed lengths, D 512).
  const BatchShape small{64, 10, 10, 64 * 10};
  EXPECT_EQ(ModelFlops(shape(128, 256, 256, 512, ReadoutKind::tanh), 64).training_step(small),
            11341529088.0);
  EXPECT_EQ(ModelFlops(shape(128, 256, 256, 512, ReadoutKind::maxout), 64).training_step(small),
            12473991168.0);
  const BatchShape large{64, 30, 30, 64 * 30};
  EXPECT_EQ(ModelFlops(shape(256, 512, 512, 512, ReadoutKind::tanh), 8000).training_step(large),
            97457012736.0);
}

TEST(ModelFlops, OutputLayerIsThreeTimesTwoBTRV) {
  const auto parts = ModelFlops(shape(8, 6, 5, 7, ReadoutKind::tanh), 30).components({3, 4, 5, 9});
  ASSERT_EQ(parts.back().first, "output");
  EXPECT_EQ(parts.back().second, 3.0 * 2 * 3 * 5 * 256 * 30);  // readout_dim R = 256 default
}

TEST(ModelFlops, EveryComponentEqualsTorchReferencesFlopsPerStep) {
  // Stacked LSTM layers and maxout exercise every sum of the formula; odd sizes catch a
  // swapped letter.
  ModelOptions m = shape(8, 6, 5, 7, ReadoutKind::maxout);
  m.cell = CellKind::lstm;
  m.encoder_layers = 2;
  m.decoder_layers = 3;
  m.readout_dim = 4;
  const BatchShape b{3, 4, 5, 9};
  test::ScratchDir scratch("s2s-flops");
  const std::string script = std::string("import json, sys\nsys.path.insert(0, '") + S2S_SOURCE_DIR +
                             "/bench')\nimport torch_reference as t\n"
                             "o = t.parse_args(['--vocab', '30', '--embed', '8', '--hidden', '6', "
                             "'--attention', '5', '--decoder-hidden', '7', '--readout', 'maxout', "
                             "'--readout-dim', '4', '--cell', 'lstm', '--encoder-layers', '2', "
                             "'--decoder-layers', '3'])\n"
                             "print(json.dumps(t.flops_per_step(o, 3, 4, 5, 9)))\n";
  const std::string out = test::run_python(script, scratch.path());
  const auto reference = nlohmann::json::parse(out, nullptr, false);
  ASSERT_FALSE(reference.is_discarded()) << out;
  const ModelFlops flops(m, 30);
  for (const auto& [name, value] : flops.components(b)) {
    ASSERT_TRUE(reference.contains(name)) << name;
    EXPECT_EQ(value, reference[name].get<double>()) << name;
  }
  EXPECT_EQ(flops.training_step(b), reference["total"].get<double>());
}

}  // namespace
}  // namespace s2s
