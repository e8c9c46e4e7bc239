#include "data/ShardWriter.h"

#include "core/Check.h"
#include "data/Hdf5Dataset.h"
#include "data/Hdf5File.h"

namespace s2s {

// The three datasets of one side and what is waiting to be appended to them.
struct ShardWriter::SideData {
  SideData(Hdf5File& file, const std::string& group)
      : tokens(file.create_dataset(group + "/tokens", Hdf5Int::kInt32, kTokenChunk, kDeflateLevel)),
        offsets(file.create_dataset(group + "/offsets", Hdf5Int::kInt64, kIndexChunk, kDeflateLevel)),
        lengths(file.create_dataset(group + "/lengths", Hdf5Int::kInt32, kIndexChunk, kDeflateLevel)) {
    pending_offsets.push_back(0);  // offsets has num_examples + 1 entries
  }

  void add(const std::vector<int32_t>& ids) {
    pending_tokens.insert(pending_tokens.end(), ids.begin(), ids.end());
    total += static_cast<int64_t>(ids.size());
    pending_offsets.push_back(total);
    pending_lengths.push_back(static_cast<int32_t>(ids.size()));
  }

  void flush() {
    tokens.append(pending_tokens.data(), static_cast<int64_t>(pending_tokens.size()));
    offsets.append(pending_offsets.data(), static_cast<int64_t>(pending_offsets.size()));
    lengths.append(pending_lengths.data(), static_cast<int64_t>(pending_lengths.size()));
    pending_tokens.clear();
    pending_offsets.clear();
    pending_lengths.clear();
  }

  Hdf5Dataset tokens;
  Hdf5Dataset offsets;
  Hdf5Dataset lengths;
  std::vector<int32_t> pending_tokens;
  std::vector<int64_t> pending_offsets;
  std::vector<int32_t> pending_lengths;
  int64_t total = 0;
};

ShardWriter::ShardWriter(const std::string& path, ShardHeader header)
    : path_(path), header_(std::move(header)), file_(std::make_unique<Hdf5File>(Hdf5File::create(path))) {
  header_.num_examples = 0;
  file_->create_group("src");
  file_->create_group("tgt");
  source_ = std::make_unique<SideData>(*file_, "src");
  target_ = std::make_unique<SideData>(*file_, "tgt");
}

ShardWriter::~ShardWriter() = default;  // an unclosed shard is incomplete: its directory is staging only

void ShardWriter::add(const std::vector<int32_t>& source, const std::vector<int32_t>& target) {
  S2S_ASSERT(!closed_);
  source_->add(source);
  target_->add(target);
  ++header_.num_examples;
  if (source_->pending_tokens.size() + target_->pending_tokens.size() >= static_cast<size_t>(kTokenChunk) * 4)
    flush();
}

void ShardWriter::flush() {
  source_->flush();
  target_->flush();
}

const ShardHeader& ShardWriter::close() {
  S2S_ASSERT(!closed_);
  flush();
  header_.src_tokens = source_->total;
  header_.tgt_tokens = target_->total;
  source_.reset();  // datasets must be closed before the file
  target_.reset();
  Hdf5File& f = *file_;
  f.set_attribute("format", std::string(ShardHeader::kFormat));
  f.set_attribute("format_version", static_cast<int64_t>(ShardHeader::kFormatVersion));
  f.set_attribute("split", header_.split);
  f.set_attribute("shard_index", header_.shard_index);
  f.set_attribute("num_shards", header_.num_shards);
  f.set_attribute("first_example_id", header_.first_example_id);
  f.set_attribute("num_examples", header_.num_examples);
  f.set_attribute("src_tokens", header_.src_tokens);
  f.set_attribute("tgt_tokens", header_.tgt_tokens);
  f.set_attribute("src_tokenizer", header_.src_tokenizer);
  f.set_attribute("tgt_tokenizer", header_.tgt_tokenizer);
  f.set_attribute("src_vocab_hash", header_.src_vocab_hash);
  f.set_attribute("tgt_vocab_hash", header_.tgt_vocab_hash);
  f.set_attribute("src_vocab_size", header_.src_vocab_size);
  f.set_attribute("tgt_vocab_size", header_.tgt_vocab_size);
  f.close();
  closed_ = true;
  return header_;
}

}  // namespace s2s
