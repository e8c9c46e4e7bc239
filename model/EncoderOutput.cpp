#include "model/EncoderOutput.h"

#include "core/Check.h"

namespace s2s {

EncoderOutput EncoderOutput::index_select(const torch::Tensor& indices) const {
  S2S_CHECK(annotations.defined(), "EncoderOutput::index_select on an empty EncoderOutput");
  S2S_CHECK(indices.dim() == 1 && indices.scalar_type() == torch::kLong,
            "EncoderOutput::index_select needs a 1-D int64 tensor of row indices, got a {}-D {} "
            "tensor",
            indices.dim(), c10::toString(indices.scalar_type()));
  const auto idx = indices.to(annotations.device());  // (B')
  return EncoderOutput{annotations.index_select(0, idx), keys.index_select(0, idx),
                       mask.index_select(0, idx), lengths.index_select(0, idx)};
}

}  // namespace s2s
