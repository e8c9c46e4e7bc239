#pragma once
// SHA-256, for the shard checksums of the manifest, the vocabulary hash and checkpoints.
// SHA-256 rather than a CRC so that a user can check a corpus with nothing but `sha256sum`
// or Python's hashlib. The digest itself is OpenSSL's (libcrypto), not ours.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace s2s {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const void* data, size_t size);
  void update(std::string_view text) { update(text.data(), text.size()); }
  // Lower-case hex of the digest. Finishes the hash: call once.
  std::string hex_digest();

  // Hash of a whole file; throws s2s::Error naming the file when it cannot be read.
  static std::string of_file(const std::string& path);
  static std::string of_text(std::string_view text);

 private:
  struct Context;                    // OpenSSL's EVP_MD_CTX, kept out of this header
  std::unique_ptr<Context> context_;
};

}  // namespace s2s
