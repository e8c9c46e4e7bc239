#pragma once
// SHA-256, for the shard checksums of the manifest and the vocabulary hash. SHA-256 rather
// than a CRC so that a user can check a corpus with nothing but `sha256sum` or Python's
// hashlib.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace s2s {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t size);
  void update(std::string_view text) { update(text.data(), text.size()); }
  // Lower-case hex of the digest. Finishes the hash: call once.
  std::string hex_digest();

  // Hash of a whole file; throws s2s::Error naming the file when it cannot be read.
  static std::string of_file(const std::string& path);
  static std::string of_text(std::string_view text);

 private:
  void compress(const uint8_t* block);

  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_{};
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

}  // namespace s2s
