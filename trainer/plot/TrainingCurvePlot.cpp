#include "trainer/plot/TrainingCurvePlot.h"

#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/Check.h"
#include "trainer/plot/Gnuplot.h"

namespace s2s {

namespace {

double number(const nlohmann::json& record, const char* key, const std::string& where) {
  const auto it = record.find(key);
  S2S_CHECK(it != record.end() && it->is_number(),
            "{}: record has no numeric \"{}\": is this a metrics.jsonl written by s2s train?", where, key);
  return it->get<double>();
}

// Data lines "step loss ppl tokens_per_s bleu chrf exact_match" (gnuplot reads
// whitespace-separated columns; NaN, for an absent score, is a point it skips).
std::string data(const std::vector<TrainingCurvePlot::Point>& points) {
  std::string s;
  for (const auto& p : points)
    s += fmt::format("{} {:.9g} {:.9g} {:.9g} {:.9g} {:.9g} {:.9g}\n", p.step, p.loss, p.ppl, p.tokens_per_s,
                     p.bleu, p.chrf, p.exact_match);
  return s;
}

double optional_number(const nlohmann::json& record, const char* key) {
  const auto it = record.find(key);
  return it != record.end() && it->is_number() ? it->get<double>() : NAN;
}

}  // namespace

TrainingCurvePlot::TrainingCurvePlot(const std::string& metrics_path) : path_(metrics_path) {
  std::ifstream in(metrics_path);
  S2S_CHECK(in.good(), "cannot read {}: pass a run directory written by s2s train (it holds metrics.jsonl)",
            metrics_path);
  std::string line;
  for (int64_t n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = fmt::format("{}:{}", metrics_path, n);
    const auto record = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    S2S_CHECK(record.is_object(), "{}: not a JSON object; metrics.jsonl holds one JSON record per line",
              where);
    const auto kind = record.value("kind", std::string());
    if (kind != "train" && kind != "valid") continue;
    Point p;
    p.step = static_cast<int64_t>(number(record, "step", where));
    p.loss = number(record, "loss", where);
    p.ppl = number(record, "ppl", where);
    if (kind == "train") {
      p.tokens_per_s = number(record, "tokens_per_s", where);
      train_.push_back(p);
    } else {
      p.bleu = optional_number(record, "bleu");
      p.chrf = optional_number(record, "chrf");
      p.exact_match = optional_number(record, "exact_match");
      valid_.push_back(p);
    }
  }
  S2S_CHECK(!train_.empty(), "{} has no training records (kind \"train\"): nothing to plot yet",
            metrics_path);
}

bool TrainingCurvePlot::has_scores() const {
  for (const auto& p : valid_)
    if (!std::isnan(p.bleu) || !std::isnan(p.chrf) || !std::isnan(p.exact_match)) return true;
  return false;
}

void TrainingCurvePlot::write_png(const std::string& png_path, int width, int height) const {
  S2S_CHECK(width >= 200 && height >= 200, "plot size {}x{} is too small: use at least 200x200",
            width, height);
  Gnuplot gp;
  const std::string train = Gnuplot::quote(gp.write_file("train.dat", data(train_)));
  const std::string valid = Gnuplot::quote(gp.write_file("valid.dat", data(valid_)));
  const bool has_valid = !valid_.empty();
  std::string s;
  s += fmt::format("set terminal pngcairo size {},{} noenhanced font 'sans,10'\n", width, height);
  s += "set output " + Gnuplot::quote(png_path) + "\n";
  s += fmt::format("set multiplot layout {},1 title {}\n", has_scores() ? 4 : 3,
                   Gnuplot::quote(fmt::format("training curves: {}", path_)));
  s += "set grid\nset key top right\nset xlabel 'step'\n";
  s += "set ylabel 'loss per token'\n";
  s += "plot " + train + " using 1:2 with lines lw 2 title 'train loss'";
  if (has_valid) s += ", " + valid + " using 1:2 with linespoints lw 2 pt 7 title 'valid loss'";
  s += "\nset logscale y\nset ylabel 'perplexity'\n";
  s += "plot " + train + " using 1:3 with lines lw 2 title 'train ppl'";
  if (has_valid) s += ", " + valid + " using 1:3 with linespoints lw 2 pt 7 title 'valid ppl'";
  s += "\nunset logscale y\nset ylabel 'tokens/s'\n";
  s += "plot " + train + " using 1:4 with lines lw 2 title 'train tokens/s'\n";
  if (has_scores()) {
    s += "set ylabel 'validation score'\nset yrange [0:100]\n";
    s += "plot " + valid + " using 1:5 with linespoints lw 2 pt 7 title 'BLEU', " + valid +
         " using 1:6 with linespoints lw 2 pt 5 title 'chrF', " + valid +
         " using 1:7 with linespoints lw 2 pt 9 title 'exact match %'\n";
  }
  s += "unset multiplot\n";
  gp.run(s, png_path);
}

}  // namespace s2s
