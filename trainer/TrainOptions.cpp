#include "trainer/TrainOptions.h"

#include "core/Check.h"

namespace s2s {

void TrainOptions::validate() const {
  S2S_CHECK(max_steps > 0 || max_epochs > 0 || max_minutes > 0,
            "train: no budget set, the run would never end; set train.max_steps, "
            "train.max_epochs or train.max_minutes");
}

}  // namespace s2s
