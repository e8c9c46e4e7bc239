#pragma once
// Options that are one of a few words (model.cell, train.optimizer, ...) are enums in the
// code and words in files. S2S_ENUM declares both at once, so they cannot drift apart: the
// enumerators are the words. The config loader turns a word into the enum when it reads a
// file (refusing any other word with the list of accepted ones), and the writer turns it
// back; no use site ever compares strings.
//
//   S2S_ENUM(CellKind, gru, lstm);      // enum class CellKind { gru, lstm } + its words
//   name_of(CellKind::lstm) == "lstm";  parse_enum<CellKind>("gru") == CellKind::gru;
//
// Use it at namespace s2s scope; enumerators take no explicit values (they index the words).
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/FieldRule.h"

namespace s2s {

template <class E>
struct EnumNames;  // S2S_ENUM specialises it with `kWords`, the words in enumerator order

namespace detail {

constexpr size_t count_words(std::string_view list) {
  size_t n = 1;
  for (const char c : list) n += c == ',' ? 1 : 0;
  return n;
}

// "gru, lstm" -> {"gru", "lstm"}: the stringized enumerator list, split at the commas.
template <size_t N>
constexpr std::array<std::string_view, N> split_words(std::string_view list) {
  std::array<std::string_view, N> words{};
  size_t i = 0;
  for (size_t k = 0; k < N; ++k) {
    while (i < list.size() && (list[i] == ',' || list[i] == ' ')) ++i;
    size_t j = i;
    while (j < list.size() && list[j] != ',' && list[j] != ' ') ++j;
    words[k] = list.substr(i, j - i);
    i = j;
  }
  return words;
}

}  // namespace detail

#define S2S_ENUM(Name, ...)                                                                        \
  enum class Name { __VA_ARGS__ };                                                                 \
  template <>                                                                                      \
  struct EnumNames<Name> {                                                                         \
    static constexpr std::string_view kList = #__VA_ARGS__;                                        \
    static constexpr auto kWords = ::s2s::detail::split_words<::s2s::detail::count_words(kList)>(kList); \
  }

// The word of a value ("" for a value outside the declared ones, which only a cast can make).
template <class E>
constexpr std::string_view name_of(E value) {
  const auto i = static_cast<size_t>(value);
  return i < EnumNames<E>::kWords.size() ? EnumNames<E>::kWords[i] : std::string_view();
}

// The value of a word, or nullopt when the word is not one of E's.
template <class E>
constexpr std::optional<E> parse_enum(std::string_view word) {
  for (size_t i = 0; i < EnumNames<E>::kWords.size(); ++i)
    if (EnumNames<E>::kWords[i] == word) return static_cast<E>(i);
  return std::nullopt;
}

// Every word of E, in declaration order.
template <class E>
std::vector<std::string> enum_words() {
  return std::vector<std::string>(EnumNames<E>::kWords.begin(), EnumNames<E>::kWords.end());
}

// The FieldRule of an enum option: one of its words.
template <class E>
FieldRule words_of() {
  return one_of(enum_words<E>());
}

}  // namespace s2s
