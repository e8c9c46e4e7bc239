#include "data/LineReader.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "core/Check.h"

namespace s2s {
namespace {
constexpr size_t kChunk = 1 << 20;
}

LineReader::LineReader(std::string path, int64_t max_line_bytes)
    : path_(std::move(path)), max_line_bytes_(max_line_bytes), file_(nullptr, &std::fclose) {
  struct stat st {};
  S2S_CHECK(::stat(path_.c_str(), &st) == 0, "cannot open {}: {}", path_, std::strerror(errno));
  S2S_CHECK(S_ISREG(st.st_mode),
            "{} is not a regular file: s2s prep reads its input more than once, so pipes and "
            "directories do not work; pass a (decompressed) text file",
            path_);
  file_size_ = static_cast<int64_t>(st.st_size);
  file_.reset(std::fopen(path_.c_str(), "rb"));
  S2S_CHECK(file_ != nullptr, "cannot open {}: {}", path_, std::strerror(errno));
  buffer_.resize(kChunk);
}

void LineReader::rewind() {
  std::rewind(file_.get());
  begin_ = end_ = scan_ = 0;
  eof_ = false;
  line_number_ = 0;
  bytes_consumed_ = 0;
}

bool LineReader::fill() {
  if (eof_) return false;
  if (begin_ > 0) {  // keep the partial line, at the front
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    scan_ -= begin_;
    begin_ = 0;
  }
  if (buffer_.size() - end_ < kChunk / 2) buffer_.resize(buffer_.size() + kChunk);
  const size_t n = std::fread(buffer_.data() + end_, 1, buffer_.size() - end_, file_.get());
  S2S_CHECK(!std::ferror(file_.get()), "cannot read {}: {}", path_, std::strerror(errno));
  end_ += n;
  if (n == 0) eof_ = true;
  return n > 0;
}

bool LineReader::next(std::string_view& line) {
  while (true) {
    const char* base = buffer_.data();
    const void* nl = scan_ < end_ ? std::memchr(base + scan_, '\n', end_ - scan_) : nullptr;
    size_t line_end = 0;
    size_t next_begin = 0;
    if (nl) {
      line_end = static_cast<size_t>(static_cast<const char*>(nl) - base);
      next_begin = line_end + 1;
    } else {
      scan_ = end_;
      S2S_CHECK(static_cast<int64_t>(end_ - begin_) <= max_line_bytes_,
                "{}:{}: line is longer than {} bytes: remove it, or raise the limit (--max-line-bytes) if "
                "it is real text",
                path_, line_number_ + 1, max_line_bytes_);
      if (fill()) continue;
      if (begin_ == end_) return false;  // end of file
      line_end = next_begin = end_;      // last line without a newline
    }
    ++line_number_;
    S2S_CHECK(static_cast<int64_t>(line_end - begin_) <= max_line_bytes_,
              "{}:{}: line is longer than {} bytes: remove it, or raise the limit (--max-line-bytes) if it "
              "is real text",
              path_, line_number_, max_line_bytes_);
    std::string_view view(buffer_.data() + begin_, line_end - begin_);
    bytes_consumed_ += static_cast<int64_t>(next_begin - begin_);
    begin_ = scan_ = next_begin;
    if (!view.empty() && view.back() == '\r') view.remove_suffix(1);
    if (line_number_ == 1 && view.substr(0, 3) == "\xEF\xBB\xBF") view.remove_prefix(3);
    line = view;
    return true;
  }
}

}  // namespace s2s
