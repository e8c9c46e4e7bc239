#include "data/LineReader.h"

#include <gtest/gtest.h>

#include "tests/data/DataTestSupport.h"

namespace s2s {
namespace {

std::vector<std::string> read_all(LineReader& r) {
  std::vector<std::string> lines;
  std::string_view line;
  while (r.next(line)) lines.emplace_back(line);
  return lines;
}

TEST(LineReader, ReadsLinesWithAndWithoutFinalNewlineStrippingCrAndBom) {
  test::ScratchDir dir;
  test::write_file(dir / "a.txt", "\xEF\xBB\xBFone\r\ntwo\n\nlast");
  LineReader r(dir / "a.txt", 100);
  EXPECT_EQ(read_all(r), (std::vector<std::string>{"one", "two", "", "last"}));
  EXPECT_EQ(r.line_number(), 4);
  EXPECT_EQ(r.bytes_read(), r.file_size());
  r.rewind();
  EXPECT_EQ(read_all(r).size(), 4u);
}

TEST(LineReader, HandlesLinesThatSpanItsBuffer) {
  test::ScratchDir dir;
  std::string text;
  for (int i = 0; i < 5000; ++i) text += std::string(static_cast<size_t>(i % 700), 'x') + "\n";
  test::write_file(dir / "b.txt", text);
  LineReader r(dir / "b.txt", 1000);
  const auto lines = read_all(r);
  ASSERT_EQ(lines.size(), 5000u);
  for (int i = 0; i < 5000; ++i) ASSERT_EQ(lines[static_cast<size_t>(i)].size(), static_cast<size_t>(i % 700));
}

TEST(LineReader, AnOverLongLineIsAnErrorNamingFileAndLine) {
  test::ScratchDir dir;
  test::write_file(dir / "long.txt", "short\n" + std::string(3 << 20, 'y') + "\nshort\n");
  LineReader r(dir / "long.txt", 1 << 20);
  std::string_view line;
  ASSERT_TRUE(r.next(line));
  test::expect_error([&] { r.next(line); }, {"long.txt:2", "longer than 1048576 bytes", "--max-line-bytes"});
}

TEST(LineReader, MissingFilesAndDirectoriesAreClearErrors) {
  test::ScratchDir dir;
  test::expect_error([&] { LineReader(dir / "nope.tsv", 100); }, {"nope.tsv", "No such file"});
  test::expect_error([&] { LineReader(dir.path(), 100); }, {"not a regular file"});
}

}  // namespace
}  // namespace s2s
