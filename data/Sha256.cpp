#include "data/Sha256.h"

#include <openssl/evp.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "core/Check.h"

namespace s2s {

struct Sha256::Context {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Context() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : context_(std::make_unique<Context>()) {
  S2S_CHECK(context_->ctx != nullptr && EVP_DigestInit_ex(context_->ctx, EVP_sha256(), nullptr) == 1,
            "OpenSSL could not start a SHA-256 digest (out of memory?)");
}

Sha256::~Sha256() = default;

void Sha256::update(const void* data, size_t size) {
  S2S_CHECK(EVP_DigestUpdate(context_->ctx, data, size) == 1, "OpenSSL SHA-256 update failed");
}

std::string Sha256::hex_digest() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  S2S_CHECK(EVP_DigestFinal_ex(context_->ctx, digest, &length) == 1, "OpenSSL SHA-256 final failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

std::string Sha256::of_file(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  S2S_CHECK(file != nullptr, "cannot open {}: {}", path, std::strerror(errno));
  Sha256 hash;
  std::vector<char> buffer(1 << 20);
  size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), file.get())) > 0) hash.update(buffer.data(), n);
  S2S_CHECK(!std::ferror(file.get()), "cannot read {}: {}", path, std::strerror(errno));
  return hash.hex_digest();
}

std::string Sha256::of_text(std::string_view text) {
  Sha256 hash;
  hash.update(text);
  return hash.hex_digest();
}

}  // namespace s2s
