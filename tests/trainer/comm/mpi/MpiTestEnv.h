#pragma once
// The Runtime of the MPI suite's process (made in MpiTestMain.cpp), for its cases.
#include "trainer/comm/Runtime.h"

namespace s2s::test {

Runtime& runtime();

// "1, 3": the ranks that count as `chosen` among those of a world of `size`, the way the
// communication layer names them in its errors.
template <class Pred>
std::string rank_list(int size, Pred chosen) {
  std::string out;
  for (int r = 0; r < size; ++r)
    if (chosen(r)) out += (out.empty() ? "" : ", ") + std::to_string(r);
  return out;
}

}  // namespace s2s::test
