#pragma once
// The reserved token ids the model relies on. data/ owns the vocabulary: data/Vocab must
// assign exactly these ids, or padding leaks into the loss and decoding starts and stops on
// the wrong symbols.
#include <cstdint>

namespace s2s {

constexpr int64_t kPadId = 0;  // <pad>: embedding row fixed at zero, ignored by the loss
constexpr int64_t kUnkId = 1;  // <unk>: out-of-vocabulary tokens (the model does not care)
constexpr int64_t kBosId = 2;  // <s>:   y_0, the first decoder input
constexpr int64_t kEosId = 3;  // </s>:  the last target of every sentence

}  // namespace s2s
