#pragma once
// Checks on a PNG written by the plots: the signature and IHDR size (the first 24 bytes),
// and a full decode by an independent reader (Python's zlib and struct, no imaging
// library: every chunk CRC is verified and the inflated image data must have exactly the
// size the header announces).
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <string>

#include "tests/support/Subprocess.h"

namespace s2s::test {

struct PngSize {
  bool valid = false;  // signature and IHDR present
  uint32_t width = 0;
  uint32_t height = 0;
};

inline PngSize png_size(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  unsigned char b[24] = {};
  in.read(reinterpret_cast<char*>(b), sizeof b);
  PngSize s;
  if (in.gcount() != 24) return s;
  const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  for (int i = 0; i < 8; ++i)
    if (b[i] != sig[i]) return s;
  if (std::string(reinterpret_cast<char*>(b + 12), 4) != "IHDR") return s;
  auto be32 = [&](int o) {
    return (uint32_t{b[o]} << 24) | (uint32_t{b[o + 1]} << 16) | (uint32_t{b[o + 2]} << 8) | b[o + 3];
  };
  s.valid = true;
  s.width = be32(16);
  s.height = be32(20);
  return s;
}

inline const char* kPngDecoder = R"PY(
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "signature"
pos, idat, ihdr = 8, b"", None
while pos < len(data):
    (n,) = struct.unpack(">I", data[pos:pos + 4]); kind = data[pos + 4:pos + 8]
    body = data[pos + 8:pos + 8 + n]; (crc,) = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])
    assert zlib.crc32(kind + body) & 0xffffffff == crc, "crc of " + kind.decode()
    if kind == b"IHDR": ihdr = struct.unpack(">IIBBBBB", body)
    if kind == b"IDAT": idat += body
    pos += 12 + n
    if kind == b"IEND": break
w, h, depth, color, _, _, interlace = ihdr
channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color]
assert interlace == 0, "interlaced"
raw = zlib.decompress(idat)
assert len(raw) == h * (1 + (w * channels * depth + 7) // 8), "image data size"
print(w, h)
)PY";

// Decodes `path` with the independent reader; returns "W H" or the failure.
inline std::string decode_png(const std::string& path) {
  const std::string script = path + ".decode.py";  // one per image: ctest runs cases in parallel
  std::ofstream(script) << kPngDecoder;
  const auto r = run_command(std::string(S2S_PYTHON) + " " + script + " " + path);
  return r.exit_code == 0 ? r.out : "decode failed: " + r.err;
}

}  // namespace s2s::test
