#pragma once
// Keeping every rank's parameters identical: rank 0's are broadcast at the start, and a cheap
// checksum, compared every K steps, catches ranks that drifted apart (a missed all-reduce, a
// non-deterministic op, a bad node) before they waste a run.
//
// The checksum is exact: it sums the parameters' bit patterns as integers (wrapping), plainly
// and weighted by position, so it is the same for the same bytes whatever the device, the
// number of threads or the order of summation (float sums are not), and differs when a
// single element does or when two elements swap places.
#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "trainer/comm/Communicator.h"

namespace s2s {

struct ParameterChecksum {
  int64_t sum = 0;       // wrapping sum of the elements' bit patterns
  int64_t weighted = 0;  // wrapping sum of bit pattern * (position + 1), over all parameters
  int64_t numel = 0;     // elements covered

  // Of `params`, in order (positions run on across parameters). Any dtype, any device.
  static ParameterChecksum of(const std::vector<torch::Tensor>& params);

  bool operator==(const ParameterChecksum& other) const {
    return sum == other.sum && weighted == other.weighted && numel == other.numel;
  }
  bool operator!=(const ParameterChecksum& other) const { return !(*this == other); }
  std::string str() const;  // "numel:sum:weighted", for logs and all_gather
};

// Copies root's parameters into every rank's, in place (collective). Checks first that all
// ranks have the same shapes and dtypes, naming the ranks that differ.
void broadcast_parameters(const std::vector<torch::Tensor>& params, Communicator& comm, int root = 0);

// Collective: compares every rank's checksum with rank 0's and throws one s2s::Error line
// naming the ranks that differ (and the step, when step >= 0). Returns this rank's checksum.
ParameterChecksum check_parameters_consistent(const std::vector<torch::Tensor>& params, Communicator& comm,
                                              int64_t step = -1);

}  // namespace s2s
