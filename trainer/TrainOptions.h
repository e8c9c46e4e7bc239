#pragma once
// The `train:` section of the config: optimiser, learning-rate schedule, budgets and the
// cadence of logging and validation.
#include <cstdint>
#include <string>

#include "core/FieldRule.h"

namespace s2s {

struct TrainOptions {
  std::string optimizer = "adam";      // adam | adamw
  double lr = 1e-3;                    // peak learning rate
  double beta1 = 0.9;                  // Adam's first-moment decay
  double beta2 = 0.98;                 // Adam's second-moment decay
  double adam_eps = 1e-8;              // Adam's denominator epsilon
  double weight_decay = 0.0;           // L2 (adam) or decoupled (adamw) weight decay
  std::string schedule = "inverse_sqrt";  // constant | inverse_sqrt | plateau
  int64_t warmup_steps = 400;          // linear warm-up from 0 to lr (all schedules)
  double plateau_factor = 0.5;         // plateau: lr multiplier when validation stalls
  int plateau_patience = 2;            // plateau: validations without improvement before decay
  double min_lr = 1e-6;                // the schedule never goes below this (after warm-up)
  double clip_norm = 5.0;              // clip by global gradient norm; 0 = no clipping
  int accumulate = 1;                  // micro-batches per update (gradient accumulation)
  int64_t max_steps = 0;               // stop after this many updates; 0 = no limit
  int max_epochs = 10;                 // stop after this many epochs; 0 = no limit
  double max_minutes = 0;              // stop after this much wall time; 0 = no limit
  int max_nonfinite_in_row = 10;       // abort after this many skipped non-finite updates
  int64_t log_every = 50;              // progress line and metrics record every N updates
  int64_t validate_every = 500;        // validation every N updates; 0 = only at the end
  std::string valid_metric = "loss";   // loss | bleu | chrf | exact_match: best checkpoint, plateau, early stop
  int early_stop_patience = 0;         // validations without improvement before stopping; 0 = off
  int64_t checksum_every = 200;        // compare parameter checksums across ranks; 0 = off
  double bucket_mb = 25.0;             // gradient all-reduce bucket size (as PyTorch DDP)
  bool overlap_allreduce = true;       // all-reduce buckets on a thread during backward
  double collective_timeout_s = 600;   // abort when a collective waits longer; 0 = no watchdog

  // Rules across keys: a run needs a budget (steps, epochs or minutes) to end.
  void validate() const;

  template <class V>
  void fields(V& v) {
    v("optimizer", optimizer, "adam (L2 weight decay) or adamw (decoupled weight decay)",
      one_of({"adam", "adamw"}));
    v("lr", lr, "peak learning rate, reached at the end of warm-up", between(0.0, 10.0));
    v("beta1", beta1, "Adam's first-moment decay", between_open(0.0, 1.0));
    v("beta2", beta2, "Adam's second-moment decay", between_open(0.0, 1.0));
    v("adam_eps", adam_eps, "Adam's denominator epsilon", between(0.0, 1.0));
    v("weight_decay", weight_decay, "weight decay: L2 with adam, decoupled with adamw",
      at_least(0.0));
    v("schedule", schedule,
      "learning rate after warm-up: constant, inverse_sqrt (lr * sqrt(warmup/step)) or "
      "plateau (multiply by plateau_factor when validation stalls)",
      one_of({"constant", "inverse_sqrt", "plateau"}));
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
      "plateau schedule watch: loss (lower is better) or bleu, chrf, exact_match (higher is "
      "better; validation then also decodes the validation split with the search: settings, "
      "each rank its share)",
      one_of({"loss", "bleu", "chrf", "exact_match"}));
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
  }
};

}  // namespace s2s
