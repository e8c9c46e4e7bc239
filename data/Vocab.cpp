#include "data/Vocab.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/Check.h"
#include "data/Sha256.h"

namespace s2s {
namespace {

std::string hash_tokens(const std::vector<std::string>& tokens) {
  // Each token as (8-byte little-endian length, bytes): unambiguous whatever bytes a token holds.
  Sha256 sha;
  for (const auto& t : tokens) {
    uint8_t length[8];
    const uint64_t n = t.size();
    for (int i = 0; i < 8; ++i) length[i] = static_cast<uint8_t>(n >> (8 * i));
    sha.update(length, 8);
    sha.update(t);
  }
  return sha.hex_digest();
}

}  // namespace

const std::vector<std::string>& Vocab::special_tokens() {
  static const std::vector<std::string> specials = {"<pad>", "<unk>", "<s>", "</s>"};
  return specials;
}

Vocab::Vocab() {
  for (const auto& s : special_tokens()) add(s, 0);
  finish();
}

void Vocab::add(const std::string& token, int64_t count) {
  index_.emplace(token, static_cast<int32_t>(tokens_.size()));
  tokens_.push_back(token);
  counts_.push_back(count);
}

void Vocab::finish() { hash_ = hash_tokens(tokens_); }

Vocab Vocab::from_counts(const std::unordered_map<std::string, int64_t>& counts, int64_t min_count,
                         int64_t max_size) {
  S2S_CHECK(max_size == 0 || max_size > kNumSpecialIds,
            "maximum vocabulary size {} leaves no room beside the {} specials: use 0 (no limit) or more than {}",
            max_size, kNumSpecialIds, kNumSpecialIds);
  std::vector<std::pair<std::string, int64_t>> entries;
  entries.reserve(counts.size());
  const auto& specials = special_tokens();
  for (const auto& [token, count] : counts) {
    if (count < min_count) continue;
    if (std::find(specials.begin(), specials.end(), token) != specials.end()) continue;
    entries.emplace_back(token, count);
  }
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  if (max_size > 0 && static_cast<int64_t>(entries.size()) > max_size - kNumSpecialIds)
    entries.resize(static_cast<size_t>(max_size - kNumSpecialIds));
  Vocab vocab;
  for (const auto& [token, count] : entries) vocab.add(token, count);
  vocab.finish();
  return vocab;
}

Vocab Vocab::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  S2S_CHECK(in.is_open(), "cannot open vocabulary {}: {}", path, std::strerror(errno));
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    S2S_FAIL("vocabulary {} is not valid JSON ({}): re-run s2s prep", path, e.what());
  }
  try {
    S2S_CHECK(j.is_object() && j.value("format", "") == "s2s-vocab",
              "{} is not an s2s vocabulary (no \"format\": \"s2s-vocab\")", path);
    const int version = j.at("format_version").get<int>();
    S2S_CHECK(version == kFormatVersion,
              "vocabulary {} has format version {}, this s2s reads version {}: re-run s2s prep with this s2s",
              path, version, kFormatVersion);
    const auto tokens = j.at("tokens").get<std::vector<std::string>>();
    auto counts = j.value("counts", std::vector<int64_t>(tokens.size(), 0));
    S2S_CHECK(counts.size() == tokens.size(), "vocabulary {}: {} tokens but {} counts", path, tokens.size(),
              counts.size());
    S2S_CHECK(tokens.size() >= static_cast<size_t>(kNumSpecialIds) &&
                  std::equal(special_tokens().begin(), special_tokens().end(), tokens.begin()),
              "vocabulary {} does not start with <pad>, <unk>, <s>, </s>: it was not written by s2s prep", path);
    Vocab vocab;
    vocab.tokens_.clear();
    vocab.counts_.clear();
    vocab.index_.clear();
    for (size_t i = 0; i < tokens.size(); ++i) {
      S2S_CHECK(vocab.index_.count(tokens[i]) == 0, "vocabulary {} lists token '{}' twice (ids {} and {})",
                path, tokens[i], vocab.index_.at(tokens[i]), i);
      vocab.add(tokens[i], counts[i]);
    }
    vocab.finish();
    const std::string stored = j.value("hash", "");
    S2S_CHECK(stored == vocab.hash_,
              "vocabulary {} was modified after s2s prep wrote it (its hash is {}, the file says {}): "
              "re-run s2s prep",
              path, vocab.hash_.substr(0, 12), stored.substr(0, 12));
    return vocab;
  } catch (const nlohmann::json::exception& e) {
    S2S_FAIL("vocabulary {} is malformed ({}): re-run s2s prep", path, e.what());
  }
}

void Vocab::save(const std::string& path) const {
  nlohmann::json j;
  j["format"] = "s2s-vocab";
  j["format_version"] = kFormatVersion;
  j["size"] = tokens_.size();
  j["hash"] = hash_;
  j["tokens"] = tokens_;
  j["counts"] = counts_;
  std::ofstream out(path, std::ios::binary);
  S2S_CHECK(out.is_open(), "cannot write {}: {}", path, std::strerror(errno));
  out << j.dump(1) << '\n';
  out.close();
  S2S_CHECK(out.good(), "cannot write {} (disk full?)", path);
}

int32_t Vocab::id(const std::string& piece) const {
  const auto it = index_.find(piece);
  if (it == index_.end() || it->second < kNumSpecialIds) return kUnkId;
  return it->second;
}

const std::string& Vocab::token(int32_t id) const {
  S2S_CHECK(id >= 0 && id < size(), "token id {} is outside the vocabulary (size {})", id, size());
  return tokens_[static_cast<size_t>(id)];
}

void Vocab::encode(const std::vector<std::string>& pieces, std::vector<int32_t>& ids) const {
  ids.resize(pieces.size());
  for (size_t i = 0; i < pieces.size(); ++i) ids[i] = id(pieces[i]);
}

template <class Int>
static std::vector<std::string> pieces_of(const Vocab& vocab, const Int* ids, size_t count) {
  std::vector<std::string> out;
  out.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    const auto id = static_cast<int32_t>(ids[i]);
    if (id == kPadId || id == kBosId || id == kEosId) continue;
    out.push_back(vocab.token(id));
  }
  return out;
}

std::vector<std::string> Vocab::pieces(const int64_t* ids, size_t count) const { return pieces_of(*this, ids, count); }
std::vector<std::string> Vocab::pieces(const int32_t* ids, size_t count) const { return pieces_of(*this, ids, count); }

}  // namespace s2s
