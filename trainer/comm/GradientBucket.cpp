#include "trainer/comm/GradientBucket.h"

#include <map>
#include <tuple>

#include "core/Check.h"

namespace s2s {

std::vector<std::vector<size_t>> GradientBucket::plan(const std::vector<torch::Tensor>& params,
                                                      int64_t cap_bytes) {
  S2S_CHECK(cap_bytes > 0, "gradient bucket size must be positive, got {} bytes", cap_bytes);
  std::vector<std::vector<size_t>> buckets;
  std::vector<int64_t> bucket_bytes;
  // The open bucket of each (dtype, device): gradients of different types cannot share a
  // flat buffer, and interleaving types keeps each type's buckets in backward order.
  using Key = std::tuple<int, int, int>;
  std::map<Key, size_t> open;
  for (size_t k = params.size(); k-- > 0;) {
    const torch::Tensor& p = params[k];
    S2S_CHECK(p.defined(), "parameter {} is undefined", k);
    const Key key{static_cast<int>(p.scalar_type()), static_cast<int>(p.device().type()),
                  static_cast<int>(p.device().index())};
    const int64_t size = p.numel() * static_cast<int64_t>(p.element_size());
    auto it = open.find(key);
    if (it != open.end() && bucket_bytes[it->second] > 0 &&
        bucket_bytes[it->second] + size > cap_bytes) {
      open.erase(it);  // full: the next one of this type starts a new bucket
      it = open.end();
    }
    if (it == open.end()) {
      it = open.emplace(key, buckets.size()).first;
      buckets.emplace_back();
      bucket_bytes.push_back(0);
    }
    buckets[it->second].push_back(k);
    bucket_bytes[it->second] += size;
  }
  return buckets;
}

GradientBucket::GradientBucket(const std::vector<torch::Tensor>& params, std::vector<size_t> members)
    : members_(std::move(members)) {
  S2S_ASSERT(!members_.empty());
  const torch::Tensor& first = params.at(members_.front());
  offsets_.reserve(members_.size() + 1);
  offsets_.push_back(0);
  for (size_t i = 0; i < members_.size(); ++i) {
    const torch::Tensor& p = params.at(members_[i]);
    S2S_ASSERT(p.scalar_type() == first.scalar_type() && p.device() == first.device());
    shapes_.push_back(p.sizes().vec());
    offsets_.push_back(offsets_.back() + p.numel());
  }
  buffer_ = torch::zeros({offsets_.back()}, torch::TensorOptions().dtype(first.scalar_type()).device(first.device()));
}

torch::Tensor GradientBucket::slot(size_t i) const {
  return buffer_.narrow(0, offsets_[i], offsets_[i + 1] - offsets_[i]).view(shapes_[i]);
}

bool GradientBucket::holds(size_t i, const torch::Tensor& param) const {
  const torch::Tensor& grad = param.grad();
  return grad.defined() && grad.is_alias_of(buffer_) &&
         grad.storage_offset() == buffer_.storage_offset() + offsets_[i] && grad.sizes() == shapes_[i] &&
         grad.is_contiguous();
}

void GradientBucket::adopt(size_t i, const torch::Tensor& param) {
  if (holds(i, param)) return;
  torch::NoGradGuard no_grad;
  torch::Tensor& grad = param.mutable_grad();
  torch::Tensor place = slot(i);
  if (!grad.defined()) {
    place.zero_();
  } else {
    S2S_CHECK(grad.layout() == torch::kStrided,
              "parameter {} has a sparse gradient, which bucketed all-reduce does not support: use "
              "dense gradients (e.g. an embedding without sparse=true)",
              members_[i]);
    S2S_CHECK(grad.sizes() == place.sizes(), "parameter {}: gradient of shape {} for a parameter of shape {}",
              members_[i], c10::str(grad.sizes()), c10::str(place.sizes()));
    place.copy_(grad);
  }
  grad = place;
}

void GradientBucket::zero_grads(const std::vector<torch::Tensor>& params) {
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < members_.size(); ++i) {
    const torch::Tensor& p = params.at(members_[i]);
    if (!holds(i, p)) p.mutable_grad() = slot(i);
  }
  buffer_.zero_();
}

}  // namespace s2s
