#pragma once
// The training loop, readable top to bottom: batches from this rank's CorpusReader, one
// update = `accumulate` micro-batches handed to TrainStep (forward, backward, gradients
// summed over ranks, divided by the global target-token count, clipped, applied); progress
// lines, metrics, validation, budgets and early stopping around it. Every rank runs the
// same number of updates; decisions that must agree (stop, skip a non-finite update) are
// made from numbers every rank holds after the same all-reduce.
#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/Clock.h"
#include "core/EnumNames.h"
#include "data/CorpusReader.h"
#include "model/Seq2Seq.h"
#include "trainer/ExponentialMovingAverage.h"
#include "trainer/MetricsLog.h"
#include "trainer/TrainStep.h"
#include "trainer/TrainerState.h"
#include "trainer/TrainingProgress.h"
#include "trainer/Validator.h"
#include "trainer/checkpoint/CheckpointCodec.h"
#include "trainer/checkpoint/CheckpointStore.h"
#include "trainer/comm/ArrivalTracker.h"
#include "trainer/comm/CollectiveWatchdog.h"
#include "trainer/comm/Communicator.h"
#include "trainer/comm/Runtime.h"
#include "trainer/comm/StragglerMeter.h"
#include "trainer/config/Config.h"
#include "trainer/config/ConfigDiff.h"
#include "trainer/decode/Translator.h"
#include "trainer/metrics/ImprovementTracker.h"

namespace s2s {

// Why a run ended. `signal`: a rank got SIGTERM or SIGUSR1 (preemption): the run is not done.
S2S_ENUM(StopReason, max_steps, max_epochs, max_minutes, early_stop, signal);

struct TrainResult {
  int64_t steps = 0;            // updates applied or skipped, counting those before a resume
  int64_t epoch = 0;            // epoch the reader is in at the end
  double last_valid_loss = 0;   // per-token validation loss of the last validation (NaN: none)
  StopReason stop_reason = StopReason::max_steps;
};

// Where a run starts from.
struct ResumeRequest {
  bool enabled = true;  // resume from RUN_DIR's latest checkpoint when there is one
  std::string path;     // resume from this checkpoint file instead
  bool weights_only = false;  // fine-tune: take the parameters only (new optimizer, step 0, data from the start)
};

class Trainer {
 public:
  Trainer(const Config& config, Runtime& runtime, Communicator& comm, const ResumeRequest& resume = {});
  ~Trainer();

  // Trains until a budget is spent or early stopping triggers.
  TrainResult run();

  Seq2Seq& model() { return model_; }

 private:
  // Set-up, in the order the constructor runs them.
  void open_run_dir();       // rank 0: the run directory, config.yaml, metrics.jsonl
  void open_data();          // this rank's training and validation readers
  void build_model();        // same initial parameters on every rank (rank 0's, broadcast)
  void build_ema();          // the EMA of the weights (train.ema_decay > 0), from build_model
  void build_validation();   // the Validator (and its Translator when validation decodes)
  void build_step();         // optimizer, schedule and gradient sync
  void start_watchdog();     // the collective watchdog, when there is more than one rank

  // Resume, in order: which checkpoint, whether it fits, then what it restores.
  void resume(const ResumeRequest& request);  // restores a checkpoint, if asked and present
  std::optional<CheckpointState> read_resume_state(const ResumeRequest& request);
  // Refuses another vocabulary or model shape; returns the other config changes.
  std::vector<ConfigChange> check_compatible(const CheckpointState& state) const;
  void restore_trackers(const CheckpointState& state);        // schedule and early stopping
  void restore_ema(const CheckpointState& state, bool weights_only);  // the EMA, or a fresh one
  void restore_cursor(const CheckpointState& state);          // data cursor (any world size) and RNG
  void log_micro_batches() const;  // when ranks are not one per batch group
  TrainerState trainer_state() const;

  // The loop's parts, in the order run() calls them; each one is collective.
  void log_progress(int64_t step, TrainingProgress& progress, StragglerMeter& straggler);
  void check_parameters(int64_t step);  // parameter checksums agree across ranks
  bool validate_and_track(int64_t step);  // validates; feeds schedule and early stopping; true: stop early
  void finish(TrainResult& result, int64_t last_saved);  // final validation, checkpoint, arrival count

  void save_checkpoint(int64_t step, const std::string& why);  // collective; rank 0 writes
  UpdateStats update(int64_t step);  // one optimiser update (or a skipped one)
  ValidationResult validate(int64_t step);  // collective: loss (and decoded metrics) over all ranks
  std::vector<Batch> next_share();   // this rank's micro-batches of the next global batch, across epochs
  // Collective: why the run must stop before update `step` (budget, signal), agreed by all.
  std::optional<StopReason> stop_reason(int64_t step, bool* checkpoint_due);
  // Announces the next collective to rank 0's arrival record; returns its arrival number.
  int64_t announce(const std::string& label);
  int64_t epochs_finished() const;
  bool budget_spent(int64_t step) const;  // max_steps or max_epochs ends the run after update `step`
  double eta_seconds(int64_t step, double seconds_per_step) const;

  Config config_;
  Runtime& runtime_;
  Communicator& comm_;
  torch::Device device_;
  std::unique_ptr<CorpusReader> train_data_;
  std::unique_ptr<CorpusReader> valid_data_;
  Seq2Seq model_{nullptr};
  std::vector<torch::Tensor> parameters_;
  std::unique_ptr<ExponentialMovingAverage> ema_;  // null unless train.ema_decay > 0
  // What validation decodes with: the EMA's weights when there is one (what the checkpoints'
  // metrics then describe), else model_'s.
  ModelWeights valid_weights_ = ModelWeights::raw;
  std::unique_ptr<TrainStep> step_;
  std::unique_ptr<Translator> translator_;  // decodes for validation (train.valid_metric)
  std::unique_ptr<Validator> validator_;
  ImprovementTracker early_stop_;
  std::unique_ptr<MetricsLog> metrics_;  // rank 0 only
  std::unique_ptr<CheckpointStore> checkpoints_;
  // Every blocking collective of the loop is armed on the watchdog (train.collective_timeout_s);
  // the tracker lets rank 0 name the ranks that did not arrive. Declared in this order so that
  // the watchdog's thread stops before the tracker it reads goes.
  std::unique_ptr<ArrivalTracker> arrivals_;  // null when the watchdog is off
  std::unique_ptr<CollectiveWatchdog> watchdog_;
  int64_t arrival_ = 0;                   // collectives announced so far (same on every rank)
  int64_t first_step_ = 1;               // 1, or the step after the resumed checkpoint
  std::optional<ValidationResult> last_valid_;  // the last validation (none yet: nullopt)
  int64_t last_valid_step_ = 0;                 // the step it measured (0: none)
  Clock::time_point last_checkpoint_;
  Clock::time_point start_;
};

}  // namespace s2s
