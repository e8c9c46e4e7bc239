#include "trainer/Trainer.h"

#include <any>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <thread>

#include "core/Check.h"
#include "core/Log.h"
#include "model/BatchTensors.h"
#include "trainer/StopSignal.h"
#include "trainer/Tf32.h"
#include "trainer/checkpoint/CheckpointCodec.h"
#include "trainer/checkpoint/DurableFile.h"
#include "trainer/comm/ParameterChecksum.h"
#include "trainer/config/ConfigWriter.h"

namespace s2s {
namespace {

const Log log("train");
const Log ckpt_log("ckpt");
const Log comm_log("comm");

}  // namespace

Trainer::Trainer(const Config& config, Runtime& runtime, Communicator& comm,
                 const ResumeRequest& resume_request)
    : config_(config),
      runtime_(runtime),
      comm_(comm),
      device_(runtime.device()),
      early_stop_(config.train.valid_metric) {
  open_run_dir();
  open_data();
  build_model();
  build_validation();
  build_step();
  start_watchdog();
  checkpoints_ = std::make_unique<CheckpointStore>(config_.run.dir, config_.checkpoint, config_.train.valid_metric);
  resume(resume_request);
}

void Trainer::open_run_dir() {
  // Rank 0 owns the run directory; the resolved config is the run's record of itself.
  if (runtime_.rank() != 0) return;
  std::filesystem::create_directories(config_.run.dir);
  // Written as every file of the run: complete or not at all, checked (a full disk is an error).
  const std::string config_path = config_.run.dir + "/config.yaml";
  DurableFile::write_atomically(config_path, ConfigWriter::to_yaml(config_));
  metrics_ = std::make_unique<MetricsLog>(config_.run.dir + "/metrics.jsonl");
}

void Trainer::open_data() {
  // Each rank reads its own part; every rank gets the same number of batches.
  const int rank = runtime_.rank(), world = runtime_.world_size();
  const auto seed = static_cast<uint64_t>(config_.run.seed);
  train_data_ = std::make_unique<CorpusReader>(config_.data, "train", rank, world, seed);
  // The model's input tensors are made where the batch is, on the prefetch thread: on a GPU
  // that is one pinned buffer and one non-blocking copy, enqueued ahead of the step using it.
  train_data_->set_preparer([device = device_](Batch& batch) { batch.prepared = BatchTensors::from(batch, device); });
  valid_data_ = std::make_unique<CorpusReader>(config_.data, "valid",
                                               CorpusReader::WholeSplit{config_.train.valid_max_pairs});
  const auto& stats = train_data_->stats();
  log.info("corpus {}: {} training pairs ({} dropped as too long), {} updates per epoch",
           config_.data.dir, stats.split_examples, stats.dropped_too_long,
           train_data_->batches_in_epoch() / config_.train.accumulate);
  log_micro_batches();
}

void Trainer::build_model() {
  // The same seed on every rank, and rank 0's parameters broadcast anyway, so a difference in
  // initialisation (other LibTorch build, other device) cannot split ranks.
  torch::manual_seed(config_.run.seed);
  model_ = Seq2Seq(config_.model, train_data_->source_vocab().size(),
                   train_data_->target_vocab().size());
  model_->to(device_);
  parameters_ = model_->parameters();
  broadcast_parameters(parameters_, comm_);
  build_ema();
  // Dropout does not draw from torch's generator: its masks are keyed by run.seed, the
  // update and each pair's id (model/DropoutMasks.h), the same on any number of ranks.
  int64_t count = 0;
  for (const auto& p : parameters_) count += p.numel();
  log.info("model: {} parameters ({} {}), on {}", count, name_of(config_.model.cell),
           name_of(config_.model.readout), device_.str());
}

void Trainer::build_ema() {
  if (config_.train.ema_decay <= 0) return;
  Seq2Seq averaged(config_.model, train_data_->source_vocab().size(), train_data_->target_vocab().size());
  averaged->to(device_);
  ema_ = std::make_unique<ExponentialMovingAverage>(model_, averaged, config_.train.ema_decay);
  valid_weights_ = ModelWeights::ema;
  log.info("EMA of the weights: decay {} (min with (1+t)/(10+t) at EMA update t); validation and checkpoints' "
           "metrics use the EMA weights", config_.train.ema_decay);
}

void Trainer::build_validation() {
  // The loss, and with a decoding metric the outputs of the search: section's search,
  // detokenized with the corpus's own tokenizers.
  const Manifest& corpus = train_data_->manifest();
  const auto tokenizer = [&](const SideEntry& side) -> std::shared_ptr<const Tokenizer> {
    return make_tokenizer(side.tokenizer, side.tokenizer_model.empty()
                                              ? std::string()
                                              : fmt::format("{}/{}", config_.data.dir, side.tokenizer_model));
  };
  const Seq2Seq validated = ema_ ? ema_->model() : model_;
  translator_ = std::make_unique<Translator>(validated, train_data_->source_vocab(), train_data_->target_vocab(),
                                             tokenizer(corpus.source), tokenizer(corpus.target), config_.search);
  const bool decode = needs_decoding(config_.train.valid_metric);
  validator_ = std::make_unique<Validator>(*valid_data_, validated, *translator_, comm_, device_, decode);
  if (decode)
    log.info("validation decodes with beam {} ({} length penalty, alpha {}) for valid_metric {}",
             config_.search.beam_size, name_of(config_.search.length_penalty), config_.search.alpha,
             name_of(config_.train.valid_metric));
}

void Trainer::build_step() {
  // Process-wide, so set before the first forward; cuBLAS and cuDNN read it per call.
  if (device_.is_cuda()) set_allow_tf32(config_.train.allow_tf32);
  log.info("precision: {} forward{}", name_of(config_.train.precision),
           device_.is_cuda() ? fmt::format(", TF32 {}", config_.train.allow_tf32 ? "allowed" : "off") : std::string());
  step_ = std::make_unique<TrainStep>(model_, config_.model.label_smoothing, config_.train, comm_,
                                      config_.run.seed);
  log.info("gradient sync: {} buckets of <= {} MB over {}, {}", step_->sync().buckets().size(),
           config_.train.bucket_mb, name_of(comm_.backend()),
           step_->sync().overlaps() ? "overlapping backward" : "after backward");
}

void Trainer::start_watchdog() {
  // From here on, a collective that waits longer than train.collective_timeout_s ends the job
  // with a report instead of hanging it.
  const int rank = runtime_.rank();
  CollectiveWatchdogOptions watch;
  watch.timeout_s = runtime_.world_size() > 1 ? config_.train.collective_timeout_s : 0.0;  // alone: nobody to wait for
  if (watch.timeout_s > 0) {
    arrivals_ = std::make_unique<ArrivalTracker>();
    watch.missing = [this](int64_t arrival) { return arrivals_->missing(arrival); };
    if (comm_.backend() == Backend::nccl)
      watch.poll = [this] {
        std::string error = comm_.async_error();
        return error.empty() ? step_->sync().communicator().async_error() : error;
      };
    watch.expired = [this, rank](const std::string& report) {
      comm_log.error("rank {}: {}", rank, report);
      // Rank 0's report names the missing ranks: let it come first when it is waiting too.
      if (rank != 0) std::this_thread::sleep_for(std::chrono::seconds(2));
      comm_log.error("rank {}: ending the job (exit code {})", rank, CollectiveWatchdog::kTimeoutExitCode);
      std::fflush(nullptr);
      comm_.abort(CollectiveWatchdog::kTimeoutExitCode);  // NCCL: ncclCommAbort, then MPI_Abort
    };
  }
  watchdog_ = std::make_unique<CollectiveWatchdog>(std::move(watch));
}

int64_t Trainer::announce(const std::string& label) {
  ++arrival_;
  if (arrivals_) arrivals_->arrive(arrival_, label);
  return arrival_;
}

void Trainer::resume(const ResumeRequest& request) {
  std::optional<CheckpointState> state = read_resume_state(request);
  if (!state) return;  // a new run
  const std::vector<ConfigChange> changes = check_compatible(*state);
  const auto named = model_->named_parameters();
  CheckpointCodec::restore_model(named, *state);
  restore_ema(*state, request.weights_only);
  if (request.weights_only) {
    log.info("fine-tuning from the weights of {} (step {}): new optimizer, data from the start",
             state->source, state->step);
    return;
  }
  if (!changes.empty())
    ckpt_log.info("resuming from {} with a changed config (checkpoint -> now): {}", state->source,
                  ConfigDiff::describe(changes));
  CheckpointCodec::restore_optimizer(step_->optimizer(), named, *state);
  restore_trackers(*state);
  restore_cursor(*state);
  first_step_ = state->step + 1;
}

std::optional<CheckpointState> Trainer::read_resume_state(const ResumeRequest& request) {
  // Every rank reads the checkpoint itself (the same verified file): no broadcast of
  // optimizer state is needed, and a damaged file fails every rank with the same message.
  if (!request.path.empty()) return checkpoints_->read(request.path);
  if (!request.enabled) return std::nullopt;
  if (auto loaded = checkpoints_->read_latest()) return std::move(loaded->state);
  return std::nullopt;
}

std::vector<ConfigChange> Trainer::check_compatible(const CheckpointState& state) const {
  const auto check_vocab = [&](const char* side, const Vocab& vocab) {
    auto it = state.vocab_hashes.find(side);
    S2S_CHECK(it == state.vocab_hashes.end() || it->second == vocab.hash(),
              "checkpoint {} was trained with another {} vocabulary than corpus {}: resume with "
              "the corpus it was trained on, or start a new run (--no-resume)",
              state.source, side, config_.data.dir);
  };
  check_vocab("src", train_data_->source_vocab());
  check_vocab("tgt", train_data_->target_vocab());

  // The model's shape must be the checkpoint's, resumed or fine-tuned; other keys (budgets,
  // learning rate, dropout, ...) may change and are listed.
  std::vector<ConfigChange> changes = ConfigDiff::between(state.config_yaml, config_, state.source);
  std::vector<ConfigChange> shape;
  for (const ConfigChange& c : changes)
    if (c.shape) shape.push_back(c);
  if (!shape.empty())
    S2S_FAIL("checkpoint {} holds a model of another shape than this config: {} (checkpoint -> "
             "config); it can be neither resumed nor fine-tuned (--fine-tune) into another shape: "
             "set {}={} again, or start a new run without it (--no-resume, or another run.dir)",
             state.source, ConfigDiff::describe(shape), shape.front().key, shape.front().saved);
  return changes;
}

void Trainer::restore_trackers(const CheckpointState& state) {
  // The best values are in the units of the metric they were measured with.
  const TrainerState saved = TrainerState::load(state);
  if (saved.valid_metric == config_.train.valid_metric) {
    step_->schedule().restore(saved.schedule_plateau_scale, saved.schedule_best, saved.schedule_stalls);
    early_stop_.restore(saved.early_stop_best, saved.early_stop_stalls);
    return;
  }
  step_->schedule().restore(saved.schedule_plateau_scale, step_->schedule().plateau_tracker().best(), 0);
  log.warn("checkpoint {} watched validation {}, this run watches {}: early stopping and the "
           "plateau schedule start their best value and patience again",
           state.source, name_of(saved.valid_metric), name_of(config_.train.valid_metric));
}

void Trainer::log_micro_batches() const {
  const int world = runtime_.world_size();
  if (train_data_->groups() == world) return;  // one batch per rank: nothing to say
  log.info("an update's global batch is planned in {} groups of data.max_tokens={} (data.groups): each of "
           "the {} ranks computes its share of them as micro-batches and accumulates their gradients",
           train_data_->groups(), config_.data.max_tokens, world);
}

void Trainer::restore_cursor(const CheckpointState& state) {
  const int rank = runtime_.rank(), world = runtime_.world_size();
  // The cursor is the run's position in its global batches: every rank wrote the same one,
  // and it holds on any number of ranks (a version 1 cursor planned one group per rank).
  const auto writers = static_cast<int>(state.world_size());
  train_data_->restore(ReaderCursor::from_string(state.ranks.at(0).cursor), writers);
  if (writers == world) {
    CheckpointCodec::restore_rng(state.ranks.at(static_cast<size_t>(rank)), device_);
    ckpt_log.info("resumed from {}: step {}, epoch {}", state.source, state.step, state.epoch);
    return;
  }
  log.info("resumed from {} (step {}, epoch {}), written by {} ranks, on {} ranks: training goes on with "
           "the same global batches (planned in {} groups) and the same dropout masks",
           state.source, state.step, state.epoch, writers, world, train_data_->groups());
  log_micro_batches();
}

void Trainer::restore_ema(const CheckpointState& state, bool weights_only) {
  if (!ema_) {
    if (CheckpointCodec::holds_ema(state) && !weights_only)
      log.info("checkpoint {} holds EMA weights; train.ema_decay is 0, so this run goes on without them: validation "
               "and new checkpoints use the raw weights", state.source);
    return;
  }
  // A fine-tune starts a new average at the weights it takes; a resume goes on with the saved one.
  if (weights_only || !ema_->restore(state)) {
    ema_->reset();
    if (!weights_only)
      log.info("checkpoint {} holds no EMA weights: the EMA (train.ema_decay={}) starts at its weights of step {}",
               state.source, config_.train.ema_decay, state.step);
  }
}

TrainerState Trainer::trainer_state() const {
  TrainerState s;
  const ImprovementTracker& plateau = step_->schedule().plateau_tracker();
  s.valid_metric = config_.train.valid_metric;
  s.schedule_plateau_scale = step_->schedule().plateau_scale();
  s.schedule_best = plateau.best();
  s.schedule_stalls = plateau.stalls();
  s.early_stop_best = early_stop_.best();
  s.early_stop_stalls = early_stop_.stalls();
  return s;
}

void Trainer::save_checkpoint(int64_t step, const std::string& why) {
  // Every rank contributes its cursor and RNG state; rank 0 writes the file.
  const auto mine = CheckpointCodec::pack_rank(
      CheckpointCodec::capture_rank(train_data_->cursor().to_string(), device_));
  std::vector<std::string> all;
  {
    const std::string label = fmt::format("checkpoint gather, step {}", step);
    CollectiveWatchdog::Scope armed(*watchdog_, label, announce(label));
    all = comm_.all_gather(mine);
  }
  last_checkpoint_ = Clock::now();
  if (runtime_.rank() != 0) return;

  CheckpointState state;
  state.step = step;
  state.epoch = train_data_->epoch();
  state.config_yaml = ConfigWriter::to_yaml(config_);
  state.vocab_hashes = {{"src", train_data_->source_vocab().hash()},
                        {"tgt", train_data_->target_vocab().hash()}};
  // Only what was measured on these weights: a validation of an earlier step is not theirs.
  if (last_valid_ && last_valid_step_ == step) {
    state.scalars["valid_weights"] = std::string(name_of(valid_weights_));  // what the metrics were measured on
    state.metrics["loss"] = last_valid_->loss;
    if (last_valid_->decoded) {
      state.metrics["bleu"] = last_valid_->scores.bleu.bleu;
      state.metrics["chrf"] = last_valid_->scores.chrf;
      state.metrics["exact_match"] = last_valid_->scores.exact_match;
      state.metrics["token_error_rate"] = last_valid_->scores.token_error_rate;
    }
  }
  trainer_state().store(state);
  const auto named = model_->named_parameters();
  CheckpointCodec::capture_model(named, state);
  CheckpointCodec::capture_optimizer(step_->optimizer(), named, state);
  if (ema_) ema_->store(state);
  for (const auto& packed : all) state.ranks.push_back(CheckpointCodec::unpack_rank(packed));
  checkpoints_->write(state);  // logs the file it wrote
  ckpt_log.debug("checkpoint of step {} was due: {}", step, why);
}

Trainer::~Trainer() = default;

TrainResult Trainer::run() {
  const TrainOptions& t = config_.train;
  StopSignal::install();
  start_ = last_checkpoint_ = Clock::now();
  TrainingProgress progress(runtime_.world_size());
  StragglerMeter straggler;
  TrainResult result;
  result.steps = first_step_ - 1;
  int64_t last_saved = first_step_ - 1;

  for (int64_t step = first_step_;; ++step) {
    bool checkpoint_due = false;
    if (auto reason = stop_reason(step, &checkpoint_due)) {
      result.stop_reason = *reason;
      break;
    }
    if (checkpoint_due && last_saved != step - 1) {  // by time
      save_checkpoint(step - 1, "every_minutes");
      last_saved = step - 1;
    }
    const UpdateStats u = update(step);
    progress.add(u);
    straggler.add(u.compute_seconds);
    result.steps = step;

    if (step % t.log_every == 0) log_progress(step, progress, straggler);
    if (t.checksum_every > 0 && step % t.checksum_every == 0) check_parameters(step);
    const bool stop_early = t.validate_every > 0 && step % t.validate_every == 0 && validate_and_track(step);
    const int64_t every = config_.checkpoint.every_steps;
    // The last update's checkpoint is finish()'s, written after the final validation.
    if (every > 0 && step % every == 0 && !budget_spent(step)) {
      save_checkpoint(step, "every_steps");
      last_saved = step;
    }
    if (stop_early) {
      log.info("early stop: validation {} has not improved on {:.4f} for {} validations",
               name_of(t.valid_metric), early_stop_.best(), early_stop_.stalls());
      result.stop_reason = StopReason::early_stop;
      break;
    }
  }
  finish(result, last_saved);
  return result;
}

void Trainer::log_progress(int64_t step, TrainingProgress& progress, StragglerMeter& straggler) {
  {
    const std::string label = fmt::format("rank wait gather, step {}", step);
    CollectiveWatchdog::Scope armed(*watchdog_, label, announce(label));
    progress.add_rank_wait(straggler.collect(comm_));
  }
  const double eta = eta_seconds(step, progress.seconds() / progress.updates());
  log.info("{}", progress.line(step, train_data_->epoch(), eta));
  if (metrics_) metrics_->write(progress.record(step, train_data_->epoch()));
  progress.reset();
}

void Trainer::check_parameters(int64_t step) {
  const std::string label = fmt::format("parameter checksum, step {}", step);
  CollectiveWatchdog::Scope armed(*watchdog_, label, announce(label));
  check_parameters_consistent(parameters_, comm_, step);
}

bool Trainer::validate_and_track(int64_t step) {
  const TrainOptions& t = config_.train;
  last_valid_ = validate(step);
  last_valid_step_ = step;
  const double value = last_valid_->metric(t.valid_metric);
  step_->schedule().observe_validation(value);
  early_stop_.observe(value);
  return t.early_stop_patience > 0 && early_stop_.stalls() >= t.early_stop_patience;
}

void Trainer::finish(TrainResult& result, int64_t last_saved) {
  const TrainOptions& t = config_.train;
  // A run that ends off the validation cadence validates its final weights (not after a
  // signal: a preempted job has seconds, and the run goes on elsewhere).
  bool validated_now = false;
  if (result.stop_reason != StopReason::signal &&
      (t.validate_every == 0 || result.steps % t.validate_every != 0) && result.steps >= first_step_) {
    last_valid_ = validate(result.steps);
    last_valid_step_ = result.steps;
    validated_now = true;
  }
  // The final checkpoint holds the final validation: one written at this step before it
  // (a max_minutes stop is known only after the step's checkpoint) is written again.
  if (last_saved != result.steps || validated_now)
    save_checkpoint(result.steps, std::string(name_of(result.stop_reason)));
  if (arrivals_) {
    const std::string label = fmt::format("end-of-run arrival count, step {}", result.steps);
    CollectiveWatchdog::Scope armed(*watchdog_, label, announce(label));
    arrivals_->finish();
  }
  result.last_valid_loss = last_valid_ ? last_valid_->loss : std::numeric_limits<double>::quiet_NaN();
  result.epoch = train_data_->epoch();
  log.info("done after {} updates ({}), {:.1f} min; {}", result.steps, name_of(result.stop_reason),
           seconds_since(start_) / 60.0,
           last_valid_ ? fmt::format("validation loss {:.4f}", last_valid_->loss) : std::string("no validation yet"));
}

UpdateStats Trainer::update(int64_t step) {
  const auto start = Clock::now();
  std::vector<BatchTensors> micro_batches;
  for (int micro = 0; micro < config_.train.accumulate; ++micro)
    for (Batch& batch : next_share()) {
      auto* prepared = std::any_cast<BatchTensors>(&batch.prepared);  // by the preparer of open_data()
      micro_batches.push_back(prepared ? std::move(*prepared) : BatchTensors::from(batch, device_));
    }
  const double data_seconds = seconds_since(start);
  // Forward and backward are under the watchdog too: the gradient all-reduce runs during
  // backward, and a rank ahead of the others waits for them here. A rank announces its
  // arrival when its backward is done (the update's one message), so a rank that is stuck
  // computing is named as missing; the arm counts on that number already.
  UpdateStats u;
  {
    const std::string label = fmt::format("gradient all-reduce, step {}", step);
    CollectiveWatchdog::Scope armed(*watchdog_, label, arrival_ + 1);
    u = step_->apply(micro_batches, step, [&] { announce(label); });
  }
  if (ema_ && !u.skipped) ema_->update();  // the weights are the same on every rank: no communication
  u.data_seconds = data_seconds;
  u.total_seconds = seconds_since(start);
  return u;
}

ValidationResult Trainer::validate(int64_t step) {
  const std::string label = fmt::format("validation all-reduce, step {}", step);
  const ValidationResult v = validator_->run([&](const std::function<void()>& reduce) {
    CollectiveWatchdog::Scope armed(*watchdog_, label, announce(label));
    reduce();
  });
  if (v.decoded)
    log.info("validation: loss {:.4f} | ppl {:.2f} | {} pairs | {} tokens | BLEU {:.2f} | chrF {:.2f} | "
             "exact {:.2f}% | TER {:.2f}% | {:.1f} s",
             v.loss, std::exp(std::min(v.loss, 50.0)), v.pairs, v.tokens, v.scores.bleu.bleu, v.scores.chrf,
             v.scores.exact_match, v.scores.token_error_rate, v.seconds);
  else
    log.info("validation: loss {:.4f} | ppl {:.2f} | {} pairs | {} tokens | {:.1f} s", v.loss,
             std::exp(std::min(v.loss, 50.0)), v.pairs, v.tokens, v.seconds);
  if (metrics_) {
    nlohmann::json record = v.record(step);
    record["weights"] = name_of(valid_weights_);  // raw or ema: which weights were validated
    metrics_->write(record);
  }
  return v;
}

std::vector<Batch> Trainer::next_share() {
  if (auto share = train_data_->next()) return std::move(*share);
  log.info("epoch {} done", train_data_->epoch() - 1);
  auto share = train_data_->next();  // of the first global batch of the next epoch
  S2S_CHECK(share.has_value(), "corpus {} yields no training batches; check data.max_tokens "
            "and the length limits", config_.data.dir);
  return std::move(*share);
}

std::optional<StopReason> Trainer::stop_reason(int64_t step, bool* checkpoint_due) {
  const TrainOptions& t = config_.train;
  if (t.max_steps > 0 && step > t.max_steps) return StopReason::max_steps;
  if (t.max_epochs > 0 && epochs_finished() >= t.max_epochs) return StopReason::max_epochs;
  // What only one rank may know (a signal it got; rank 0's clock) is agreed on in one
  // all-reduce per update: each flag is a count in its own 20-bit field of one integer.
  constexpr int64_t kField = int64_t{1} << 20;
  const bool rank0 = runtime_.rank() == 0;
  const double minutes = seconds_since(start_) / 60.0;
  const double since_checkpoint = seconds_since(last_checkpoint_) / 60.0;
  int64_t flags = StopSignal::received() != 0 ? 1 : 0;
  if (rank0 && t.max_minutes > 0 && minutes >= t.max_minutes) flags += kField;
  if (rank0 && config_.checkpoint.every_minutes > 0 &&
      since_checkpoint >= config_.checkpoint.every_minutes)
    flags += kField * kField;
  {
    // Not announced (one message per update is enough): who is missing here is judged by
    // the last collective announced, the previous update's gradient all-reduce.
    CollectiveWatchdog::Scope armed(*watchdog_, fmt::format("stop-flag all-reduce, step {}", step),
                                    arrival_);
    flags = comm_.all_reduce_sum(flags);
  }
  *checkpoint_due = flags / (kField * kField) > 0;
  if (flags % kField > 0) {
    log.info("stop requested by a signal on {} rank(s): writing a checkpoint, then exiting with "
             "code {}", flags % kField, StopSignal::kPreemptedExitCode);
    return StopReason::signal;
  }
  if ((flags / kField) % kField > 0) return StopReason::max_minutes;
  return std::nullopt;
}

bool Trainer::budget_spent(int64_t step) const {
  // The budgets every rank knows without talking (max_minutes is agreed at the next step).
  const TrainOptions& t = config_.train;
  return (t.max_steps > 0 && step >= t.max_steps) || (t.max_epochs > 0 && epochs_finished() >= t.max_epochs);
}

int64_t Trainer::epochs_finished() const {
  // The reader moves to the next epoch only when asked for a batch past the end, so an epoch
  // whose last batch has been used counts as finished already.
  const ReaderCursor c = train_data_->cursor();
  return c.epoch - 1 + (c.position >= train_data_->batches_in_epoch() ? 1 : 0);
}

double Trainer::eta_seconds(int64_t step, double seconds_per_step) const {
  const TrainOptions& t = config_.train;
  double eta = -1;
  if (t.max_steps > 0) eta = static_cast<double>(t.max_steps - step) * seconds_per_step;
  if (t.max_minutes > 0) {
    const double left = t.max_minutes * 60.0 - seconds_since(start_);
    eta = eta < 0 ? left : std::min(eta, left);
  }
  if (t.max_epochs > 0 && train_data_->batches_in_epoch() > 0) {
    const double batches_left =
        static_cast<double>(t.max_epochs - train_data_->epoch() + 1) * train_data_->batches_in_epoch() -
        static_cast<double>(train_data_->cursor().position);
    const double by_epochs = batches_left / t.accumulate * seconds_per_step;
    eta = eta < 0 ? by_epochs : std::min(eta, by_epochs);
  }
  return eta;
}

}  // namespace s2s
