#include "trainer/comm/StragglerMeter.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "core/Check.h"

namespace s2s {

double StragglerMeter::collect(Communicator& comm) {
  std::string mine(compute_.size() * sizeof(double), '\0');
  if (!compute_.empty()) std::memcpy(mine.data(), compute_.data(), mine.size());
  compute_.clear();
  if (comm.size() == 1) return 0.0;
  const std::vector<std::string> all = comm.all_gather(mine);
  const size_t updates = all[0].size() / sizeof(double);
  for (const auto& r : all)
    S2S_CHECK(r.size() == all[0].size(), "straggler meter: ranks recorded different numbers of updates ({} vs {})",
              r.size() / sizeof(double), updates);
  double waited = 0;
  for (size_t u = 0; u < updates; ++u) {
    std::vector<double> times(all.size());
    for (size_t r = 0; r < all.size(); ++r) std::memcpy(&times[r], all[r].data() + u * sizeof(double), sizeof(double));
    const double slowest = *std::max_element(times.begin(), times.end());
    for (const double t : times) waited += slowest - t;
  }
  return waited / static_cast<double>(all.size());
}

}  // namespace s2s
