#pragma once
// The `train:` section of the config: optimiser, learning-rate schedule, budgets and the
// cadence of logging and validation.
#include <cstdint>

#include "core/Check.h"
#include "core/EnumNames.h"
#include "core/FieldRule.h"
#include "trainer/metrics/ValidMetric.h"

namespace s2s {

// train.optimizer: Adam with L2 weight decay, or AdamW with decoupled weight decay.
S2S_ENUM(OptimizerKind, adam, adamw);

// train.schedule: the learning rate after warm-up.
S2S_ENUM(ScheduleKind, constant, inverse_sqrt, plateau);

// train.precision: the forward pass in float32, or under bfloat16 autocast (AutocastScope).
S2S_ENUM(Precision, fp32, bf16);

struct TrainOptions {
  // Each key's doc, default and accepted values: fields() below (the one place they are written).
  OptimizerKind optimizer = OptimizerKind::adam;
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.98;
  double adam_eps = 1e-8;
  double weight_decay = 0.0;
  double ema_decay = 0.0;
  ScheduleKind schedule = ScheduleKind::inverse_sqrt;
  int64_t warmup_steps = 400;
  double plateau_factor = 0.5;
  int plateau_patience = 2;
  double min_lr = 1e-6;
  double clip_norm = 5.0;
  int accumulate = 1;
  int64_t max_steps = 0;
  int max_epochs = 10;
  double max_minutes = 0;
  int max_nonfinite_in_row = 10;
  int64_t log_every = 50;
  int64_t validate_every = 500;
  ValidMetric valid_metric = ValidMetric::chrf;
  int64_t valid_max_pairs = 1000;
  int early_stop_patience = 0;
  int64_t checksum_every = 200;
  double bucket_mb = 25.0;
  bool overlap_allreduce = true;
  double collective_timeout_s = 600;
  Precision precision = Precision::fp32;
  bool allow_tf32 = true;

  // Rules across keys: a run needs a budget (steps, epochs or minutes) to end.
  void validate() const {
    S2S_CHECK(max_steps > 0 || max_epochs > 0 || max_minutes > 0,
              "train: no budget set, the run would never end; set train.max_steps, "
              "train.max_epochs or train.max_minutes");
  }

  template <class V>
  void fields(V& v) {
    v("optimizer", optimizer, "adam (L2 weight decay) or adamw (decoupled weight decay)",
      words_of<OptimizerKind>());
    v("lr", lr, "peak learning rate, reached at the end of warm-up", between(0.0, 10.0));
    v("beta1", beta1, "Adam's first-moment decay", between_open(0.0, 1.0));
    v("beta2", beta2, "Adam's second-moment decay", between_open(0.0, 1.0));
    v("adam_eps", adam_eps, "Adam's denominator epsilon", between(0.0, 1.0));
    v("weight_decay", weight_decay, "weight decay: L2 with adam, decoupled with adamw",
      at_least(0.0));
    v("ema_decay", ema_decay,
      "exponential moving average of the weights (Marian's exponential smoothing), per update: "
      "ema = d*ema + (1-d)*weights, d = min(ema_decay, (1+t)/(10+t)) at EMA update t = 0, 1, ...; "
      "validation, the best checkpoint, translate, eval, plot attention and average use it "
      "(--raw-weights: the raw ones); 0: off (0.999 on the Bible recipe: -1.1 BLEU at 1000 updates, "
      "+0.2 at 3000, bench/RESULTS.md: worth it for long runs)",
      between_open(0.0, 1.0));
    v("schedule", schedule,
      "learning rate after warm-up: constant, inverse_sqrt (lr * sqrt(warmup/step)) or "
      "plateau (multiply by plateau_factor when validation stalls)",
      words_of<ScheduleKind>());
    v("warmup_steps", warmup_steps, "updates of linear warm-up from 0 to lr (0: none)",
      at_least(0));
    v("plateau_factor", plateau_factor, "plateau schedule: lr multiplier on a stall",
      between_open(0.0, 1.0));
    v("plateau_patience", plateau_patience,
      "plateau schedule: validations without improvement before the lr decays", at_least(0));
    v("min_lr", min_lr, "floor of the learning rate after warm-up", at_least(0.0));
    v("clip_norm", clip_norm, "clip gradients to this global L2 norm (0: no clipping)",
      at_least(0.0));
    v("accumulate", accumulate,
      "micro-batches whose gradients are summed into one update (gradient accumulation)",
      at_least(1));
    v("max_steps", max_steps, "stop after this many updates (0: no limit)", at_least(0));
    v("max_epochs", max_epochs, "stop after this many epochs (0: no limit)", at_least(0));
    v("max_minutes", max_minutes, "stop after this much wall-clock time (0: no limit)",
      at_least(0.0));
    v("max_nonfinite_in_row", max_nonfinite_in_row,
      "updates with a non-finite gradient are skipped; abort after this many in a row",
      at_least(1));
    v("log_every", log_every, "progress line and metrics record every N updates", at_least(1));
    v("validate_every", validate_every,
      "validate every N updates (0: only at the end of training)", at_least(0));
    v("valid_metric", valid_metric,
      "validation metric that picks the best checkpoint and that early stopping and the "
      "plateau schedule watch: chrf, bleu, exact_match (higher is better; validation then also "
      "decodes the validation split with the search: settings, each rank its share) or loss "
      "(lower is better; no decoding). The default chrf judges what users measure, the decoded "
      "output, and stays informative for one-word outputs, where BLEU's 4-gram precision is 0",
      words_of<ValidMetric>());
    v("valid_max_pairs", valid_max_pairs,
      "validate on the first N pairs of the validation split (0: all of it); the split is always "
      "scored in one fixed order, unshuffled, no pair dropped for its length, the same on any number "
      "of ranks: N bounds the time a decoding valid_metric takes (the log gives the seconds)",
      at_least(0));
    v("early_stop_patience", early_stop_patience,
      "stop after this many validations without improvement (0: never stop early)",
      at_least(0));
    v("checksum_every", checksum_every,
      "compare parameter checksums across ranks every N updates (0: never)", at_least(0));
    v("bucket_mb", bucket_mb,
      "size of the gradient buckets all-reduced during backward, in MB", between(0.001, 4096.0));
    v("overlap_allreduce", overlap_allreduce,
      "all-reduce gradient buckets on a thread while backward runs (false: after backward; "
      "faster when ranks have no core to spare, e.g. CPU runs with one rank per core)",
      any());
    v("collective_timeout_s", collective_timeout_s,
      "a collective (all-reduce, gather) that waits longer than this for the other ranks ends the "
      "job, naming the step and the ranks that did not arrive (0: wait for ever); must exceed the "
      "longest legitimate wait, e.g. rank 0 writing a checkpoint",
      at_least(0.0));
    v("precision", precision,
      "fp32, or bf16: the model's forward under bfloat16 autocast on its device (matmuls in "
      "bfloat16, the rest in float32); the loss is computed in float32 and the parameters, "
      "gradients and optimiser state stay float32 (master weights); validation and decoding "
      "stay float32. Faster on GPUs, and on CPUs with bfloat16 units (AVX512-BF16: AMD Zen 4, "
      "Intel Sapphire Rapids and later; s2s bench shows what it buys)",
      words_of<Precision>());
    v("allow_tf32", allow_tf32,
      "on a CUDA device, let float32 matmuls (cuBLAS) and cuDNN use TensorFloat-32; matters on "
      "Ampere and later GPUs (several times the float32 throughput, ~1e-3 relative error per "
      "product); ignored on the CPU",
      any());
  }
};

}  // namespace s2s
