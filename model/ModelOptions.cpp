#include "model/ModelOptions.h"

#include <algorithm>
#include <string>
#include <type_traits>

#include <fmt/ranges.h>

#include "core/Check.h"

namespace s2s {
namespace {

// Checks one key against the FieldRule that fields() declares for it, so that the rules
// live in one place whether the options come from YAML or from code.
struct RuleChecker {
  template <class T>
  void operator()(const char* key, T& value, const char* /*doc*/, const FieldRule& rule) const {
    if constexpr (std::is_same_v<T, std::string>) {
      if (!rule.choices.empty()) {
        const bool ok = std::find(rule.choices.begin(), rule.choices.end(), value) !=
                        rule.choices.end();
        if (!ok) {
          std::string allowed;
          for (const auto& choice : rule.choices) allowed += (allowed.empty() ? "'" : ", '") + choice + "'";
          S2S_FAIL("model.{} is '{}': use one of {}", key, value, allowed);
        }
      }
    } else if constexpr (std::is_enum_v<T>) {
      S2S_CHECK(!name_of(value).empty(), "model.{} is not one of {}", key, fmt::join(enum_words<T>(), ", "));
    } else if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
      const double x = static_cast<double>(value);
      if (rule.min) {
        S2S_CHECK(x >= *rule.min, "model.{} is {}: it must be at least {}", key, value, *rule.min);
      }
      if (rule.max) {
        if (rule.max_open) {
          S2S_CHECK(x < *rule.max, "model.{} is {}: it must be below {}", key, value, *rule.max);
        } else {
          S2S_CHECK(x <= *rule.max, "model.{} is {}: it must be at most {}", key, value, *rule.max);
        }
      }
    }
  }
};

}  // namespace

void ModelOptions::validate() const {
  ModelOptions copy = *this;  // fields() is non-const because loaders write through it
  RuleChecker checker;
  copy.fields(checker);

  // The output projection reuses the (tgt_vocab, embed_dim) embedding matrix, so the vector
  // it projects must have embed_dim entries.
  S2S_CHECK(!tie_embeddings || readout_dim == embed_dim,
            "model.tie_embeddings is true but model.readout_dim ({}) differs from "
            "model.embed_dim ({}): set them equal or turn tying off",
            readout_dim, embed_dim);
}

}  // namespace s2s
