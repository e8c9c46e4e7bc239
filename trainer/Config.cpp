#include "model/ModelOptions.h"
