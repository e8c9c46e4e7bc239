#pragma once
// UTF-8 checks and code-point splitting. Input text is validated once, when `s2s prep`
// reads it, so that everything downstream (tokenizers, JSON vocabularies, h5py readers)
// can rely on well-formed UTF-8.
#include <cstddef>
#include <string_view>
#include <vector>

namespace s2s::utf8 {

// True when `text` is well-formed UTF-8 (no overlong forms, surrogates or code points
// above U+10FFFF). On failure, *error_offset (if given) is the byte offset of the first
// bad sequence.
bool is_valid(std::string_view text, size_t* error_offset = nullptr);

// Splits well-formed UTF-8 into one view per code point (views into `text`).
void split_code_points(std::string_view text, std::vector<std::string_view>& out);

}  // namespace s2s::utf8
