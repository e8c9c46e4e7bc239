// `s2s plot curves RUN_DIR [-o OUT.png]`: pictures of a run, drawn with gnuplot.
// Attention heatmaps come with `s2s translate --attention-png` (trainer/plot/AttentionHeatmapPlot.h).
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "trainer/cli/Commands.h"
#include "trainer/plot/TrainingCurvePlot.h"

namespace s2s::cli {

namespace {
struct PlotArgs {
  std::string run_dir;
  std::string output;
  int width = 1000;
  int height = 900;
};
}  // namespace

void add_plot_command(CLI::App& app) {
  CLI::App* plot = app.add_subcommand("plot", "Draw pictures of a run as PNG (gnuplot)");
  plot->require_subcommand(1);
  auto a = std::make_shared<PlotArgs>();
  CLI::App* curves = plot->add_subcommand(
      "curves", "Training curves from RUN_DIR/metrics.jsonl: loss, perplexity (train and "
                "validation) and tokens/s against step");
  curves->add_option("RUN_DIR", a->run_dir, "run directory written by s2s train")->required();
  curves->add_option("-o,--output", a->output, "PNG to write (default: RUN_DIR/curves.png)");
  curves->add_option("--width", a->width, "image width in pixels")->capture_default_str();
  curves->add_option("--height", a->height, "image height in pixels")->capture_default_str();
  curves->callback([a] {
    const std::filesystem::path dir(a->run_dir);
    const std::string out = a->output.empty() ? (dir / "curves.png").string() : a->output;
    const TrainingCurvePlot plot((dir / "metrics.jsonl").string());
    plot.write_png(out, a->width, a->height);
    std::cout << "wrote " << out << " (" << plot.train().size() << " train and "
              << plot.valid().size() << " validation points)\n";
  });
}

}  // namespace s2s::cli
