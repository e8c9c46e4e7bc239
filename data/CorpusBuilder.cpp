#include "data/CorpusBuilder.h"

#include <sys/stat.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <unordered_map>
#include <vector>

#include "core/Check.h"
#include "core/Log.h"
#include "data/HoldoutPlan.h"
#include "data/ProgressBar.h"
#include "data/SentencePieceTokenizer.h"
#include "data/Sha256.h"
#include "data/ShardWriter.h"
#include "data/StagingDir.h"
#include "data/Tokenizer.h"
#include "data/Vocab.h"

#ifndef S2S_VERSION
#define S2S_VERSION "unknown"
#endif

namespace s2s {
namespace {

const Log log("prep");

bool is_blank(std::string_view s) { return s.find_first_not_of(" \t\r\n\f\v") == std::string_view::npos; }

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Streams the pairs prep keeps (both sides non-blank), numbered 0.., with a progress bar.
// Returns how many pairs were kept.
template <class F>
int64_t for_each_pair(PairSource& source, const std::string& label, bool progress, F&& fn) {
  source.rewind();
  std::optional<ProgressBar> bar;
  if (progress) bar.emplace(label, source.progress_total(), source.progress_unit());
  TextPair pair;
  int64_t kept = 0;
  int64_t seen = 0;
  while (source.next(pair)) {
    ++seen;
    if (bar) bar->update(source.progress_done(), seen);
    if (is_blank(pair.source) || is_blank(pair.target)) continue;
    fn(pair, kept++);
  }
  return kept;
}

struct ScanResult {
  int64_t lines = 0;
  int64_t kept = 0;
};

ScanResult scan(PairSource& source, bool progress) {
  ScanResult r;
  source.rewind();
  std::optional<ProgressBar> bar;
  if (progress) bar.emplace("scan", source.progress_total(), source.progress_unit());
  TextPair pair;
  while (source.next(pair)) {  // next() checks tabs, UTF-8 and line length
    ++r.lines;
    if (bar) bar->update(source.progress_done(), r.lines);
    if (!is_blank(pair.source) && !is_blank(pair.target)) ++r.kept;
  }
  return r;
}

// One side's tokenizer and vocabulary while the corpus is built.
struct SideBuild {
  const char* name;    // "source" / "target"
  const char* suffix;  // "src" / "tgt": file names
  SidePrepOptions options;
  std::string model_file;  // relative to the corpus directory; "" unless sentencepiece
  std::unique_ptr<Tokenizer> tokenizer;
  std::unordered_map<std::string, int64_t> counts;
  Vocab vocab;
};

// Writes one split as `count` examples over `num_shards` files, shard k holding examples
// [k*count/num_shards, (k+1)*count/num_shards), and collects the manifest entries.
class SplitWriter {
 public:
  SplitWriter(std::string dir, std::string prefix, std::string split, int64_t count, int64_t num_shards,
              ShardHeader header)
      : dir_(std::move(dir)), prefix_(std::move(prefix)), count_(count), num_shards_(num_shards),
        header_(std::move(header)) {
    header_.split = std::move(split);
    header_.num_shards = num_shards_;
  }

  void add(const std::vector<int32_t>& src, const std::vector<int32_t>& tgt) {
    S2S_ASSERT(written_ < count_);
    if (!writer_ || written_ == end_of(shard_)) open_next();
    writer_->add(src, tgt);
    ++written_;
  }

  SplitEntry finish() {
    S2S_ASSERT(written_ == count_);
    close_current();
    return std::move(entry_);
  }

 private:
  int64_t end_of(int64_t shard) const { return (shard + 1) * count_ / num_shards_; }

  void open_next() {
    close_current();
    if (writer_) ++shard_;
    // Skip nothing: boundaries are strictly increasing because num_shards <= count.
    ShardHeader h = header_;
    h.shard_index = shard_;
    h.first_example_id = shard_ * count_ / num_shards_;
    file_ = fmt::format("{}-{:05d}.h5", prefix_, shard_);
    writer_ = std::make_unique<ShardWriter>(dir_ + "/" + file_, h);
    open_ = true;
  }

  void close_current() {
    if (!open_) return;
    const ShardHeader& h = writer_->close();
    open_ = false;
    ShardEntry e;
    e.file = file_;
    e.examples = h.num_examples;
    e.first_example_id = h.first_example_id;
    e.src_tokens = h.src_tokens;
    e.tgt_tokens = h.tgt_tokens;
    const std::string path = dir_ + "/" + file_;
    e.bytes = static_cast<int64_t>(std::filesystem::file_size(path));
    e.sha256 = Sha256::of_file(path);
    entry_.shards.push_back(std::move(e));
  }

  std::string dir_;
  std::string prefix_;
  int64_t count_;
  int64_t num_shards_;
  ShardHeader header_;
  std::unique_ptr<ShardWriter> writer_;
  bool open_ = false;
  int64_t shard_ = 0;
  int64_t written_ = 0;
  std::string file_;
  SplitEntry entry_;
};

int64_t held_out_count(int64_t count, double fraction, int64_t total, const char* what) {
  S2S_CHECK(!(count > 0 && fraction > 0), "give either --{0}-count or --{0}-fraction, not both", what);
  S2S_CHECK(fraction >= 0 && fraction < 1, "--{}-fraction must be in [0, 1), got {}", what, fraction);
  if (count > 0) return count;
  return static_cast<int64_t>(std::llround(fraction * static_cast<double>(total)));
}

}  // namespace

CorpusBuilder::CorpusBuilder(PrepOptions options) : options_(std::move(options)) {}

Manifest CorpusBuilder::build(PairSource& train, PairSource* valid_source) {
  const auto start = std::chrono::steady_clock::now();
  const PrepOptions& o = options_;
  SideBuild sides[2] = {{"source", "src", o.source, "", nullptr, {}, {}},
                   {"target", "tgt", o.target, "", nullptr, {}, {}}};
  for (const SideBuild& side : sides) {
    const auto& kinds = tokenizer_kinds();
    S2S_CHECK(std::find(kinds.begin(), kinds.end(), side.options.tokenizer) != kinds.end(),
              "unknown {} tokenizer '{}': use one of char, space, sentencepiece", side.name, side.options.tokenizer);
    S2S_CHECK(side.options.sentencepiece_model.empty() || side.options.tokenizer == "sentencepiece",
              "a SentencePiece model was given for the {} side, whose tokenizer is '{}': add --{}-tokenizer "
              "sentencepiece",
              side.name, side.options.tokenizer, side.name);
    S2S_CHECK(side.options.min_count >= 1, "--min-count must be at least 1 (got {})", side.options.min_count);
  }
  S2S_CHECK(o.shards >= 0, "--shards must not be negative");
  StagingDir staging(o.output_dir, o.force);
  const std::string dir = staging.path();
  log.info("building {} from {}", staging.final_path(), train.name());

  // ---- 1. scan: every line checked, pairs counted, held-out pairs chosen -----------------
  const ScanResult scanned = scan(train, o.progress);
  S2S_CHECK(scanned.kept > 0,
            "{} holds no usable pairs ({} lines, none with text on both sides): the corpus is empty", train.name(),
            scanned.lines);
  std::optional<ScanResult> valid_scanned;
  if (valid_source) {
    valid_scanned = scan(*valid_source, o.progress);
    S2S_CHECK(valid_scanned->kept > 0, "validation input {} holds no usable pairs: it is empty",
              valid_source->name());
  }
  const int64_t valid_n = held_out_count(o.valid_count, o.valid_fraction, scanned.kept, "valid");
  const int64_t test_n = held_out_count(o.test_count, o.test_fraction, scanned.kept, "test");
  S2S_CHECK(!(valid_source && valid_n > 0),
            "a separate validation input was given, and --valid-count/--valid-fraction too: use one of them");
  const HoldoutPlan holdout(scanned.kept, valid_n, test_n, o.seed);
  log.info("scanned {} lines: {} pairs ({} skipped: a side was empty); {} for training, {} validation, {} test",
           scanned.lines, scanned.kept, scanned.lines - scanned.kept, holdout.train_count(),
           valid_source ? valid_scanned->kept : valid_n, test_n);

  // ---- 2. tokenizers and vocabularies, from the training pairs only -----------------------
  for (SideBuild& side : sides) {
    if (side.options.tokenizer != "sentencepiece") {
      side.tokenizer = make_tokenizer(side.options.tokenizer);
      continue;
    }
    side.model_file = fmt::format("spm.{}.model", side.suffix);
    const std::string model_path = dir + "/" + side.model_file;
    if (!side.options.sentencepiece_model.empty()) {
      std::error_code ec;
      std::filesystem::copy_file(side.options.sentencepiece_model, model_path, ec);
      S2S_CHECK(!ec, "cannot copy SentencePiece model {}: {}", side.options.sentencepiece_model, ec.message());
    } else {
      SentencePieceTraining training;
      training.model_type = side.options.sentencepiece_type;
      training.vocab_size = side.options.vocab_size;
      training.input_sentence_size = o.sentencepiece_sentences;
      training.seed = o.seed;
      train.rewind();
      std::optional<ProgressBar> bar;
      if (o.progress) bar.emplace(fmt::format("sentencepiece {}", side.name), train.progress_total(),
                                  train.progress_unit());
      TextPair pair;
      int64_t kept = 0;
      int64_t seen = 0;
      const bool is_source = &side == &sides[0];
      const std::function<bool(std::string&)> next = [&](std::string& out) {
        while (train.next(pair)) {
          if (bar) bar->update(train.progress_done(), ++seen);
          if (is_blank(pair.source) || is_blank(pair.target)) continue;
          if (holdout.role(kept++) != PairRole::kTrain) continue;
          out.assign(is_source ? pair.source : pair.target);
          return true;
        }
        return false;
      };
      SentencePieceTokenizer::train(next, training, model_path, fmt::format("{} side of {}", side.name, train.name()));
    }
    side.tokenizer = make_tokenizer("sentencepiece", model_path);
  }
  {
    std::vector<std::string> pieces;
    for_each_pair(train, "count pieces", o.progress, [&](const TextPair& pair, int64_t index) {
      if (holdout.role(index) != PairRole::kTrain) return;
      for (SideBuild& side : sides) {
        side.tokenizer->encode(&side == &sides[0] ? pair.source : pair.target, pieces);
        for (const auto& p : pieces) ++side.counts[p];
      }
    });
  }
  for (SideBuild& side : sides) {
    side.vocab = Vocab::from_counts(side.counts, side.options.min_count, side.options.max_vocab);
    const size_t distinct = side.counts.size();
    side.counts = {};  // free the memory before encoding
    side.vocab.save(fmt::format("{}/vocab.{}.json", dir, side.suffix));
    log.info("{} vocabulary: {} entries ({} distinct {} pieces, min count {}{})", side.name, side.vocab.size(),
             distinct, side.options.tokenizer, side.options.min_count,
             side.options.max_vocab > 0 ? fmt::format(", at most {}", side.options.max_vocab) : "");
  }

  // ---- 3. encode: shards, validation shards, test.tsv -----------------------------------
  ShardHeader header;
  header.src_tokenizer = sides[0].options.tokenizer;
  header.tgt_tokenizer = sides[1].options.tokenizer;
  header.src_vocab_hash = sides[0].vocab.hash();
  header.tgt_vocab_hash = sides[1].vocab.hash();
  header.src_vocab_size = sides[0].vocab.size();
  header.tgt_vocab_size = sides[1].vocab.size();
  const int64_t n_train = holdout.train_count();
  const auto shards_for = [&](int64_t n) {
    return std::max<int64_t>(1, (n + o.pairs_per_shard - 1) / std::max<int64_t>(1, o.pairs_per_shard));
  };
  const int64_t train_shards = o.shards > 0 ? o.shards : shards_for(n_train);
  S2S_CHECK(train_shards <= n_train, "cannot split {} training pairs into {} shards: lower --shards", n_train,
            train_shards);
  SplitWriter train_writer(dir, "shard", "train", n_train, train_shards, header);
  const int64_t n_valid = valid_source ? valid_scanned->kept : valid_n;
  std::optional<SplitWriter> valid_writer;
  if (n_valid > 0) valid_writer.emplace(dir, "valid", "valid", n_valid, shards_for(n_valid), header);
  std::ofstream test_out;
  const std::string test_file = "test.tsv";
  if (test_n > 0) {
    test_out.open(dir + "/" + test_file, std::ios::binary);
    S2S_CHECK(test_out.is_open(), "cannot write {}/{}", dir, test_file);
  }
  std::vector<std::string> pieces;
  std::vector<int32_t> src_ids;
  std::vector<int32_t> tgt_ids;
  const auto encode = [&](const TextPair& pair) {
    sides[0].tokenizer->encode(pair.source, pieces);
    sides[0].vocab.encode(pieces, src_ids);
    sides[1].tokenizer->encode(pair.target, pieces);
    sides[1].vocab.encode(pieces, tgt_ids);
  };
  for_each_pair(train, "encode", o.progress, [&](const TextPair& pair, int64_t index) {
    const PairRole role = holdout.role(index);
    if (role == PairRole::kTest) {
      test_out << pair.source << '\t' << pair.target << '\n';
      return;
    }
    encode(pair);
    (role == PairRole::kTrain ? train_writer : *valid_writer).add(src_ids, tgt_ids);
  });
  if (valid_source)
    for_each_pair(*valid_source, "encode valid", o.progress, [&](const TextPair& pair, int64_t) {
      encode(pair);
      valid_writer->add(src_ids, tgt_ids);
    });

  Manifest manifest;
  manifest.created_by = "s2s " S2S_VERSION;
  manifest.input = train.name();
  manifest.seed = o.seed;
  for (int i = 0; i < 2; ++i) {
    SideEntry& e = i == 0 ? manifest.source : manifest.target;
    e.tokenizer = sides[i].options.tokenizer;
    e.tokenizer_model = sides[i].model_file;
    e.vocab_file = fmt::format("vocab.{}.json", sides[i].suffix);
    e.vocab_size = sides[i].vocab.size();
    e.vocab_hash = sides[i].vocab.hash();
  }
  manifest.splits["train"] = train_writer.finish();
  if (valid_writer) manifest.splits["valid"] = valid_writer->finish();
  if (test_n > 0) {
    test_out.close();
    S2S_CHECK(test_out.good(), "cannot write {}/{} (disk full?)", dir, test_file);
    manifest.test_tsv = test_file;
  }
  manifest.prep_counts = {{"lines", scanned.lines},
                          {"pairs", scanned.kept},
                          {"skipped_empty", scanned.lines - scanned.kept},
                          {"train", n_train},
                          {"valid", n_valid},
                          {"test", test_n}};
  manifest.save(dir);  // last: a directory with a manifest is complete
  staging.commit();

  const double secs = seconds_since(start);
  const SplitEntry& t = manifest.splits.at("train");
  log.info("wrote {}: {} training pairs in {} shard{} ({} + {} tokens), {} validation, {} test pairs; "
           "vocabularies {} / {}; {:.1f} s ({:.0f} pairs/s)",
           staging.final_path(), t.examples(), t.shards.size(), t.shards.size() == 1 ? "" : "s", t.src_tokens(),
           t.tgt_tokens(), n_valid, test_n, manifest.source.vocab_size, manifest.target.vocab_size, secs,
           static_cast<double>(scanned.lines) / std::max(secs, 1e-9));
  return manifest;
}

}  // namespace s2s
