#include "model/DecoderState.h"

#include "core/Check.h"

namespace s2s {

DecoderState DecoderState::index_select(const torch::Tensor& indices) const {
  S2S_CHECK(hidden.defined(), "DecoderState::index_select on an empty DecoderState");
  S2S_CHECK(indices.dim() == 1 && indices.scalar_type() == torch::kLong,
            "DecoderState::index_select needs a 1-D int64 tensor of row indices, got a {}-D {} "
            "tensor",
            indices.dim(), c10::toString(indices.scalar_type()));
  const auto idx = indices.to(hidden.device());  // (B')
  DecoderState out;
  out.hidden = hidden.index_select(1, idx);
  if (cell.defined()) out.cell = cell.index_select(1, idx);
  return out;
}

}  // namespace s2s
