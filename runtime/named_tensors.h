// NamedTensors and StateDict: tensors that travel by name (module parameters, optimizer state,
// checkpoint contents).
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "runtime/tensor.h"

namespace pare {

// In a meaningful order (registration order for a module's parameters).
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;
// Looked up by name, as checkpoints are written and read.
using StateDict = std::map<std::string, Tensor>;

}  // namespace pare
