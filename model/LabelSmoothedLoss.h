#pragma once
// Label-smoothed cross entropy in PyTorch's formulation, summed over non-pad targets:
//
//   loss_i = (1 - eps) * nll_i + eps / V * sum_v (-log p_v)      nll_i = -log p_{y_i}
//
// i.e. cross entropy against (1 - eps) * onehot(y_i) + eps * uniform(V): eps is spread over
// all V classes, the target's included, exactly as torch.nn.functional.cross_entropy(...,
// label_smoothing=eps, ignore_index=pad, reduction='sum') computes it (and Marian, OpenNMT-py
// with label_smoothing). fairseq's label_smoothed_cross_entropy spreads it over the V - 1
// other classes instead (eps / (V - 1) each); for a vocabulary of thousands the two differ
// by eps / V. eps = 0 is plain cross entropy. Targets equal to the pad id contribute
// nothing, not even to the count.
#include <cstdint>

#include <torch/torch.h>

#include "model/LossOutput.h"
#include "data/TokenIds.h"

namespace s2s {

class LabelSmoothedLoss {
 public:
  // epsilon: in [0, 1) (model.label_smoothing). pad_id: targets to ignore.
  explicit LabelSmoothedLoss(double epsilon, int64_t pad_id = kPadId);

  // logits:  (..., V) unnormalised scores, any floating dtype (half/bfloat16 computed in
  //          float32); typically (B, T_tgt, V) from Seq2Seq::forward.
  // targets: (...)    int64 ids in [0, V), same leading shape as logits.
  // Returns the sums over non-pad targets (see LossOutput). Syncs with the device once, to
  // count the tokens and to check the target ids.
  LossOutput operator()(const torch::Tensor& logits, const torch::Tensor& targets) const;
  // The same without a device sync, for a batch whose caller knows `tokens` (the number of
  // non-pad targets, Batch::tgt_tokens) and whose ids were range-checked when its shards
  // were loaded: nothing is copied to the host. What TrainStep uses.
  LossOutput operator()(const torch::Tensor& logits, const torch::Tensor& targets,
                        int64_t tokens) const;

  double epsilon() const { return epsilon_; }
  int64_t pad_id() const { return pad_id_; }

 private:
  // Dtypes, shapes and devices (no device sync).
  static void check(const torch::Tensor& logits, const torch::Tensor& targets);
  LossOutput sums(const torch::Tensor& logits, const torch::Tensor& targets, int64_t tokens) const;

  double epsilon_;
  int64_t pad_id_;
};

}  // namespace s2s
