// `s2s prep`: text pairs in, a corpus directory (HDF5 shards, vocabularies, manifest) out.
// Configured by flags, like fairseq-preprocess; the pipeline itself is data/CorpusBuilder.
#include <memory>
#include <optional>
#include <string>

#include "core/Check.h"
#include "data/CorpusBuilder.h"
#include "data/ParallelTextPairSource.h"
#include "data/SamplePairSource.h"
#include "data/Tokenizer.h"
#include "data/TsvPairSource.h"
#include "trainer/cli/Commands.h"

namespace s2s::cli {

namespace {

struct PrepArgs {
  std::string output;
  std::string tsv;
  std::string source;
  std::string target;
  bool sample = false;
  int64_t sample_pairs = SamplePairSource::kDefaultPairs;
  std::string valid_tsv;
  std::string valid_source;
  std::string valid_target;
  std::optional<int64_t> valid_count;
  std::optional<double> valid_fraction;
  std::optional<int64_t> test_count;
  std::optional<double> test_fraction;
  std::string tokenizer = "space";
  std::string source_tokenizer;
  std::string target_tokenizer;
  int vocab_size = 8000;
  std::optional<int> source_vocab_size;
  std::optional<int> target_vocab_size;
  std::string sp_type = "bpe";
  std::string source_sp_model;
  std::string target_sp_model;
  PrepOptions options;
  bool no_progress = false;
};

void run(PrepArgs& a) {
  const int inputs = (a.tsv.empty() ? 0 : 1) + (a.source.empty() && a.target.empty() ? 0 : 1) + (a.sample ? 1 : 0);
  S2S_CHECK(inputs == 1, "s2s prep: give exactly one input: --tsv FILE, --source FILE --target FILE, or --sample");
  S2S_CHECK(a.source.empty() == a.target.empty(), "s2s prep: --source and --target go together");
  S2S_CHECK(a.valid_source.empty() == a.valid_target.empty(),
            "s2s prep: --valid-source and --valid-target go together");
  S2S_CHECK(a.valid_tsv.empty() || a.valid_source.empty(),
            "s2s prep: give either --valid-tsv or --valid-source/--valid-target, not both");

  PrepOptions& o = a.options;
  o.output_dir = a.output;
  o.progress = !a.no_progress;
  if (a.sample) {  // the sample task's defaults, each overridable
    if (!a.valid_count && !a.valid_fraction) a.valid_count = SamplePairSource::kDefaultHeldOut;
    if (!a.test_count && !a.test_fraction) a.test_count = SamplePairSource::kDefaultHeldOut;
    if (o.shards == 0) o.shards = SamplePairSource::kDefaultShards;
  }
  o.valid_count = a.valid_count.value_or(0);
  o.valid_fraction = a.valid_fraction.value_or(0);
  o.test_count = a.test_count.value_or(0);
  o.test_fraction = a.test_fraction.value_or(0);
  for (SidePrepOptions* side : {&o.source, &o.target}) {
    const bool src = side == &o.source;
    const std::string& own = src ? a.source_tokenizer : a.target_tokenizer;
    side->tokenizer = own.empty() ? a.tokenizer : own;
    side->vocab_size = (src ? a.source_vocab_size : a.target_vocab_size).value_or(a.vocab_size);
    side->sentencepiece_type = a.sp_type;
    side->sentencepiece_model = src ? a.source_sp_model : a.target_sp_model;
    if (!side->sentencepiece_model.empty() && own.empty())
      side->tokenizer = "sentencepiece";  // a model given implies the tokenizer of its side
    side->min_count = o.source.min_count;
    side->max_vocab = o.source.max_vocab;
  }

  std::unique_ptr<PairSource> train;
  if (a.sample) {
    train = std::make_unique<SamplePairSource>(a.sample_pairs, o.seed);
  } else if (!a.tsv.empty()) {
    train = std::make_unique<TsvPairSource>(a.tsv, o.max_line_bytes);
  } else {
    train = std::make_unique<ParallelTextPairSource>(a.source, a.target, o.max_line_bytes);
  }
  std::unique_ptr<PairSource> valid;
  if (!a.valid_tsv.empty()) valid = std::make_unique<TsvPairSource>(a.valid_tsv, o.max_line_bytes);
  if (!a.valid_source.empty())
    valid = std::make_unique<ParallelTextPairSource>(a.valid_source, a.valid_target, o.max_line_bytes);
  CorpusBuilder(o).build(*train, valid.get());
}

// --SPLIT-count N or --SPLIT-fraction F: how many input pairs one held-out split takes.
void add_held_out_split(CLI::App* cmd, const std::string& split, const std::string& where,
                        std::optional<int64_t>& count, std::optional<double>& fraction,
                        const char* group) {
  cmd->add_option("--" + split + "-count", count, "hold out this many input pairs " + where)
      ->check(CLI::NonNegativeNumber)
      ->group(group);
  cmd->add_option("--" + split + "-fraction", fraction, "... or this fraction of them")
      ->check(CLI::Range(0.0, 0.99))
      ->group(group);
}

}  // namespace

void add_prep_command(CLI::App& app) {
  auto a = std::make_shared<PrepArgs>();
  CLI::App* cmd = app.add_subcommand("prep", "Turn a parallel text corpus into HDF5 shards for training");
  cmd->footer(
      "Examples:\n"
      "  s2s prep --sample data/sample\n"
      "  s2s prep --tsv train.tsv --valid-count 3000 --test-count 3000 data/corpus\n"
      "  s2s prep --source train.de --target train.en --valid-tsv dev.tsv \\\n"
      "           --tokenizer sentencepiece --vocab-size 16000 data/de-en\n"
      "The output layout is documented in data/FORMAT.md.");
  cmd->add_option("OUT_DIR", a->output, "corpus directory to create")->required();

  const char* in = "Input (one of)";
  cmd->add_option("--tsv", a->tsv, "file of source<TAB>target lines")->group(in);
  cmd->add_option("--source", a->source, "source side, one sentence per line")->group(in);
  cmd->add_option("--target", a->target, "target side, line-parallel to --source")->group(in);
  cmd->add_flag("--sample", a->sample,
                "the built-in sample task (reverse a symbol sequence while mapping each symbol); "
                "defaults to 1000 validation and 1000 test pairs and 4 shards")
      ->group(in);
  cmd->add_option("--sample-pairs", a->sample_pairs, "pairs of the sample task")
      ->check(CLI::Range(int64_t{1}, int64_t{100000000}))
      ->capture_default_str()
      ->group(in);

  const char* held = "Validation and test";
  cmd->add_option("--valid-tsv", a->valid_tsv, "separate validation pairs (TSV)")->group(held);
  cmd->add_option("--valid-source", a->valid_source, "separate validation source file")->group(held);
  cmd->add_option("--valid-target", a->valid_target, "separate validation target file")->group(held);
  add_held_out_split(cmd, "valid", "for validation", a->valid_count, a->valid_fraction, held);
  add_held_out_split(cmd, "test", "as OUT_DIR/test.tsv", a->test_count, a->test_fraction, held);

  const char* tok = "Tokenizers and vocabularies";
  cmd->add_option("--tokenizer", a->tokenizer, "tokenizer of both sides")
      ->check(CLI::IsMember(tokenizer_kinds()))
      ->capture_default_str()
      ->group(tok);
  cmd->add_option("--source-tokenizer", a->source_tokenizer, "tokenizer of the source side only")
      ->check(CLI::IsMember(tokenizer_kinds()))
      ->group(tok);
  cmd->add_option("--target-tokenizer", a->target_tokenizer, "tokenizer of the target side only")
      ->check(CLI::IsMember(tokenizer_kinds()))
      ->group(tok);
  cmd->add_option("--vocab-size", a->vocab_size, "SentencePiece pieces to train, per side")
      ->check(CLI::Range(8, 1000000))
      ->capture_default_str()
      ->group(tok);
  cmd->add_option("--source-vocab-size", a->source_vocab_size, "SentencePiece pieces, source side")
      ->check(CLI::Range(8, 1000000))
      ->group(tok);
  cmd->add_option("--target-vocab-size", a->target_vocab_size, "SentencePiece pieces, target side")
      ->check(CLI::Range(8, 1000000))
      ->group(tok);
  cmd->add_option("--sp-type", a->sp_type, "SentencePiece model type to train")
      ->check(CLI::IsMember({"bpe", "unigram"}))
      ->capture_default_str()
      ->group(tok);
  cmd->add_option("--source-sp-model", a->source_sp_model, "use this SentencePiece .model for the source")
      ->check(CLI::ExistingFile)
      ->group(tok);
  cmd->add_option("--target-sp-model", a->target_sp_model, "use this SentencePiece .model for the target")
      ->check(CLI::ExistingFile)
      ->group(tok);
  cmd->add_option("--sp-sentences", a->options.sentencepiece_sentences,
                  "sentences SentencePiece samples for training (bounds its memory)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str()
      ->group(tok);
  cmd->add_option("--min-count", a->options.source.min_count, "pieces seen fewer times become <unk>")
      ->check(CLI::PositiveNumber)
      ->capture_default_str()
      ->group(tok);
  cmd->add_option("--max-vocab", a->options.source.max_vocab,
                  "most vocabulary entries per side, the 4 specials included (0: no limit)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str()
      ->group(tok);

  const char* out = "Output";
  cmd->add_option("--shards", a->options.shards, "training shards (0: one per million pairs)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str()
      ->group(out);
  cmd->add_option("--seed", a->options.seed, "seed of the held-out choice (and of SentencePiece, the sample)")
      ->capture_default_str()
      ->group(out);
  cmd->add_option("--max-line-bytes", a->options.max_line_bytes, "longer input lines are an error")
      ->check(CLI::PositiveNumber)
      ->capture_default_str()
      ->group(out);
  cmd->add_flag("--force", a->options.force, "replace OUT_DIR if it exists")->group(out);
  cmd->add_flag("--no-progress", a->no_progress, "no progress bars")->group(out);

  cmd->callback([a] { run(*a); });
}

}  // namespace s2s::cli
