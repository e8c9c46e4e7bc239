#pragma once
// train.valid_metric: the validation number that picks the best checkpoint and that early
// stopping and the plateau schedule watch. Lower is better for the loss, higher for the
// decoded metrics (they need the validation split decoded).
#include "core/EnumNames.h"

namespace s2s {

S2S_ENUM(ValidMetric, loss, bleu, chrf, exact_match);

// Whether a larger value is an improvement.
constexpr bool higher_is_better(ValidMetric metric) { return metric != ValidMetric::loss; }

// Whether measuring it means decoding the validation split.
constexpr bool needs_decoding(ValidMetric metric) { return metric != ValidMetric::loss; }

}  // namespace s2s
