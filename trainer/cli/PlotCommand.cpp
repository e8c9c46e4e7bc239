// `s2s plot curves RUN_DIR [-o OUT.png]` and `s2s plot attention --checkpoint C --input F
// --lines 1,3 [-o DIR]`: pictures of a run, drawn with gnuplot: training curves, and the
// attention alignment of chosen input lines as the checkpoint translates them
// (DIR/attention-<line>.png, trainer/plot/AttentionHeatmapPlot.h).
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "core/Check.h"
#include "trainer/decode/Translator.h"
#include "trainer/cli/Commands.h"
#include "trainer/cli/DecodeFlags.h"
#include "trainer/plot/AttentionHeatmapPlot.h"
#include "trainer/plot/TrainingCurvePlot.h"

namespace s2s::cli {

namespace {
struct PlotArgs {
  std::string run_dir;
  std::string output;
  int width = 1000;
  int height = 900;
};

struct AttentionArgs {
  DecodeFlags decode;
  std::string input;
  std::vector<int64_t> lines;  // 1-based
  std::string output_dir = ".";
  int cell_px = 40;
};

void plot_attention(const AttentionArgs& a) {
  std::ifstream in(a.input, std::ios::binary);
  S2S_CHECK(in.good(), "cannot read {}: check the path", a.input);
  std::vector<std::string> all;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    all.push_back(std::move(line));
  }
  std::vector<std::string> chosen;
  for (const int64_t n : a.lines) {
    S2S_CHECK(n >= 1 && n <= static_cast<int64_t>(all.size()), "--lines: {} has {} lines, there is no line {}",
              a.input, all.size(), n);
    chosen.push_back(all[static_cast<size_t>(n - 1)]);
  }
  const TrainedEnsemble model = a.decode.load();
  SearchOptions search = a.decode.search(model.config().search);
  search.keep_attention = true;
  Translator translator = model.translator(search);
  const std::vector<Translation> out = translator.translate(chosen, a.decode.batch_size());
  std::filesystem::create_directories(a.output_dir);
  for (size_t i = 0; i < out.size(); ++i) {
    const TranslatedHypothesis& best = out[i].nbest.at(0);
    std::vector<std::string> source = out[i].source_tokens, output = best.tokens;
    source.push_back("</s>");
    output.push_back("</s>");
    const std::string png = (std::filesystem::path(a.output_dir) / fmt::format("attention-{}.png", a.lines[i])).string();
    AttentionHeatmapPlot::write(source, output, best.attention, png, a.cell_px);
    std::cout << fmt::format("wrote {} ({} source x {} output tokens): {}\n", png, source.size(), output.size(), best.text);
  }
}

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

  auto b = std::make_shared<AttentionArgs>();
  CLI::App* attention = plot->add_subcommand(
      "attention", "Attention alignment heatmaps (source tokens against output tokens) of chosen "
                   "input lines as a checkpoint translates them: DIR/attention-<line>.png");
  b->decode.add_to(attention);
  attention->add_option("-i,--input", b->input, "source sentences, one per line")->required();
  attention->add_option("--lines", b->lines, "1-based line numbers to draw, e.g. 1,3")
      ->required()
      ->delimiter(',')
      ->check(CLI::PositiveNumber);
  attention->add_option("-o,--output", b->output_dir, "directory for the PNGs")->capture_default_str();
  attention->add_option("--cell-px", b->cell_px, "pixels per attention cell")
      ->check(CLI::Range(4, 200))
      ->capture_default_str();
  attention->callback([b] { plot_attention(*b); });
}

}  // namespace s2s::cli
