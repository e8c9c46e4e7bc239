#pragma once
// This machine's name, for error lines and lock files: in a 64-rank job "which node" is the
// first question.
#include <unistd.h>

#include <string>

namespace s2s {

inline const std::string& host_name() {
  static const std::string name = [] {
    char buf[256] = {};
    if (gethostname(buf, sizeof(buf) - 1) != 0) return std::string("unknown-host");
    return std::string(buf);
  }();
  return name;
}

}  // namespace s2s
