#include "data/ShardReader.h"

#include "core/Check.h"
#include "data/Hdf5File.h"

namespace s2s {

ShardReader::ShardReader(const std::string& path)
    : path_(path), file_(std::make_unique<Hdf5File>(Hdf5File::open_read(path))) {
  const Hdf5File& file = *file_;
  S2S_CHECK(file.has_attribute("format") && file.string_attribute("format") == ShardHeader::kFormat,
            "{} is an HDF5 file but not an s2s shard (no format=\"{}\" attribute)", path, ShardHeader::kFormat);
  const int64_t version = file.int_attribute("format_version");
  S2S_CHECK(version == ShardHeader::kFormatVersion,
            "{} has shard format version {}, this s2s reads version {}: re-run s2s prep with this s2s", path,
            version, ShardHeader::kFormatVersion);
  header_.split = file.string_attribute("split");
  header_.shard_index = file.int_attribute("shard_index");
  header_.num_shards = file.int_attribute("num_shards");
  header_.first_example_id = file.int_attribute("first_example_id");
  header_.num_examples = file.int_attribute("num_examples");
  header_.src_tokens = file.int_attribute("src_tokens");
  header_.tgt_tokens = file.int_attribute("tgt_tokens");
  header_.src_tokenizer = file.string_attribute("src_tokenizer");
  header_.tgt_tokenizer = file.string_attribute("tgt_tokenizer");
  header_.src_vocab_hash = file.string_attribute("src_vocab_hash");
  header_.tgt_vocab_hash = file.string_attribute("tgt_vocab_hash");
  header_.src_vocab_size = file.int_attribute("src_vocab_size");
  header_.tgt_vocab_size = file.int_attribute("tgt_vocab_size");

  // The datasets must have the sizes the attributes announce.
  for (Side side : {Side::kSource, Side::kTarget}) {
    const std::string g = group(side);
    const int64_t tokens = side == Side::kSource ? header_.src_tokens : header_.tgt_tokens;
    const int64_t n = header_.num_examples;
    const auto expect = [&](const std::string& name, int64_t expected) {
      const int64_t actual = file.open_dataset(g + "/" + name).size();
      S2S_CHECK(actual == expected,
                "{} is corrupt: /{}/{} has {} entries, its attributes say {}; re-run s2s prep", path, g, name,
                actual, expected);
    };
    expect("tokens", tokens);
    expect("offsets", n + 1);
    expect("lengths", n);
  }
}

ShardReader::~ShardReader() = default;
ShardReader::ShardReader(ShardReader&&) noexcept = default;

std::vector<int32_t> ShardReader::lengths(Side side) const {
  const Hdf5Dataset ds = file_->open_dataset(std::string(group(side)) + "/lengths");
  std::vector<int32_t> out(static_cast<size_t>(ds.size()));
  ds.read(0, ds.size(), out.data());
  return out;
}

void ShardReader::read(Side side, int64_t begin, int64_t end, std::vector<int32_t>& tokens,
                       std::vector<int64_t>& offsets) const {
  S2S_ASSERT(0 <= begin && begin <= end && end <= header_.num_examples);
  const std::string g = group(side);
  const Hdf5Dataset offsets_ds = file_->open_dataset(g + "/offsets");
  offsets.resize(static_cast<size_t>(end - begin + 1));
  offsets_ds.read(begin, end - begin + 1, offsets.data());
  const int64_t first = offsets.front();
  const int64_t last = offsets.back();
  for (size_t i = 1; i < offsets.size(); ++i)
    S2S_CHECK(offsets[i] >= offsets[i - 1], "{} is corrupt: /{}/offsets decreases at example {}; re-run s2s prep",
              path(), g, begin + static_cast<int64_t>(i) - 1);
  const Hdf5Dataset tokens_ds = file_->open_dataset(g + "/tokens");
  S2S_CHECK(first >= 0 && last <= tokens_ds.size(),
            "{} is corrupt: /{}/offsets points outside /{}/tokens; re-run s2s prep", path(), g, g);
  tokens.resize(static_cast<size_t>(last - first));
  tokens_ds.read(first, last - first, tokens.data());
  for (auto& o : offsets) o -= first;
}

}  // namespace s2s
