#pragma once
// Training curves of a run as one PNG, from its RUN_DIR/metrics.jsonl (trainer/MetricsLog):
// three panels against the update step:
//   1. loss: training loss (label-smoothed, per token) and validation loss (per token NLL)
//   2. perplexity: training and validation, log scale
//   3. throughput: training tokens/s (all ranks)
//   4. only when validation decoded (train.valid_metric bleu, chrf or exact_match): the
//      validation BLEU, chrF and exact match (0..100)
// "train" records give the training series, "valid" records the validation ones; other
// kinds are ignored, so later kinds do not break old plots.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace s2s {

class TrainingCurvePlot {
 public:
  struct Point {
    int64_t step = 0;
    double loss = 0;
    double ppl = 0;
    double tokens_per_s = 0;  // train only
    double bleu = NAN;         // valid records of a decoding validation only (NaN: absent)
    double chrf = NAN;
    double exact_match = NAN;
  };

  // Reads `metrics_path`. Throws s2s::Error naming the file and line for unreadable files,
  // lines that are not JSON objects, and train/valid records lacking step/loss/ppl (and
  // tokens_per_s for train), or when there is no train record at all.
  explicit TrainingCurvePlot(const std::string& metrics_path);

  // Draws the PNG, `width` x `height` pixels (each at least 200).
  void write_png(const std::string& png_path, int width = 1000, int height = 900) const;

  const std::vector<Point>& train() const { return train_; }
  const std::vector<Point>& valid() const { return valid_; }
  // Whether some validation record carries decoded scores (the fourth panel is drawn).
  bool has_scores() const;

 private:
  std::string path_;
  std::vector<Point> train_;
  std::vector<Point> valid_;
};

}  // namespace s2s
