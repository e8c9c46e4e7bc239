#include "data/CorpusInspector.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/Check.h"
#include "data/ShardReader.h"
#include "data/Tokenizer.h"

namespace s2s {

CorpusInspector::CorpusInspector(std::string dir) : dir_(std::move(dir)), manifest_(Manifest::load(dir_)) {
  source_vocab_ = Vocab::load(dir_ + "/" + manifest_.source.vocab_file);
  target_vocab_ = Vocab::load(dir_ + "/" + manifest_.target.vocab_file);
}

void CorpusInspector::print_summary(std::ostream& out) const {
  const Manifest& m = manifest_;
  out << fmt::format("corpus      {}\n", dir_);
  out << fmt::format("created by  {} from {} (seed {})\n", m.created_by, m.input, m.seed);
  for (const auto* side : {&m.source, &m.target}) {
    const bool src = side == &m.source;
    out << fmt::format("{}      tokenizer {}{}, vocabulary {} entries ({}, hash {})\n", src ? "source" : "target",
                       side->tokenizer, side->tokenizer_model.empty() ? "" : " (" + side->tokenizer_model + ")",
                       side->vocab_size, side->vocab_file, side->vocab_hash.substr(0, 12));
  }
  for (const auto& [name, split] : m.splits) {
    const double n = static_cast<double>(std::max<int64_t>(1, split.examples()));
    out << fmt::format("{:<11} {} pairs in {} shard{}, {} source tokens ({:.1f}/pair), {} target tokens ({:.1f}/pair)\n",
                       name, split.examples(), split.shards.size(), split.shards.size() == 1 ? "" : "s",
                       split.src_tokens(), static_cast<double>(split.src_tokens()) / n, split.tgt_tokens(),
                       static_cast<double>(split.tgt_tokens()) / n);
  }
  if (!m.test_tsv.empty())
    out << fmt::format("test        {} pairs as text in {}\n", m.prep_counts.count("test") ? m.prep_counts.at("test") : 0,
                       m.test_tsv);
  if (m.prep_counts.count("skipped_empty") && m.prep_counts.at("skipped_empty") > 0)
    out << fmt::format("skipped     {} input lines with an empty side\n", m.prep_counts.at("skipped_empty"));
}

LengthHistogram CorpusInspector::histogram(const std::string& split, int max_bins) const {
  const SplitEntry& entry = manifest_.split(split);
  std::vector<int32_t> src;
  std::vector<int32_t> tgt;
  for (const auto& shard : entry.shards) {
    const ShardReader reader(dir_ + "/" + shard.file);
    const auto s = reader.lengths(Side::kSource);
    const auto t = reader.lengths(Side::kTarget);
    src.insert(src.end(), s.begin(), s.end());
    tgt.insert(tgt.end(), t.begin(), t.end());
  }
  LengthHistogram h;
  for (int32_t v : src) h.max_source = std::max<int64_t>(h.max_source, v);
  for (int32_t v : tgt) h.max_target = std::max<int64_t>(h.max_target, v);
  const int64_t longest = std::max(h.max_source, h.max_target);
  h.bin_width = std::max<int64_t>(1, (longest + max_bins) / max_bins);
  const auto bins = static_cast<size_t>(longest / h.bin_width + 1);
  h.source.assign(bins, 0);
  h.target.assign(bins, 0);
  for (int32_t v : src) ++h.source[static_cast<size_t>(v / h.bin_width)];
  for (int32_t v : tgt) ++h.target[static_cast<size_t>(v / h.bin_width)];
  return h;
}

void CorpusInspector::print_histogram(std::ostream& out, const std::string& split) const {
  const LengthHistogram h = histogram(split);
  int64_t most = 1;
  for (size_t i = 0; i < h.source.size(); ++i) most = std::max({most, h.source[i], h.target[i]});
  const auto bar = [&](int64_t count) { return std::string(static_cast<size_t>(count * 30 / most), '#'); };
  out << fmt::format("{} split, tokens per pair (without </s>; longest: source {}, target {}):\n", split,
                     h.max_source, h.max_target);
  out << fmt::format("  {:>11}  {:>9} {:<30}  {:>9}\n", "length", "source", "", "target");
  size_t first = 0;  // leading empty bins say nothing
  while (first + 1 < h.source.size() && h.source[first] == 0 && h.target[first] == 0) ++first;
  for (size_t i = first; i < h.source.size(); ++i) {
    const int64_t lo = static_cast<int64_t>(i) * h.bin_width;
    const std::string range = h.bin_width == 1 ? fmt::format("{}", lo) : fmt::format("{}-{}", lo, lo + h.bin_width - 1);
    out << fmt::format("  {:>11}  {:>9} {:<30}  {:>9} {}\n", range, h.source[i], bar(h.source[i]), h.target[i],
                       bar(h.target[i]));
  }
}

std::vector<std::pair<std::string, std::string>> CorpusInspector::decoded_pairs(const std::string& split,
                                                                                int64_t count) const {
  const SplitEntry& entry = manifest_.split(split);
  const auto model = [&](const SideEntry& s) { return s.tokenizer_model.empty() ? "" : dir_ + "/" + s.tokenizer_model; };
  const auto src_tok = make_tokenizer(manifest_.source.tokenizer, model(manifest_.source));
  const auto tgt_tok = make_tokenizer(manifest_.target.tokenizer, model(manifest_.target));
  std::vector<std::pair<std::string, std::string>> out;
  std::vector<int32_t> tokens;
  std::vector<int64_t> offsets;
  for (const auto& shard : entry.shards) {
    if (static_cast<int64_t>(out.size()) >= count) break;
    const ShardReader reader(dir_ + "/" + shard.file);
    const int64_t n = std::min(reader.num_examples(), count - static_cast<int64_t>(out.size()));
    std::vector<std::string> sources;
    reader.read(Side::kSource, 0, n, tokens, offsets);
    for (int64_t i = 0; i < n; ++i)
      sources.push_back(src_tok->decode(source_vocab_.pieces(tokens.data() + offsets[static_cast<size_t>(i)],
                                                             static_cast<size_t>(offsets[static_cast<size_t>(i) + 1] -
                                                                                 offsets[static_cast<size_t>(i)]))));
    reader.read(Side::kTarget, 0, n, tokens, offsets);
    for (int64_t i = 0; i < n; ++i)
      out.emplace_back(sources[static_cast<size_t>(i)],
                       tgt_tok->decode(target_vocab_.pieces(tokens.data() + offsets[static_cast<size_t>(i)],
                                                            static_cast<size_t>(offsets[static_cast<size_t>(i) + 1] -
                                                                                offsets[static_cast<size_t>(i)]))));
  }
  return out;
}

void CorpusInspector::print_pairs(std::ostream& out, const std::string& split, int64_t count) const {
  const auto pairs = decoded_pairs(split, count);
  out << fmt::format("first {} {} pairs (decoded from the shards):\n", pairs.size(), split);
  for (size_t i = 0; i < pairs.size(); ++i)
    out << fmt::format("  [{}] {}\n  {:>{}} {}\n", i, pairs[i].first, "=>", fmt::format("[{}]", i).size(),
                       pairs[i].second);
}

int CorpusInspector::verify(std::ostream& out) const {
  int bad = 0;
  for (const auto& [side, vocab] : {std::pair{&manifest_.source, &source_vocab_}, {&manifest_.target, &target_vocab_}}) {
    if (vocab->hash() == side->vocab_hash) {
      out << fmt::format("  ok   {} ({} entries, hash {})\n", side->vocab_file, vocab->size(), vocab->hash().substr(0, 16));
    } else {
      ++bad;
      out << fmt::format("  BAD  {}: hash {} but the manifest says {}: vocabulary and shards do not match; re-run s2s prep\n",
                         side->vocab_file, vocab->hash().substr(0, 16), side->vocab_hash.substr(0, 16));
    }
  }
  for (const auto& [name, split] : manifest_.splits) {
    for (size_t k = 0; k < split.shards.size(); ++k) {
      const ShardEntry& shard = split.shards[k];
      try {
        Manifest::verify_shard(dir_, shard);
        const ShardReader reader(dir_ + "/" + shard.file);
        const ShardHeader& h = reader.header();
        S2S_CHECK(h.src_vocab_hash == source_vocab_.hash() && h.tgt_vocab_hash == target_vocab_.hash(),
                  "vocabulary mismatch: {} was written with other vocabularies than {} / {}", shard.file,
                  manifest_.source.vocab_file, manifest_.target.vocab_file);
        S2S_CHECK(h.num_examples == shard.examples && h.first_example_id == shard.first_example_id &&
                      h.split == name && h.shard_index == static_cast<int64_t>(k),
                  "{} does not match its manifest entry", shard.file);
        out << fmt::format("  ok   {} ({} pairs, sha256 {})\n", shard.file, shard.examples, shard.sha256.substr(0, 16));
      } catch (const Error& e) {
        ++bad;
        out << fmt::format("  BAD  {}: {}\n", shard.file, e.what());
      }
    }
  }
  return bad;
}

}  // namespace s2s
