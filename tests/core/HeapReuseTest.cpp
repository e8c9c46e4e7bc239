// Specification of keep_freed_heap_for_reuse(): after it, a block far above glibc's mmap
// threshold comes from the heap (no mmapped block), stays in the process when freed, and
// the next allocation of that size reuses it instead of asking the kernel for fresh pages.
#include <gtest/gtest.h>
#include <malloc.h>

#include <cstdlib>
#include <cstring>

#include "core/HeapReuse.h"

namespace s2s {
namespace {

constexpr size_t kBlock = size_t{64} << 20;  // 64 MiB, like the logits of a large batch

// malloc and touch, so that the compiler cannot drop the pair.
void* touched_block() {
  void* p = std::malloc(kBlock);
  EXPECT_NE(p, nullptr);
  std::memset(p, 1, kBlock);
  return p;
}

TEST(HeapReuse, LargeBlocksComeFromTheHeapAndAreReusedAfterFree) {
  ASSERT_TRUE(keep_freed_heap_for_reuse());
  const size_t mmapped_before = mallinfo2().hblks;
  void* first = touched_block();
  EXPECT_EQ(mallinfo2().hblks, mmapped_before) << "a 64 MiB block was still served by mmap";
  std::free(first);
  EXPECT_GE(mallinfo2().arena + mallinfo2().hblkhd, kBlock) << "the freed block went back to the kernel";
  void* second = touched_block();
  EXPECT_EQ(second, first) << "the next block of the same size did not reuse the freed one";
  std::free(second);
}

}  // namespace
}  // namespace s2s
