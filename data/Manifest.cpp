#include "data/Manifest.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/Check.h"
#include "data/Sha256.h"

namespace s2s {
namespace {

using nlohmann::json;

json side_to_json(const SideEntry& s) {
  return json{{"tokenizer", s.tokenizer},
              {"tokenizer_model", s.tokenizer_model},
              {"vocab", s.vocab_file},
              {"vocab_size", s.vocab_size},
              {"vocab_hash", s.vocab_hash}};
}

SideEntry side_from_json(const json& j) {
  SideEntry s;
  s.tokenizer = j.at("tokenizer").get<std::string>();
  s.tokenizer_model = j.value("tokenizer_model", "");
  s.vocab_file = j.at("vocab").get<std::string>();
  s.vocab_size = j.at("vocab_size").get<int64_t>();
  s.vocab_hash = j.at("vocab_hash").get<std::string>();
  return s;
}

}  // namespace

int64_t SplitEntry::examples() const {
  int64_t n = 0;
  for (const auto& s : shards) n += s.examples;
  return n;
}
int64_t SplitEntry::src_tokens() const {
  int64_t n = 0;
  for (const auto& s : shards) n += s.src_tokens;
  return n;
}
int64_t SplitEntry::tgt_tokens() const {
  int64_t n = 0;
  for (const auto& s : shards) n += s.tgt_tokens;
  return n;
}

void Manifest::save(const std::string& dir) const {
  json j;
  j["format"] = "s2s-corpus";
  j["format_version"] = kFormatVersion;
  j["created_by"] = created_by;
  j["input"] = input;
  j["seed"] = seed;
  j["source"] = side_to_json(source);
  j["target"] = side_to_json(target);
  json splits_json = json::object();
  for (const auto& [name, split] : splits) {
    json shards = json::array();
    for (const auto& s : split.shards)
      shards.push_back(json{{"file", s.file},
                            {"examples", s.examples},
                            {"first_example_id", s.first_example_id},
                            {"src_tokens", s.src_tokens},
                            {"tgt_tokens", s.tgt_tokens},
                            {"bytes", s.bytes},
                            {"sha256", s.sha256}});
    splits_json[name] = json{{"examples", split.examples()},
                             {"src_tokens", split.src_tokens()},
                             {"tgt_tokens", split.tgt_tokens()},
                             {"shards", shards}};
  }
  j["splits"] = splits_json;
  j["test_tsv"] = test_tsv;
  j["prep_counts"] = prep_counts;
  const std::string path = dir + "/" + kFileName;
  std::ofstream out(path, std::ios::binary);
  S2S_CHECK(out.is_open(), "cannot write {}: {}", path, std::strerror(errno));
  out << j.dump(2) << '\n';
  out.close();
  S2S_CHECK(out.good(), "cannot write {} (disk full?)", path);
}

Manifest Manifest::load(const std::string& dir) {
  const std::string path = dir + "/" + kFileName;
  struct stat st {};
  S2S_CHECK(::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode),
            "corpus directory {} does not exist: run `s2s prep` to create it (or fix data.dir)", dir);
  std::ifstream in(path, std::ios::binary);
  S2S_CHECK(in.is_open(),
            "{} has no {}: it is not a corpus directory, or `s2s prep` did not finish; re-run s2s prep", dir,
            kFileName);
  json j;
  try {
    j = json::parse(in);
  } catch (const json::exception& e) {
    S2S_FAIL("{} is not valid JSON ({}): re-run s2s prep", path, e.what());
  }
  try {
    S2S_CHECK(j.is_object() && j.value("format", "") == "s2s-corpus",
              "{} is not an s2s corpus manifest (no \"format\": \"s2s-corpus\")", path);
    const int version = j.at("format_version").get<int>();
    S2S_CHECK(version == kFormatVersion,
              "{} has corpus format version {}, this s2s reads version {}: re-run s2s prep with this s2s", path,
              version, kFormatVersion);
    Manifest m;
    m.created_by = j.value("created_by", "");
    m.input = j.value("input", "");
    m.seed = j.value("seed", uint64_t{0});
    m.source = side_from_json(j.at("source"));
    m.target = side_from_json(j.at("target"));
    for (const auto& [name, split_json] : j.at("splits").items()) {
      SplitEntry split;
      for (const auto& s : split_json.at("shards")) {
        ShardEntry e;
        e.file = s.at("file").get<std::string>();
        e.examples = s.at("examples").get<int64_t>();
        e.first_example_id = s.at("first_example_id").get<int64_t>();
        e.src_tokens = s.at("src_tokens").get<int64_t>();
        e.tgt_tokens = s.at("tgt_tokens").get<int64_t>();
        e.bytes = s.at("bytes").get<int64_t>();
        e.sha256 = s.at("sha256").get<std::string>();
        split.shards.push_back(std::move(e));
      }
      m.splits.emplace(name, std::move(split));
    }
    m.test_tsv = j.value("test_tsv", "");
    if (j.contains("prep_counts")) m.prep_counts = j.at("prep_counts").get<std::map<std::string, int64_t>>();
    return m;
  } catch (const json::exception& e) {
    S2S_FAIL("{} is malformed ({}): re-run s2s prep", path, e.what());
  }
}

const SplitEntry& Manifest::split(const std::string& name) const {
  const auto it = splits.find(name);
  if (it == splits.end()) {
    std::string have;
    for (const auto& [n, s] : splits) have += (have.empty() ? "" : ", ") + n;
    S2S_FAIL("the corpus has no '{}' split (it has: {}){}", name, have,
             name == "valid" ? ": re-run s2s prep with --valid-count/--valid-fraction or --valid-tsv" : "");
  }
  return it->second;
}

void Manifest::verify_shard(const std::string& dir, const ShardEntry& shard) {
  const std::string path = dir + "/" + shard.file;
  struct stat st {};
  S2S_CHECK(::stat(path.c_str(), &st) == 0, "shard {} listed in the manifest is missing: re-run s2s prep", path);
  S2S_CHECK(static_cast<int64_t>(st.st_size) == shard.bytes,
            "shard {} has {} bytes but the manifest says {}: the file is truncated or was replaced; re-run "
            "s2s prep (or copy the corpus again)",
            path, static_cast<int64_t>(st.st_size), shard.bytes);
  const std::string actual = Sha256::of_file(path);
  S2S_CHECK(actual == shard.sha256,
            "checksum mismatch for shard {}: SHA-256 is {}, the manifest says {}: the file is corrupt; re-run "
            "s2s prep (or copy the corpus again)",
            path, actual, shard.sha256);
}

}  // namespace s2s
