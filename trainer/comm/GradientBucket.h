#pragma once
// A group of parameter gradients that is all-reduced as one flat buffer: one MPI/NCCL call
// per ~25 MB instead of one per parameter (latency), and early enough that it overlaps the
// rest of backward (a single buffer for everything would wait for the last gradient).
// The members' gradients live in the buffer (each param.grad() is a view of its slot, as
// DistributedDataParallel's gradient_as_bucket_view): no copy in, no copy back.
//
// plan() decides the grouping, a pure function of the parameters' sizes, dtypes and
// devices, so that every rank computes the same buckets in the same order: collectives are
// matched by order, and a bucket of 10 floats on one rank against 12 on another would be
// garbage or a hang.
#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace s2s {

class GradientBucket {
 public:
  // Bucket membership in launch order. Parameters are taken in reverse (the order backward
  // produces their gradients: the last layer first), so bucket 0 holds the last parameters.
  // A bucket holds one dtype on one device and at most `cap_bytes`, except that a single
  // parameter larger than that gets a bucket of its own. Members are listed in the order
  // they were added (reverse parameter order). Every parameter lands in exactly one bucket.
  static std::vector<std::vector<size_t>> plan(const std::vector<torch::Tensor>& params,
                                               int64_t cap_bytes);

  // A bucket for params[members[i]]; allocates its flat buffer (zeros) on their device.
  GradientBucket(const std::vector<torch::Tensor>& params, std::vector<size_t> members);

  const std::vector<size_t>& members() const { return members_; }  // parameter indices
  int64_t numel() const { return offsets_.back(); }
  int64_t bytes() const { return numel() * static_cast<int64_t>(buffer_.element_size()); }
  torch::ScalarType dtype() const { return buffer_.scalar_type(); }
  torch::Device device() const { return buffer_.device(); }
  int64_t offset(size_t i) const { return offsets_[i]; }  // member i's first element
  const torch::Tensor& buffer() const { return buffer_; }

  // Member i's place in the buffer, shaped like its parameter (a view: writes go through).
  torch::Tensor slot(size_t i) const;

  // Makes `param`'s gradient member i's slot, so that backward accumulates into the bucket
  // and the all-reduced sum is the gradient, with nothing copied back. A gradient that is
  // not the slot (the first backward's, or one that replaced it: zero_grad(set_to_none),
  // an assignment) is copied in first; none (the parameter took no part in this step) is
  // sent as zeros. Cheap when param.grad() already is the slot: the steady state.
  void adopt(size_t i, const torch::Tensor& param);
  bool holds(size_t i, const torch::Tensor& param) const;  // param.grad() is member i's slot

  // Zeroes every member's gradient, in place: one fill of the buffer, after pointing any
  // gradient that was replaced back at its slot.
  void zero_grads(const std::vector<torch::Tensor>& params);

 private:
  std::vector<size_t> members_;
  std::vector<std::vector<int64_t>> shapes_;  // [members] each parameter's sizes
  std::vector<int64_t> offsets_;              // [members + 1] element offsets, then the total
  torch::Tensor buffer_;                      // [numel()] flat, the members' dtype and device
};

}  // namespace s2s
