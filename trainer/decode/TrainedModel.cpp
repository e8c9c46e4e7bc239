#include "trainer/decode/TrainedModel.h"

#include <filesystem>

#include "core/Check.h"
#include "core/Log.h"
#include "data/Manifest.h"
#include "trainer/checkpoint/CheckpointCodec.h"
#include "trainer/checkpoint/CheckpointStore.h"
#include "trainer/config/ConfigLoader.h"

namespace s2s {
namespace {

namespace fs = std::filesystem;
const Log log("model");

// The checkpoint a request names, read and verified.
CheckpointStore::Loaded read_checkpoint(const TrainedModelRequest& request) {
  const fs::path path(request.checkpoint);
  S2S_CHECK(fs::exists(path), "checkpoint {} does not exist: give a checkpoint file or a run directory",
            request.checkpoint);
  if (fs::is_directory(path)) {
    S2S_CHECK(fs::is_directory(path / "checkpoints"),
              "{} is neither a checkpoint file nor a run directory (it has no checkpoints/)",
              request.checkpoint);
    // The run's own config says which metric ranks its checkpoints.
    ValidMetric metric = ValidMetric::loss;
    if (fs::exists(path / "config.yaml"))
      metric = ConfigLoader::load((path / "config.yaml").string()).train.valid_metric;
    const CheckpointStore store(request.checkpoint, {}, metric);
    auto loaded = request.best ? store.read_best() : store.read_latest();
    S2S_CHECK(loaded.has_value(), "run directory {} holds no {}checkpoint: train first, or give a checkpoint file",
              request.checkpoint, request.best ? fmt::format("validated (train.valid_metric={}) ", name_of(metric)) : "");
    return std::move(*loaded);
  }
  S2S_CHECK(!request.best, "--best needs a run directory, but {} is a checkpoint file", request.checkpoint);
  // A file inside RUN_DIR/checkpoints/ is verified against its manifest.
  return {request.checkpoint, CheckpointStore::read_path(request.checkpoint)};
}

// An ensemble's members decode with one vocabulary per side: the one each was trained with
// (its recorded hash, or the corpus file's when it recorded none) must be the first's.
void check_ensemble_vocabulary(const TrainedModelRequest& request, const std::string& checkpoint,
                               const char* side, const std::string& trained_with) {
  const auto first = request.ensemble_vocab_hashes.find(side);
  if (first == request.ensemble_vocab_hashes.end()) return;
  S2S_CHECK(first->second == trained_with,
            "cannot ensemble {} and {}: their {} vocabularies differ (hash {} vs {}); an ensemble decodes with "
            "one vocabulary: combine models trained on the same corpus",
            request.ensemble_first, checkpoint, side == std::string("src") ? "source" : "target",
            first->second.substr(0, 12), trained_with.substr(0, 12));
}

// One side's vocabulary (hash-checked against the checkpoint) and tokenizer.
std::shared_ptr<const Tokenizer> load_side(const std::string& corpus_dir, const SideEntry& entry,
                                           const CheckpointState& state, const TrainedModelRequest& request,
                                           const std::string& checkpoint, const char* side, Vocab& vocab) {
  const std::string vocab_path = (fs::path(corpus_dir) / entry.vocab_file).string();
  S2S_CHECK(fs::exists(vocab_path),
            "{}: vocabulary file not found (checkpoint {} needs it): pass --data with the corpus "
            "the model was trained on", vocab_path, checkpoint);
  vocab = Vocab::load(vocab_path);
  const auto recorded = state.vocab_hashes.find(side);
  check_ensemble_vocabulary(request, checkpoint, side,
                            recorded != state.vocab_hashes.end() ? recorded->second : vocab.hash());
  if (recorded != state.vocab_hashes.end())
    S2S_CHECK(recorded->second == vocab.hash(),
              "{}: vocabulary hash {} differs from the hash {} that checkpoint {} recorded: it is "
              "not the vocabulary the model was trained with; pass --data with the training corpus",
              vocab_path, vocab.hash().substr(0, 12), recorded->second.substr(0, 12), checkpoint);
  std::string model_path;
  if (!entry.tokenizer_model.empty()) {
    model_path = (fs::path(corpus_dir) / entry.tokenizer_model).string();
    S2S_CHECK(fs::exists(model_path),
              "{}: tokenizer model not found (checkpoint {} needs it): pass --data with the corpus "
              "the model was trained on", model_path, checkpoint);
  }
  return make_tokenizer(entry.tokenizer, model_path);
}

torch::Device pick_device(const std::string& name) {
  if (name == "auto") return torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  try {
    return torch::Device(name);
  } catch (const std::exception&) {
    S2S_FAIL("unknown device '{}': use auto, cpu, cuda or cuda:N", name);
  }
}

}  // namespace

TrainedModel TrainedModel::load(const TrainedModelRequest& request) {
  CheckpointStore::Loaded loaded = read_checkpoint(request);
  const CheckpointState& state = loaded.state;
  TrainedModel m;
  m.checkpoint_path_ = loaded.path;
  m.step_ = state.step;
  ConfigLoader::apply_yaml(m.config_, state.config_yaml, loaded.path + " (its config_yaml)");
  ConfigLoader::validate(m.config_);

  const std::string corpus = request.corpus_dir.empty() ? m.config_.data.dir : request.corpus_dir;
  const std::string manifest = (fs::path(corpus) / Manifest::kFileName).string();
  S2S_CHECK(fs::exists(manifest),
            "{} not found: checkpoint {} was trained on corpus {}; pass --data DIR with its "
            "vocabularies and tokenizer models", manifest, loaded.path, m.config_.data.dir);
  const Manifest corpus_manifest = Manifest::load(corpus);
  m.source_tokenizer_ = load_side(corpus, corpus_manifest.source, state, request, loaded.path, "src", m.source_vocab_);
  m.target_tokenizer_ = load_side(corpus, corpus_manifest.target, state, request, loaded.path, "tgt", m.target_vocab_);

  m.model_ = Seq2Seq(m.config_.model, m.source_vocab_.size(), m.target_vocab_.size());
  m.weights_ = CheckpointCodec::decoding_weights(state, request.raw_weights);
  CheckpointCodec::restore_model(m.model_->named_parameters(), state, m.weights_);
  m.model_->to(pick_device(request.device));
  m.model_->eval();
  log.info("loaded {} (step {}, {} weights), corpus {}, on {}", loaded.path, state.step, name_of(m.weights_), corpus,
           m.model_->parameters().at(0).device().str());
  return m;
}

Translator TrainedModel::translator(const SearchOptions& search) const {
  return Translator(model_, source_vocab_, target_vocab_, source_tokenizer_, target_tokenizer_, search);
}

}  // namespace s2s
