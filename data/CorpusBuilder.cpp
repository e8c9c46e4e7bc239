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
#include "core/Clock.h"
#include "core/Log.h"
#include "data/HoldoutPlan.h"
#include "data/ProgressBar.h"
#include "data/SentencePieceTokenizer.h"
#include "data/SplitWriter.h"
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

int64_t held_out_count(int64_t count, double fraction, int64_t total, const char* what) {
  S2S_CHECK(!(count > 0 && fraction > 0), "give either --{0}-count or --{0}-fraction, not both", what);
  S2S_CHECK(fraction >= 0 && fraction < 1, "--{}-fraction must be in [0, 1), got {}", what, fraction);
  if (count > 0) return count;
  return static_cast<int64_t>(std::llround(fraction * static_cast<double>(total)));
}

// The held-out plan of a build: what scan found and which pairs are validation and test.
struct Holdout {
  ScanResult train;                 // the training input
  std::optional<ScanResult> valid;  // a separate validation input, when given
  int64_t valid_n = 0;              // validation pairs taken from the training input
  int64_t test_n = 0;               // test pairs taken from the training input
  HoldoutPlan plan;

  int64_t valid_pairs() const { return valid ? valid->kept : valid_n; }
};

void check_side_options(const SideBuild& side) {
  const auto& kinds = tokenizer_kinds();
  S2S_CHECK(std::find(kinds.begin(), kinds.end(), side.options.tokenizer) != kinds.end(),
            "unknown {} tokenizer '{}': use one of char, space, sentencepiece", side.name, side.options.tokenizer);
  S2S_CHECK(side.options.sentencepiece_model.empty() || side.options.tokenizer == "sentencepiece",
            "a SentencePiece model was given for the {} side, whose tokenizer is '{}': add --{}-tokenizer "
            "sentencepiece",
            side.name, side.options.tokenizer, side.name);
  S2S_CHECK(side.options.min_count >= 1, "--min-count must be at least 1 (got {})", side.options.min_count);
}

// 1. scan: every line checked, pairs counted, held-out pairs chosen.
Holdout scan_and_hold_out(PairSource& train, PairSource* valid_source, const PrepOptions& o) {
  Holdout h;
  h.train = scan(train, o.progress);
  S2S_CHECK(h.train.kept > 0,
            "{} holds no usable pairs ({} lines, none with text on both sides): the corpus is empty", train.name(),
            h.train.lines);
  if (valid_source) {
    h.valid = scan(*valid_source, o.progress);
    S2S_CHECK(h.valid->kept > 0, "validation input {} holds no usable pairs: it is empty", valid_source->name());
  }
  h.valid_n = held_out_count(o.valid_count, o.valid_fraction, h.train.kept, "valid");
  h.test_n = held_out_count(o.test_count, o.test_fraction, h.train.kept, "test");
  S2S_CHECK(!(valid_source && h.valid_n > 0),
            "a separate validation input was given, and --valid-count/--valid-fraction too: use one of them");
  h.plan = HoldoutPlan(h.train.kept, h.valid_n, h.test_n, o.seed);
  log.info("scanned {} lines: {} pairs ({} skipped: a side was empty); {} for training, {} validation, {} test",
           h.train.lines, h.train.kept, h.train.lines - h.train.kept, h.plan.train_count(), h.valid_pairs(),
           h.test_n);
  return h;
}

// 2a. One side's tokenizer: a fixed kind, a given SentencePiece model (copied into the
// corpus), or one trained on the training pairs of that side.
void make_side_tokenizer(SideBuild& side, bool is_source, PairSource& train, const HoldoutPlan& holdout,
                         const std::string& dir, const PrepOptions& o) {
  if (side.options.tokenizer != "sentencepiece") {
    side.tokenizer = make_tokenizer(side.options.tokenizer);
    return;
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

// 2b. Both vocabularies, from the pieces of the training pairs only; written to the corpus.
void build_vocabularies(SideBuild (&sides)[2], PairSource& train, const HoldoutPlan& holdout,
                        const std::string& dir, const PrepOptions& o) {
  std::vector<std::string> pieces;
  for_each_pair(train, "count pieces", o.progress, [&](const TextPair& pair, int64_t index) {
    if (holdout.role(index) != PairRole::kTrain) return;
    for (SideBuild& side : sides) {
      side.tokenizer->encode(&side == &sides[0] ? pair.source : pair.target, pieces);
      for (const auto& p : pieces) ++side.counts[p];
    }
  });
  for (SideBuild& side : sides) {
    side.vocab = Vocab::from_counts(side.counts, side.options.min_count, side.options.max_vocab);
    const size_t distinct = side.counts.size();
    side.counts = {};  // free the memory before encoding
    side.vocab.save(fmt::format("{}/vocab.{}.json", dir, side.suffix));
    log.info("{} vocabulary: {} entries ({} distinct {} pieces, min count {}{})", side.name, side.vocab.size(),
             distinct, side.options.tokenizer, side.options.min_count,
             side.options.max_vocab > 0 ? fmt::format(", at most {}", side.options.max_vocab) : "");
  }
}

// What the encode stage wrote.
struct EncodedSplits {
  SplitEntry train;
  std::optional<SplitEntry> valid;
  std::string test_tsv;  // "" when no test pairs were held out
};

// 3. encode: training shards, validation shards, test.tsv.
EncodedSplits encode_splits(const SideBuild (&sides)[2], PairSource& train, PairSource* valid_source,
                            const Holdout& holdout, const std::string& dir, const PrepOptions& o) {
  ShardHeader header;
  header.src_tokenizer = sides[0].options.tokenizer;
  header.tgt_tokenizer = sides[1].options.tokenizer;
  header.src_vocab_hash = sides[0].vocab.hash();
  header.tgt_vocab_hash = sides[1].vocab.hash();
  header.src_vocab_size = sides[0].vocab.size();
  header.tgt_vocab_size = sides[1].vocab.size();
  const int64_t n_train = holdout.plan.train_count();
  const auto shards_for = [&](int64_t n) {
    return std::max<int64_t>(1, (n + o.pairs_per_shard - 1) / std::max<int64_t>(1, o.pairs_per_shard));
  };
  const int64_t train_shards = o.shards > 0 ? o.shards : shards_for(n_train);
  S2S_CHECK(train_shards <= n_train, "cannot split {} training pairs into {} shards: lower --shards", n_train,
            train_shards);
  SplitWriter train_writer(dir, "shard", "train", n_train, train_shards, header);
  const int64_t n_valid = holdout.valid_pairs();
  std::optional<SplitWriter> valid_writer;
  if (n_valid > 0) valid_writer.emplace(dir, "valid", "valid", n_valid, shards_for(n_valid), header);
  std::ofstream test_out;
  const std::string test_file = "test.tsv";
  if (holdout.test_n > 0) {
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
    const PairRole role = holdout.plan.role(index);
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

  EncodedSplits out;
  out.train = train_writer.finish();
  if (valid_writer) out.valid = valid_writer->finish();
  if (holdout.test_n > 0) {
    test_out.close();
    S2S_CHECK(test_out.good(), "cannot write {}/{} (disk full?)", dir, test_file);
    out.test_tsv = test_file;
  }
  return out;
}

Manifest make_manifest(const SideBuild (&sides)[2], const PairSource& train, const Holdout& holdout,
                       EncodedSplits splits, uint64_t seed) {
  Manifest manifest;
  manifest.created_by = "s2s " S2S_VERSION;
  manifest.input = train.name();
  manifest.seed = seed;
  for (int i = 0; i < 2; ++i) {
    SideEntry& e = i == 0 ? manifest.source : manifest.target;
    e.tokenizer = sides[i].options.tokenizer;
    e.tokenizer_model = sides[i].model_file;
    e.vocab_file = fmt::format("vocab.{}.json", sides[i].suffix);
    e.vocab_size = sides[i].vocab.size();
    e.vocab_hash = sides[i].vocab.hash();
  }
  manifest.splits["train"] = std::move(splits.train);
  if (splits.valid) manifest.splits["valid"] = std::move(*splits.valid);
  manifest.test_tsv = splits.test_tsv;
  manifest.prep_counts = {{"lines", holdout.train.lines},
                          {"pairs", holdout.train.kept},
                          {"skipped_empty", holdout.train.lines - holdout.train.kept},
                          {"train", holdout.plan.train_count()},
                          {"valid", holdout.valid_pairs()},
                          {"test", holdout.test_n}};
  return manifest;
}

}  // namespace

CorpusBuilder::CorpusBuilder(PrepOptions options) : options_(std::move(options)) {}

Manifest CorpusBuilder::build(PairSource& train, PairSource* valid_source) {
  const auto start = Clock::now();
  const PrepOptions& o = options_;
  SideBuild sides[2] = {{"source", "src", o.source, "", nullptr, {}, {}},
                        {"target", "tgt", o.target, "", nullptr, {}, {}}};
  for (const SideBuild& side : sides) check_side_options(side);
  S2S_CHECK(o.shards >= 0, "--shards must not be negative");
  StagingDir staging(o.output_dir, o.force);
  const std::string dir = staging.path();
  log.info("building {} from {}", staging.final_path(), train.name());

  const Holdout holdout = scan_and_hold_out(train, valid_source, o);                           // 1. scan
  for (SideBuild& side : sides) make_side_tokenizer(side, &side == &sides[0], train, holdout.plan, dir, o);  // 2. vocab
  build_vocabularies(sides, train, holdout.plan, dir, o);
  EncodedSplits splits = encode_splits(sides, train, valid_source, holdout, dir, o);         // 3. encode
  const Manifest manifest = make_manifest(sides, train, holdout, std::move(splits), o.seed);
  manifest.save(dir);  // last: a directory with a manifest is complete
  staging.commit();

  const double secs = seconds_since(start);
  const SplitEntry& t = manifest.splits.at("train");
  log.info("wrote {}: {} training pairs in {} shard{} ({} + {} tokens), {} validation, {} test pairs; "
           "vocabularies {} / {}; {:.1f} s ({:.0f} pairs/s)",
           staging.final_path(), t.examples(), t.shards.size(), t.shards.size() == 1 ? "" : "s", t.src_tokens(),
           t.tgt_tokens(), holdout.valid_pairs(), holdout.test_n, manifest.source.vocab_size,
           manifest.target.vocab_size, secs, static_cast<double>(holdout.train.lines) / std::max(secs, 1e-9));
  return manifest;
}

}  // namespace s2s
