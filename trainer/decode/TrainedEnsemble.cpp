#include "trainer/decode/TrainedEnsemble.h"

#include <fmt/format.h>

#include "core/Check.h"
#include "core/Log.h"

namespace s2s {
namespace {

const Log log("model");

}  // namespace

TrainedEnsemble TrainedEnsemble::load(const std::vector<TrainedModelRequest>& requests) {
  S2S_CHECK(!requests.empty(), "no checkpoint given: give --checkpoint once, or several times for an ensemble");
  TrainedEnsemble e;
  for (TrainedModelRequest request : requests) {
    if (!e.members_.empty()) {  // TrainedModel::load refuses other vocabularies than the first's
      const TrainedModel& first = e.members_.front();
      request.ensemble_first = first.checkpoint_path();
      request.ensemble_vocab_hashes = {{"src", first.source_vocab().hash()}, {"tgt", first.target_vocab().hash()}};
    }
    e.members_.push_back(TrainedModel::load(request));
  }
  if (e.members_.size() > 1) log.info("ensemble of {} models: {}", e.members_.size(), e.description());
  return e;
}

Translator TrainedEnsemble::translator(const SearchOptions& search) const {
  if (members_.size() == 1) return members_.front().translator(search);
  std::vector<Seq2Seq> models;
  for (const TrainedModel& m : members_) models.push_back(m.model());
  const TrainedModel& first = members_.front();
  return Translator(std::move(models), first.source_vocab(), first.target_vocab(), first.source_tokenizer(),
                    first.target_tokenizer(), search);
}

std::string TrainedEnsemble::description() const {
  std::string text;
  for (const TrainedModel& m : members_)
    text += fmt::format("{}{} (step {}{})", text.empty() ? "" : " + ", m.checkpoint_path(), m.step(),
                        m.weights() == ModelWeights::ema ? ", EMA weights" : "");
  return text;
}

}  // namespace s2s
