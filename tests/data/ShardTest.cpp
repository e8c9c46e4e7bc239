// ShardWriter and ShardReader, and the on-disk layout data/FORMAT.md promises, checked with
// h5py as an independent reader.
#include <gtest/gtest.h>

#include "tests/data/DataTestSupport.h"
#include "data/ShardReader.h"
#include "data/ShardWriter.h"

namespace s2s {
namespace {

ShardHeader header() {
  ShardHeader h;
  h.split = "train";
  h.shard_index = 1;
  h.num_shards = 3;
  h.first_example_id = 100;
  h.src_tokenizer = "space";
  h.tgt_tokenizer = "char";
  h.src_vocab_hash = "aaaa";
  h.tgt_vocab_hash = "bbbb";
  h.src_vocab_size = 50;
  h.tgt_vocab_size = 60;
  return h;
}

// Examples with lengths 0..n-1 and recognisable ids.
void write_shard(const std::string& path, int n) {
  ShardWriter w(path, header());
  for (int i = 0; i < n; ++i) {
    std::vector<int32_t> src(static_cast<size_t>(i % 7), 4 + i % 40);
    std::vector<int32_t> tgt(static_cast<size_t>(1 + i % 5), 5 + i % 50);
    w.add(src, tgt);
  }
  const ShardHeader& h = w.close();
  EXPECT_EQ(h.num_examples, n);
}

TEST(Shard, ReadsBackWhatWasWritten) {
  test::ScratchDir dir;
  write_shard(dir / "s.h5", 1000);
  const ShardReader r(dir / "s.h5");
  EXPECT_EQ(r.num_examples(), 1000);
  EXPECT_EQ(r.header().split, "train");
  EXPECT_EQ(r.header().first_example_id, 100);
  EXPECT_EQ(r.header().tgt_tokenizer, "char");
  EXPECT_EQ(r.header().src_vocab_hash, "aaaa");
  const auto lengths = r.lengths(Side::kSource);
  ASSERT_EQ(lengths.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(lengths[static_cast<size_t>(i)], i % 7);

  std::vector<int32_t> tokens;
  std::vector<int64_t> offsets;
  r.read(Side::kTarget, 10, 13, tokens, offsets);
  ASSERT_EQ(offsets.size(), 4u);
  EXPECT_EQ(offsets[0], 0);
  for (int i = 10; i < 13; ++i) {
    const auto k = static_cast<size_t>(i - 10);
    EXPECT_EQ(offsets[k + 1] - offsets[k], 1 + i % 5);
    for (int64_t j = offsets[k]; j < offsets[k + 1]; ++j) EXPECT_EQ(tokens[static_cast<size_t>(j)], 5 + i % 50);
  }
}

TEST(Shard, IsByteIdenticalWhenWrittenTwice) {
  test::ScratchDir dir;
  write_shard(dir / "a.h5", 500);
  write_shard(dir / "b.h5", 500);
  EXPECT_EQ(test::read_file(dir / "a.h5"), test::read_file(dir / "b.h5"));
}

TEST(Shard, LayoutIsWhatFormatMdDocumentsAsH5pySeesIt) {
  test::ScratchDir dir;
  write_shard(dir / "s.h5", 300);
  const std::string out = test::run_python(R"(
import h5py, sys, os
f = h5py.File(os.path.join(os.path.dirname(sys.argv[0]), 's.h5'), 'r')
a = f.attrs
assert a['format'] == 's2s-shard', a['format']
assert a['format_version'] == 1
assert a['split'] == 'train' and a['num_examples'] == 300 and a['first_example_id'] == 100
assert a['src_vocab_size'] == 50 and a['tgt_tokenizer'] == 'char'
for side in ('src', 'tgt'):
    tok, off, ln = f[side]['tokens'], f[side]['offsets'], f[side]['lengths']
    assert tok.dtype == 'int32' and off.dtype == 'int64' and ln.dtype == 'int32', (tok.dtype, off.dtype, ln.dtype)
    assert off.shape == (301,) and ln.shape == (300,) and tok.shape == (a[side + '_tokens'],)
    assert tok.compression == 'gzip' and tok.shuffle and tok.chunks is not None
    o, l = off[:], ln[:]
    assert o[0] == 0 and (o[1:] - o[:-1] == l).all()
i = 17
print(f['tgt']['tokens'][f['tgt']['offsets'][i]:f['tgt']['offsets'][i + 1]].tolist())
)", dir.path());
  EXPECT_EQ(out, "[22, 22, 22]\n");  // example 17: length 1 + 17 % 5 = 3, id 5 + 17
}

TEST(Shard, RefusesFilesThatAreNotShards) {
  test::ScratchDir dir;
  test::write_file(dir / "text.h5", "this is not HDF5\n");
  test::expect_error([&] { ShardReader r(dir / "text.h5"); }, {"text.h5", "not an HDF5 file"});
  test::expect_error([&] { ShardReader r(dir / "missing.h5"); }, {"missing.h5", "no such file"});
}

TEST(Shard, RefusesAnotherFormatVersion) {
  test::ScratchDir dir;
  write_shard(dir / "s.h5", 10);
  test::run_python(R"(
import h5py, sys, os
f = h5py.File(os.path.join(os.path.dirname(sys.argv[0]), 's.h5'), 'r+')
f.attrs['format_version'] = 2
)", dir.path());
  test::expect_error([&] { ShardReader r(dir / "s.h5"); }, {"s.h5", "format version 2", "reads version 1"});
}

TEST(Shard, DetectsDatasetsThatDisagreeWithTheAttributes) {
  test::ScratchDir dir;
  write_shard(dir / "s.h5", 10);
  test::run_python(R"(
import h5py, sys, os
f = h5py.File(os.path.join(os.path.dirname(sys.argv[0]), 's.h5'), 'r+')
f.attrs['num_examples'] = 11
)", dir.path());
  test::expect_error([&] { ShardReader r(dir / "s.h5"); }, {"s.h5", "corrupt"});
}

TEST(Shard, ATruncatedFileIsAClearError) {
  test::ScratchDir dir;
  write_shard(dir / "s.h5", 2000);
  const std::string bytes = test::read_file(dir / "s.h5");
  test::write_file(dir / "s.h5", bytes.substr(0, bytes.size() / 2));
  test::expect_error(
      [&] {
        ShardReader r(dir / "s.h5");
        std::vector<int32_t> t;
        std::vector<int64_t> o;
        r.read(Side::kTarget, 0, r.num_examples(), t, o);
      },
      {"s.h5"});
}

}  // namespace
}  // namespace s2s
