#pragma once
// An attention alignment picture as in Bahdanau et al. (2015), figure 3: source tokens
// along x (left to right), output tokens along y (first at the top), each
// cell the weight alpha_tj in gray (black 0, white 1). Tokens are the tick labels, drawn
// literally (no gnuplot markup: "_", "^", "{", "%", quotes and backquotes are safe).
//
//   AttentionHeatmapPlot::write(src_tokens, out_tokens, hypothesis.attention, "align.png");
#include <torch/torch.h>

#include <string>
#include <vector>

namespace s2s {

class AttentionHeatmapPlot {
 public:
  // weights: (output_tokens.size(), source_tokens.size()) on any device, any float dtype
  // (e.g. Hypothesis::attention, whose last row is the step that produced </s>: pass
  // "</s>" as the last output token). The PNG is
  //   kMarginX + cell_px * source_tokens.size()  by  kMarginY + cell_px * output_tokens.size()
  // pixels. Throws s2s::Error on a shape mismatch, empty token lists or a gnuplot failure.
  static void write(const std::vector<std::string>& source_tokens,
                    const std::vector<std::string>& output_tokens, const torch::Tensor& weights,
                    const std::string& png_path, int cell_px = 40);

  static constexpr int kMarginX = 220;  // room for the y labels and the colour box
  static constexpr int kMarginY = 160;  // room for the rotated x labels
};

}  // namespace s2s
