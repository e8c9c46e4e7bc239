#pragma once
// The one exception type of s2s. Its message is what the user reads: one line that names
// the thing that is wrong (file, key, rank) and what to do. The code location that raised
// it is kept apart, for logs at debug level and for bug reports.
#include <stdexcept>
#include <string>

namespace s2s {

class Error : public std::runtime_error {
 public:
  Error(std::string message, const char* file = "", int line = 0)
      : std::runtime_error(std::move(message)), file_(file), line_(line) {}

  const char* file() const { return file_; }  // source file that raised it ("" if unknown)
  int line() const { return line_; }          // line in that file (0 if unknown)

 private:
  const char* file_;
  int line_;
};

}  // namespace s2s
