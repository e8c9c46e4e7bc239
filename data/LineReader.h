#pragma once
// Reads a text file line by line through a fixed buffer: memory stays bounded by the
// longest allowed line whatever the file size, and an over-long line (a binary file, a
// file with no newlines) is an error naming the line instead of an unbounded allocation.
// Strips "\n", a "\r" before it, and a UTF-8 byte-order mark at the start of the file.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

namespace s2s {

class LineReader {
 public:
  // Throws s2s::Error when `path` is missing or not a regular file.
  LineReader(std::string path, int64_t max_line_bytes);

  // The next line, valid until the next call; false at the end of the file.
  bool next(std::string_view& line);
  void rewind();

  const std::string& path() const { return path_; }
  int64_t line_number() const { return line_number_; }  // 1-based, of the last line returned
  int64_t bytes_read() const { return bytes_consumed_; }
  int64_t file_size() const { return file_size_; }

 private:
  bool fill();  // reads more into the buffer; false at end of file

  std::string path_;
  int64_t max_line_bytes_;
  std::unique_ptr<FILE, int (*)(FILE*)> file_;
  std::string buffer_;
  size_t begin_ = 0;  // first unread byte in buffer_
  size_t end_ = 0;    // one past the last valid byte in buffer_
  size_t scan_ = 0;   // where the search for '\n' resumes
  bool eof_ = false;
  int64_t line_number_ = 0;
  int64_t bytes_consumed_ = 0;
  int64_t file_size_ = 0;
};

}  // namespace s2s
