#include "data/PairSource.h"

#include "core/Check.h"
#include "data/Utf8.h"

namespace s2s {

void check_utf8(std::string_view text, const std::string& where, const char* side) {
  size_t offset = 0;
  S2S_CHECK(utf8::is_valid(text, &offset),
            "{}: invalid UTF-8 in the {} at byte {} (0x{:02X}): convert the file to UTF-8, e.g. "
            "`iconv -f latin1 -t utf-8`",
            where, side, offset + 1, static_cast<unsigned char>(text[offset]));
}

}  // namespace s2s
