#include "model/ModelOptions.h"
#include <torch/torch.h>
