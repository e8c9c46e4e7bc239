#include "data/Sha256.h"

#include <gtest/gtest.h>

#include "tests/data/DataTestSupport.h"

namespace s2s {
namespace {

TEST(Sha256, MatchesTheStandardTestVectors) {
  EXPECT_EQ(Sha256::of_text(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256::of_text("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256::of_text("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, GivesTheSameDigestWhateverTheUpdateSizes) {
  std::string text;
  for (int i = 0; i < 1000; ++i) text += static_cast<char>(i * 7);
  Sha256 pieces;
  for (size_t i = 0; i < text.size(); i += 13) pieces.update(std::string_view(text).substr(i, 13));
  EXPECT_EQ(pieces.hex_digest(), Sha256::of_text(text));
}

TEST(Sha256, OfFileAgreesWithPythonHashlib) {
  test::ScratchDir dir;
  std::string content;
  for (int i = 0; i < 300000; ++i) content += static_cast<char>((i * 31) & 0xFF);
  test::write_file(dir / "blob", content);
  const std::string python = test::run_python(
      "import hashlib,sys\nprint(hashlib.sha256(open(sys.argv[0].replace('oracle.py','blob'),'rb').read()).hexdigest())\n",
      dir.path());
  EXPECT_EQ(python, Sha256::of_file(dir / "blob") + "\n");
}

TEST(Sha256, NamesAMissingFile) {
  test::expect_error([] { Sha256::of_file("/nonexistent/shard.h5"); }, {"/nonexistent/shard.h5"});
}

}  // namespace
}  // namespace s2s
