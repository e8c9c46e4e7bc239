#include "trainer/plot/AttentionHeatmapPlot.h"

#include <fmt/format.h>

#include "core/Check.h"
#include "trainer/plot/Gnuplot.h"

namespace s2s {

namespace {

std::string tics(const std::vector<std::string>& tokens) {
  std::string s = "(";
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (i > 0) s += ", ";
    s += fmt::format("{} {}", Gnuplot::label(tokens[i]), i);
  }
  return s + ")";
}

std::string shape(const torch::Tensor& t) {
  if (!t.defined()) return "an undefined tensor";
  std::string s = "(";
  for (int64_t d = 0; d < t.dim(); ++d) s += (d ? ", " : "") + std::to_string(t.size(d));
  return s + ")";
}

}  // namespace

void AttentionHeatmapPlot::write(const std::vector<std::string>& source_tokens,
                                 const std::vector<std::string>& output_tokens,
                                 const torch::Tensor& weights, const std::string& png_path,
                                 int cell_px) {
  const auto n_src = static_cast<int64_t>(source_tokens.size());
  const auto n_out = static_cast<int64_t>(output_tokens.size());
  S2S_CHECK(n_src > 0 && n_out > 0, "attention heatmap {}: needs at least one source and one output token",
            png_path);
  S2S_CHECK(weights.defined() && weights.dim() == 2 && weights.size(0) == n_out &&
                weights.size(1) == n_src,
            "attention heatmap {}: weights must be ({} outputs, {} sources), got {}", png_path, n_out,
            n_src, shape(weights));
  S2S_CHECK(cell_px >= 4 && cell_px <= 400, "attention heatmap: cell_px must lie in [4, 400], got {}",
            cell_px);
  const auto w = weights.detach().to(torch::kCPU, torch::kDouble).contiguous();
  const auto acc = w.accessor<double, 2>();

  Gnuplot gp;
  std::string matrix;  // gnuplot "matrix" format: row i = output token i
  for (int64_t i = 0; i < n_out; ++i) {
    for (int64_t j = 0; j < n_src; ++j) matrix += fmt::format("{}{:.6g}", j ? " " : "", acc[i][j]);
    matrix += '\n';
  }
  const std::string data = Gnuplot::quote(gp.write_file("attention.dat", matrix));
  const int width = kMarginX + cell_px * static_cast<int>(n_src);
  const int height = kMarginY + cell_px * static_cast<int>(n_out);
  std::string s;
  s += fmt::format("set terminal pngcairo size {},{} noenhanced font 'sans,10'\n", width, height);
  s += "set output " + Gnuplot::quote(png_path) + "\n";
  s += "set palette gray\nset cbrange [0:1]\nunset key\nset tics nomirror out scale 0\n";
  s += fmt::format("set xrange [-0.5:{}]\nset yrange [{}:-0.5]\n", n_src - 0.5, n_out - 0.5);
  s += "set xtics " + tics(source_tokens) + " rotate by 90 right\n";
  s += "set ytics " + tics(output_tokens) + "\n";
  s += "set xlabel 'source'\nset ylabel 'output'\n";
  s += "plot " + data + " matrix with image\n";
  gp.run(s, png_path);
}

}  // namespace s2s
