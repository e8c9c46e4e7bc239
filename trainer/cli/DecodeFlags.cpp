#include "trainer/cli/DecodeFlags.h"

#include "core/EnumNames.h"

namespace s2s::cli {

void DecodeFlags::add_to(CLI::App* cmd) {
  cmd->add_option("--checkpoint", checkpoints_,
                  "checkpoint file, or run directory (its latest valid checkpoint); several times: decode "
                  "with their ensemble (mean of log-probabilities per step)")
      ->required()
      ->expected(1)
      ->allow_extra_args(false)  // one value per --checkpoint: a stray word is an error, not a member
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_flag("--best", request_.best,
                "with a run directory: its best checkpoint by the run's train.valid_metric");
  cmd->add_flag("--raw-weights", request_.raw_weights,
                "decode with a checkpoint's raw weights instead of its EMA weights (train.ema_decay; checkpoints "
                "without EMA weights have only raw ones)");
  cmd->add_option("--data", request_.corpus_dir,
                  "corpus directory with the vocabularies and tokenizer models (default: the "
                  "checkpoint config's data.dir)");
  cmd->add_option("--device", request_.device, "auto, cpu, cuda or cuda:N")->capture_default_str();
  cmd->add_option("--batch-size", batch_size_, "sentences decoded together (sorted by length)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  const std::string group = "Search (default: the checkpoint config's search: section)";
  cmd->add_option("--beam", beam_, "beam size; 1 = greedy search")->check(CLI::PositiveNumber)->group(group);
  cmd->add_option("--length-penalty", length_penalty_, "none, gnmt ((5+n)/6)^alpha or power n^alpha")
      ->check(CLI::IsMember(enum_words<LengthPenalty>()))
      ->group(group);
  cmd->add_option("--alpha", alpha_, "exponent of the length penalty")->check(CLI::NonNegativeNumber)->group(group);
  cmd->add_option("--max-length-ratio", max_length_ratio_,
                  "longest output: floor(ratio * source tokens) + offset")
      ->check(CLI::NonNegativeNumber)
      ->group(group);
  cmd->add_option("--max-length-offset", max_length_offset_, "tokens added to the output length limit")
      ->check(CLI::NonNegativeNumber)
      ->group(group);
}

TrainedEnsemble DecodeFlags::load() const {
  std::vector<TrainedModelRequest> requests;
  for (const std::string& checkpoint : checkpoints_) {
    requests.push_back(request_);
    requests.back().checkpoint = checkpoint;
  }
  return TrainedEnsemble::load(requests);
}

SearchOptions DecodeFlags::search(const SearchOptions& defaults) const {
  SearchOptions o = defaults;
  if (beam_) o.beam_size = *beam_;
  if (length_penalty_) o.length_penalty = *parse_enum<LengthPenalty>(*length_penalty_);  // IsMember checked it
  if (alpha_) o.alpha = *alpha_;
  if (max_length_ratio_) o.max_length_ratio = *max_length_ratio_;
  if (max_length_offset_) o.max_length_offset = *max_length_offset_;
  o.validate();
  return o;
}

}  // namespace s2s::cli
