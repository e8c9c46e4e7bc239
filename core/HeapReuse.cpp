#include "core/HeapReuse.h"

#include <malloc.h>

#include <climits>

namespace s2s {

bool keep_freed_heap_for_reuse() {
  // M_MMAP_MAX 0: no block is served by mmap, however large (a non-main arena that cannot
  // grow falls back to the main heap). M_TRIM_THRESHOLD at its maximum: free() never hands
  // the top of the heap back to the kernel. Setting either also stops glibc's dynamic
  // threshold adjustment.
  const bool no_mmap = mallopt(M_MMAP_MAX, 0) == 1;
  const bool no_trim = mallopt(M_TRIM_THRESHOLD, INT_MAX) == 1;
  return no_mmap && no_trim;
}

}  // namespace s2s
