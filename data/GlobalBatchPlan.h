#pragma once
// The global batches of one epoch, and each rank's share of them.
//
// Global batch k is the union of the k-th batch of every group (BucketSampler): a function
// of the corpus, the options, the seed, the epoch and the number of groups, never of the
// number of ranks. A run of R ranks splits it so that a resume on another R takes exactly
// the same updates (the gradient is summed over ranks and divided by the global token
// count, so who computes which pair changes only the summation order):
//
// - R divides the number of groups G: rank r computes the G/R groups [r*G/R, (r+1)*G/R)
//   whole, one micro-batch each. With R = G this is the classic one batch per rank, and a
//   rank reads only the contiguous pair range of its groups.
// - otherwise: the rows of all groups' batches, in group order, are cut into R contiguous
//   pieces of about equal cost (longest side + 1 per row, the padded size a row adds), and
//   a rank packs its piece into micro-batches within data.max_tokens. The pieces stay near
//   the groups r*G/R .. (r+1)*G/R, so reading stays almost local (span() says how far).
//
// A rank whose piece is empty (more ranks than rows) gets one filler micro-batch: a copy of
// a row, weighted zero, so that it still takes part in the gradient all-reduce.
#include <cstdint>
#include <utility>
#include <vector>

#include "data/BucketSampler.h"

namespace s2s {

class GlobalBatchPlan {
 public:
  // Plans `epoch` (1-based) of every group of `sampler`, which must outlive the plan.
  GlobalBatchPlan(const BucketSampler& sampler, int64_t epoch);

  int64_t size() const { return batches_; }  // global batches in the epoch
  int groups() const { return sampler_.groups(); }

  // Rank `rank` of `world_size`'s micro-batches of global batch `index` (0-based).
  std::vector<PlannedBatch> share(int64_t index, int rank, int world_size) const;

  // The smallest and largest pair id that rank `rank` of `world_size` uses in this epoch.
  std::pair<int64_t, int64_t> span(int rank, int world_size) const;

 private:
  struct Row {
    int64_t id;
    bool filler;
  };
  std::vector<Row> rows_of(int64_t index) const;  // all groups' rows, in group order
  std::vector<PlannedBatch> pack(const std::vector<Row>& rows) const;

  const BucketSampler& sampler_;
  std::vector<std::vector<PlannedBatch>> plans_;  // [group][index]
  int64_t batches_ = 0;
};

}  // namespace s2s
