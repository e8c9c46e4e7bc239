#pragma once
// The four reserved token ids, the same in every vocabulary (data/Vocab assigns them) and the
// ones the model relies on: padding must never reach the loss, and decoding starts and stops
// on these symbols. Defined here once; data/ owns vocabularies, model/ includes this.
#include <cstdint>

namespace s2s {

constexpr int32_t kPadId = 0;  // <pad>: embedding row fixed at zero, ignored by the loss
constexpr int32_t kUnkId = 1;  // <unk>: out-of-vocabulary tokens (the model does not care)
constexpr int32_t kBosId = 2;  // <s>:   y_0, the first decoder input
constexpr int32_t kEosId = 3;  // </s>:  the last target of every sentence
constexpr int32_t kNumSpecialIds = 4;

}  // namespace s2s
