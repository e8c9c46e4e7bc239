#pragma once
// Training allocates the same large tensors every step (logits (B*T, V), their gradient,
// the per-step activations) and frees them at the end of it. glibc serves every block above
// its mmap threshold (128 KiB, growing to at most 32 MiB) with a fresh mmap and gives it
// back with munmap on free, so each step the kernel faults in and zero-fills those pages
// again: on the large benchmark config a fifth of a step's CPU samples were in the kernel
// (clear_page, page faults), and keeping the blocks cut the step by 10% (bench/RESULTS.md,
// "The allocator"). keep_freed_heap_for_reuse()
// tells glibc to serve large blocks from the heap and not to trim it, so a freed block is
// reused by the next step without a fault. The cost: the process keeps its peak heap
// (which the next step needs again anyway).
//
// Call it once, first thing in main(), before anything allocates. It changes nothing when
// another allocator (tcmalloc, jemalloc through LD_PRELOAD) is in charge.
namespace s2s {

// Returns false when glibc refused a setting (then the default behaviour stays).
bool keep_freed_heap_for_reuse();

}  // namespace s2s
