#pragma once
// S2S_CHECK and friends: checks that stay on in every build type (Release defines NDEBUG,
// so never use assert() for anything a user can get wrong). They throw s2s::Error, caught
// once in main(). Messages use fmt syntax:
//
//   S2S_CHECK(n > 0, "corpus {} is empty: pass a file with at least one line", path);
//
// Named S2S_ because LibTorch's c10 already defines CHECK.
#include <fmt/format.h>

#include "core/Error.h"

namespace s2s::detail {
[[noreturn]] inline void throw_error(const char* file, int line, std::string message) {
  throw Error(std::move(message), file, line);
}
}  // namespace s2s::detail

// Throws s2s::Error with the formatted message unless `cond` holds.
#define S2S_CHECK(cond, ...)                                                             \
  do {                                                                                   \
    if (!(cond)) ::s2s::detail::throw_error(__FILE__, __LINE__, ::fmt::format(__VA_ARGS__)); \
  } while (0)

// Throws s2s::Error with the formatted message.
#define S2S_FAIL(...) ::s2s::detail::throw_error(__FILE__, __LINE__, ::fmt::format(__VA_ARGS__))

// Internal invariant (a bug in s2s, not bad input); still checked in Release.
#define S2S_ASSERT(cond)                                                                 \
  do {                                                                                   \
    if (!(cond))                                                                         \
      ::s2s::detail::throw_error(__FILE__, __LINE__,                                     \
                                 ::fmt::format("internal error: {} failed at {}:{}; please report it", \
                                               #cond, __FILE__, __LINE__));              \
  } while (0)
