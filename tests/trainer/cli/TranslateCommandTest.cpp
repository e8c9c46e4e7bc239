// Specification of `s2s translate` as a user runs it on a trained checkpoint: one output
// line per input line in input order, the same whatever the batch size; n-best lists in
// fairseq/Marian format, best first; attention weights that are distributions over the
// source; a run directory means its latest checkpoint; one-line errors when the corpus
// files the checkpoint needs are missing or are not the ones it was trained with.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/PythonOracle.h"
#include "tests/support/ScratchDir.h"
#include "tests/support/Subprocess.h"
#include "tests/trainer/cli/EmaCheckpoint.h"
#include "tests/trainer/cli/TinyRun.h"

namespace s2s {
namespace {

namespace fs = std::filesystem;

std::string translate(const test::TinyRun& t, const std::string& args) {
  return test::s2s_binary() + " translate --checkpoint " + t.checkpoint + " --input " + t.sources + " " + args;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(TranslateCommand, OneLinePerInputAndBatchingChangesNothing) {
  const test::TinyRun t = test::tiny_run();
  const auto sources = test::read_lines(t.sources);
  ASSERT_EQ(sources.size(), 40u);
  for (const char* beam : {"1", "3"}) {
    const auto batched = test::run_command(translate(t, std::string("--beam ") + beam + " --batch-size 16"));
    const auto single = test::run_command(translate(t, std::string("--beam ") + beam + " --batch-size 1"));
    ASSERT_EQ(batched.exit_code, 0) << batched.err;
    ASSERT_EQ(single.exit_code, 0) << single.err;
    EXPECT_EQ(lines_of(batched.out).size(), sources.size());
    EXPECT_EQ(batched.out, single.out) << "beam " << beam;
  }
  // The model learned something: many outputs have the reference's length (the sample
  // task maps each source token to one target token; 300 tiny updates get about half of
  // them right, the exact share depending on the batch order).
  const auto out = lines_of(test::run_command(translate(t, "--beam 1")).out);
  const auto refs = test::read_lines(t.references);
  int same_length = 0;
  for (size_t i = 0; i < out.size(); ++i)
    same_length += std::count(out[i].begin(), out[i].end(), ' ') == std::count(refs[i].begin(), refs[i].end(), ' ');
  EXPECT_GE(same_length, 12) << "outputs:\n" << test::run_command(translate(t, "--beam 1")).out;
}

TEST(TranslateCommand, StdinAndOutputFileAndRunDirectoryGiveTheSameLines) {
  const test::TinyRun t = test::tiny_run();
  test::ScratchDir scratch("s2s-translate");
  const auto from_file = test::run_command(translate(t, "--beam 2"));
  ASSERT_EQ(from_file.exit_code, 0) << from_file.err;
  // The run directory's latest checkpoint is step 300, the same file.
  const auto r = test::run_command("cat " + t.sources + " | " + test::s2s_binary() + " translate --checkpoint " +
                                   t.run + " --beam 2 --output " + scratch / "out.txt");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(test::read_text(scratch / "out.txt"), from_file.out);
  // --best: the checkpoint with the best validation chrF (the run names no valid_metric: the
  // default), whichever it is, loads and translates.
  const auto best = test::run_command(test::s2s_binary() + " translate --best --checkpoint " + t.run + " --input " + t.sources);
  ASSERT_EQ(best.exit_code, 0) << best.err;
  EXPECT_NE(best.err.find("best checkpoint by validation chrf"), std::string::npos) << best.err;
  EXPECT_EQ(lines_of(best.out).size(), 40u);
}

TEST(TranslateCommand, EmptyInputGivesEmptyOutput) {
  const test::TinyRun t = test::tiny_run();
  const auto r = test::run_command(": | " + test::s2s_binary() + " translate --checkpoint " + t.checkpoint);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(TranslateCommand, NBestListsAreIndexedSortedAndStartWithTheBeamOutput) {
  const test::TinyRun t = test::tiny_run();
  const auto plain = test::run_command(translate(t, "--beam 4"));
  const auto nbest = test::run_command(translate(t, "--beam 4 --nbest 3"));
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  ASSERT_EQ(nbest.exit_code, 0) << nbest.err;
  const auto best = lines_of(plain.out);
  const auto lines = lines_of(nbest.out);
  ASSERT_EQ(lines.size(), 3 * best.size());
  const std::regex format(R"(^(\d+) \|\|\| (.*) \|\|\| (-?\d+\.\d+)$)");
  for (size_t i = 0; i < lines.size(); ++i) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(lines[i], m, format)) << lines[i];
    EXPECT_EQ(std::stoul(m[1]), i / 3) << lines[i];
    const double score = std::stod(m[3]);
    EXPECT_LE(score, 0.0);
    if (i % 3 == 0) {
      EXPECT_EQ(m[2].str(), best[i / 3]);
    } else {
      std::smatch prev;
      std::regex_match(lines[i - 1], prev, format);
      EXPECT_LE(score, std::stod(prev[3])) << "n-best of line " << i / 3 << " out of order";
      EXPECT_NE(m[2].str(), prev[2].str()) << "duplicate hypothesis in an n-best list";
    }
  }
  const auto too_many = test::run_command(translate(t, "--beam 2 --nbest 3"));
  EXPECT_EQ(too_many.exit_code, 1);
  EXPECT_NE(too_many.err.find("--nbest 3 needs --beam 3 or more"), std::string::npos) << too_many.err;
}

TEST(TranslateCommand, AttentionRowsAreDistributionsOverTheSourceTokens) {
  const test::TinyRun t = test::tiny_run();
  test::ScratchDir scratch("s2s-translate");
  const auto r = test::run_command(translate(t, "--beam 3 --attention " + scratch / "attention.jsonl"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto outputs = lines_of(r.out);
  const auto sources = test::read_lines(t.sources);
  const auto records = test::read_lines(scratch / "attention.jsonl");
  ASSERT_EQ(records.size(), sources.size());
  for (size_t i = 0; i < records.size(); ++i) {
    const auto j = nlohmann::json::parse(records[i]);
    EXPECT_EQ(j["index"], i);
    const auto source = j["source"].get<std::vector<std::string>>();
    const auto output = j["output"].get<std::vector<std::string>>();
    // Space tokenizer: the source tokens are the words of the line, then </s>.
    EXPECT_EQ(source.size(), static_cast<size_t>(std::count(sources[i].begin(), sources[i].end(), ' ') + 2));
    EXPECT_EQ(source.back(), "</s>");
    EXPECT_EQ(output.back(), "</s>");
    std::string joined;
    for (size_t k = 0; k + 1 < output.size(); ++k) {
      if (k > 0) joined += ' ';
      joined += output[k];
    }
    EXPECT_EQ(joined, outputs[i]);
    const auto& rows = j["attention"];
    ASSERT_EQ(rows.size(), output.size());
    for (const auto& row : rows) {
      ASSERT_EQ(row.size(), source.size());
      double sum = 0;
      for (const auto& w : row) {
        EXPECT_GE(w.get<double>(), 0.0);
        sum += w.get<double>();
      }
      EXPECT_NEAR(sum, 1.0, 1e-5);
    }
  }
}

TEST(TranslateCommand, MissingOrForeignVocabularyIsOneLineNamingTheFile) {
  const test::TinyRun t = test::tiny_run();
  test::ScratchDir scratch("s2s-translate");
  const std::string copy = scratch / "corpus";
  fs::copy(t.corpus, copy, fs::copy_options::recursive);
  fs::remove(copy + "/vocab.tgt.json");
  const auto missing = test::run_command("echo 'a b' | " + test::s2s_binary() + " translate --checkpoint " +
                                         t.checkpoint + " --data " + copy);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("s2s: error: " + copy + "/vocab.tgt.json: vocabulary file not found"), std::string::npos)
      << missing.err;
  EXPECT_EQ(lines_of(missing.err).back().rfind("s2s: error: ", 0), 0u) << missing.err;

  // Another corpus's (valid) vocabulary in its place.
  {
    std::ofstream tsv(scratch / "other.tsv");
    for (int i = 0; i < 50; ++i) tsv << "x" << i % 7 << " y\tz" << i % 5 << " w\n";
  }
  ASSERT_EQ(test::run_command(test::s2s_binary() + " prep --no-progress --valid-count 5 --tsv " +
                              scratch / "other.tsv " + scratch / "other").exit_code, 0);
  fs::copy_file(scratch / "other/vocab.tgt.json", copy + "/vocab.tgt.json");
  const auto foreign = test::run_command("echo 'a b' | " + test::s2s_binary() + " translate --checkpoint " +
                                         t.checkpoint + " --data " + copy);
  EXPECT_EQ(foreign.exit_code, 1);
  EXPECT_NE(foreign.err.find(copy + "/vocab.tgt.json: vocabulary hash"), std::string::npos) << foreign.err;
  EXPECT_NE(foreign.err.find("differs from the hash"), std::string::npos) << foreign.err;

  // The corpus directory itself gone: the error names the manifest it looked for.
  const auto gone = test::run_command("echo 'a b' | " + test::s2s_binary() + " translate --checkpoint " +
                                      t.checkpoint + " --data " + scratch / "nowhere");
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_NE(gone.err.find(scratch / "nowhere/manifest.json not found"), std::string::npos) << gone.err;
}

// A SentencePiece corpus: outputs are detokenized (pieces joined, "▁" read as a space), and
// the tokenizer model is one of the files the checkpoint cannot do without.
TEST(TranslateCommand, SentencePieceOutputsAreDetokenizedAndItsModelIsRequired) {
  test::ScratchDir scratch("s2s-translate-spm");
  {
    std::ofstream tsv(scratch / "pairs.tsv");
    const char* words[] = {"alpha", "beta", "gamma", "delta", "omega", "sigma"};
    for (int i = 0; i < 300; ++i) {
      const int a = i % 6, b = (i / 6) % 6, c = (i / 36) % 6;
      tsv << words[a] << ' ' << words[b] << ' ' << words[c] << '\t' << words[c] << ' ' << words[b] << ' '
          << words[a] << '\n';
    }
  }
  auto r = test::run_command(test::s2s_binary() + " prep --no-progress --valid-count 20 --tokenizer sentencepiece "
                             "--vocab-size 30 --tsv " + scratch / "pairs.tsv " + scratch / "corpus");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = test::run_command(test::s2s_binary() + " train data.dir=" + scratch / "corpus" + " run.dir=" + scratch / "run" +
                        " model.embed_dim=16 model.encoder_hidden=16 model.decoder_hidden=16 model.attention_dim=16"
                        " model.readout_dim=16 run.threads=1 train.max_epochs=0 train.max_steps=40"
                        " train.warmup_steps=5 train.lr=0.01 train.validate_every=0");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = test::run_command("printf 'alpha beta gamma\\nomega sigma delta\\n' | " + test::s2s_binary() +
                        " translate --beam 2 --checkpoint " + scratch / "run" + " --attention " + scratch / "a.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto outputs = lines_of(r.out);
  const auto records = test::read_lines(scratch / "a.jsonl");
  ASSERT_EQ(outputs.size(), 2u);
  ASSERT_EQ(records.size(), 2u);
  const std::string space = "\u2581";
  int pieces_with_space = 0;
  for (size_t i = 0; i < 2; ++i) {
    const auto j = nlohmann::json::parse(records[i]);
    EXPECT_GT(j["source"].size(), 3u) << "pieces, not characters or words: " << records[i];
    std::string joined;
    for (const auto& piece : j["output"]) {
      if (piece == "</s>") break;
      joined += piece.get<std::string>();
    }
    pieces_with_space += joined.find(space) != std::string::npos;
    for (size_t at; (at = joined.find(space)) != std::string::npos;) joined.replace(at, space.size(), " ");
    const auto first = joined.find_first_not_of(' ');
    joined = first == std::string::npos ? "" : joined.substr(first);
    EXPECT_EQ(outputs[i], joined);
    EXPECT_EQ(outputs[i].find(space), std::string::npos) << outputs[i];
  }
  EXPECT_GT(pieces_with_space, 0) << "no word boundary in the outputs: the test proves nothing";

  std::filesystem::remove(scratch / "corpus/spm.tgt.model");
  r = test::run_command("echo alpha | " + test::s2s_binary() + " translate --checkpoint " + scratch / "run");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(scratch / "corpus/spm.tgt.model: tokenizer model not found"), std::string::npos) << r.err;
}

// ---- EMA weights (train.ema_decay) and --raw-weights --------------------------------------

TEST(TranslateCommand, ACheckpointWithEmaWeightsDecodesWithThemUnlessRawWeightsAreAsked) {
  const test::TinyRun t = test::tiny_run();
  test::ScratchDir scratch("s2s-translate");
  const std::string ema = test::ema_checkpoint(t, scratch / "ema.h5");  // raw: step 300, EMA: step 100
  const auto run = [&](const std::string& checkpoint, const std::string& extra) {
    const auto r = test::run_command(test::s2s_binary() + " translate --beam 3 --nbest 2 --input " + t.sources +
                                     " --checkpoint " + checkpoint + extra);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r;
  };
  const auto step100 = run(test::step100_checkpoint(t), ""), step300 = run(t.checkpoint, "");
  ASSERT_NE(step100.out, step300.out) << "the two weights must decode differently for this test to tell them apart";
  const auto with_ema = run(ema, "");
  EXPECT_EQ(with_ema.out, step100.out);
  EXPECT_NE(with_ema.err.find("(step 300, ema weights)"), std::string::npos) << with_ema.err;
  const auto raw = run(ema, " --raw-weights");
  EXPECT_EQ(raw.out, step300.out);
  EXPECT_NE(raw.err.find("(step 300, raw weights)"), std::string::npos) << raw.err;
  // A checkpoint without EMA weights (format version 1, the layout older s2s wrote) has
  // only its raw weights: --raw-weights changes nothing.
  EXPECT_EQ(run(t.checkpoint, " --raw-weights").out, step300.out);
  EXPECT_NE(step300.err.find("(step 300, raw weights)"), std::string::npos) << step300.err;
  EXPECT_EQ(test::run_python("import h5py\nprint(h5py.File('" + t.checkpoint + "', 'r').attrs['format_version'], "
                             "h5py.File('" + ema + "', 'r').attrs['format_version'])\n",
                             scratch.path()),
            "1 2\n");
}

TEST(TranslateCommand, EmaWeightsWithAGapAreRefusedInOneLine) {
  const test::TinyRun t = test::tiny_run();
  test::ScratchDir scratch("s2s-translate");
  const std::string damaged = test::ema_checkpoint(t, scratch / "damaged.h5", "ema/decoder.output.bias");
  const auto r = test::run_command(translate(t, "--checkpoint " + damaged));  // an ensemble with a damaged member
  const auto alone = test::run_command(test::s2s_binary() + " translate --input " + t.sources + " --checkpoint " + damaged);
  for (const auto& result : {r, alone}) {
    EXPECT_EQ(result.exit_code, 1);
    const std::string error = result.err.substr(std::min(result.err.find("s2s: error: "), result.err.size()));
    EXPECT_NE(error.find(damaged + " holds EMA weights but no 'ema/decoder.output.bias'"), std::string::npos) << result.err;
    EXPECT_NE(error.find("--raw-weights"), std::string::npos) << error;
    EXPECT_EQ(error.find('\n'), error.size() - 1) << "one line: " << error;
  }
  // Its raw weights are whole: --raw-weights decodes.
  EXPECT_EQ(test::run_command(test::s2s_binary() + " translate --raw-weights --input " + t.sources + " --checkpoint " +
                              damaged).exit_code, 0);
}

// ---- Ensembles: --checkpoint given several times ------------------------------------------

TEST(TranslateCommand, AnEnsembleOfOneCheckpointTwiceTranslatesAsTheCheckpoint) {
  const test::TinyRun t = test::tiny_run();
  for (const char* search : {"--beam 1", "--beam 3 --nbest 3"}) {
    const auto single = test::run_command(translate(t, search));
    const auto twice = test::run_command(translate(t, std::string(search) + " --checkpoint " + t.checkpoint));
    ASSERT_EQ(single.exit_code, 0) << single.err;
    ASSERT_EQ(twice.exit_code, 0) << twice.err;
    EXPECT_NE(twice.err.find("ensemble of 2 models"), std::string::npos) << twice.err;
    EXPECT_EQ(twice.out, single.out) << search;  // outputs and n-best scores alike
  }
}

TEST(TranslateCommand, AnEnsembleOfTwoCheckpointsScoresUnlikeEitherAndBatchingChangesNothing) {
  const test::TinyRun t = test::tiny_run();
  const std::string step200 = t.run + "/checkpoints/ckpt-00000200.h5";
  const std::string nbest = " --input " + t.sources + " --beam 3 --nbest 2";
  const auto a = test::run_command(test::s2s_binary() + " translate --checkpoint " + t.checkpoint + nbest);
  const auto b = test::run_command(test::s2s_binary() + " translate --checkpoint " + step200 + nbest);
  const std::string both = test::s2s_binary() + " translate --checkpoint " + t.checkpoint + " --checkpoint " + step200 + nbest;
  const auto ab = test::run_command(both + " --batch-size 16");
  const auto ab_single = test::run_command(both + " --batch-size 1");
  ASSERT_EQ(ab.exit_code, 0) << ab.err;
  EXPECT_NE(ab.out, a.out);
  EXPECT_NE(ab.out, b.out);
  // Batched or one by one: the same hypotheses, scores equal up to float32 rounding.
  const auto batched = lines_of(ab.out), single = lines_of(ab_single.out);
  ASSERT_EQ(batched.size(), 80u);
  ASSERT_EQ(single.size(), 80u);
  for (size_t i = 0; i < batched.size(); ++i) {
    const auto cut = batched[i].rfind(" ||| ");
    EXPECT_EQ(batched[i].substr(0, cut), single[i].substr(0, cut));
    EXPECT_NEAR(std::stod(batched[i].substr(cut + 5)), std::stod(single[i].substr(cut + 5)), 1e-5) << batched[i];
  }
}

TEST(TranslateCommand, AnEnsembleRefusesCheckpointsOfAnotherVocabularyNamingBoth) {
  const test::TinyRun t = test::tiny_run();
  test::ScratchDir scratch("s2s-translate");
  const std::string other = scratch / "other.h5";
  test::run_python("import h5py, shutil\nshutil.copy('" + t.checkpoint + "', '" + other + "')\n"
                   "with h5py.File('" + other + "', 'r+') as f:\n    f.attrs['vocab_hash.tgt'] = '0' * 64\n",
                   scratch.path());
  const auto r = test::run_command(translate(t, "--checkpoint " + other));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("s2s: error: cannot ensemble " + t.checkpoint + " and " + other +
                       ": their target vocabularies differ"),
            std::string::npos)
      << r.err;
  const std::string error = r.err.substr(r.err.find("s2s: error: "));
  EXPECT_EQ(error.find('\n'), error.size() - 1) << "one line: " << error;
}

}  // namespace
}  // namespace s2s
