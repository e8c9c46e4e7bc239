#pragma once
// Several trained models decoded together (`s2s translate`/`eval`/`plot attention` with
// --checkpoint given more than once): each a TrainedModel (its own checkpoint, config and
// corpus files), all trained with the same vocabularies, refused otherwise. One request is
// a plain model. Models of different shapes are fine: that is what ensembles are for.
//
//   TrainedEnsemble e = TrainedEnsemble::load({{"runs/a"}, {"runs/b"}});
//   Translator t = e.translator(e.config().search);   // mean of log-probs per step
#include <string>
#include <vector>

#include "trainer/decode/TrainedModel.h"

namespace s2s {

class TrainedEnsemble {
 public:
  // Loads every request (TrainedModel::load). Throws a one-line s2s::Error when there is
  // none, a load fails, or a member's source or target vocabulary (hash) differs from the
  // first member's: the error names both checkpoints.
  static TrainedEnsemble load(const std::vector<TrainedModelRequest>& requests);

  const std::vector<TrainedModel>& members() const { return members_; }
  int64_t size() const { return static_cast<int64_t>(members_.size()); }
  // The first member's config: its search: section gives the search defaults.
  const Config& config() const { return members_.front().config(); }

  // A translator over all members (shared, not copied), with the first member's
  // tokenizers and vocabularies (which every member shares).
  Translator translator(const SearchOptions& search) const;

  // "PATH (step N)" ("PATH (step N, EMA weights)" for EMA weights), joined with " + " for
  // an ensemble.
  std::string description() const;

 private:
  std::vector<TrainedModel> members_;
};

}  // namespace s2s
