#pragma once
// How an options struct declares its keys, once, for every consumer (YAML loading,
// command-line overrides, `s2s config --dump`, configs/reference.yaml):
//
//   struct ModelOptions {
//     int embed_dim = 256;                      // the default lives in the initialiser
//     template <class V> void fields(V& v) {    // name, member, one-line doc, rule
//       v("embed_dim", embed_dim, "size of source and target token embeddings", at_least(1));
//     }
//   };
//
// A visitor is any callable `v(const char* key, T& member, const char* doc, FieldRule)`.
// Member types supported by the config loader: bool, int, int64_t, double, std::string,
// std::vector<std::string>. Options structs stay free of YAML and of each other.
#include <optional>
#include <string>
#include <vector>

namespace s2s {

// The accepted values of one key, checked on load and on every override.
struct FieldRule {
  std::optional<double> min;         // smallest accepted number (inclusive)
  std::optional<double> max;         // largest accepted number (inclusive unless max_open)
  bool max_open = false;             // true: max itself is not accepted
  std::vector<std::string> choices;  // for strings: the accepted values (empty: any)
  bool non_empty = false;            // for strings: "" is refused
};

inline FieldRule any() { return {}; }
inline FieldRule at_least(double lo) { return FieldRule{lo, std::nullopt, false, {}}; }
inline FieldRule between(double lo, double hi) { return FieldRule{lo, hi, false, {}}; }
// [lo, hi): for probabilities such as dropout that must stay below 1.
inline FieldRule between_open(double lo, double hi) { return FieldRule{lo, hi, true, {}}; }
inline FieldRule one_of(std::vector<std::string> values) {
  return FieldRule{std::nullopt, std::nullopt, false, std::move(values)};
}
inline FieldRule non_empty() { return FieldRule{std::nullopt, std::nullopt, false, {}, true}; }

}  // namespace s2s
