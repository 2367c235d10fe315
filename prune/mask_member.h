// MaskMember: one parameter under a pruning mask, as the pruner and its scorers see it.
#pragma once

#include <cstddef>
#include <memory>

#include "prune/mask_layout.h"      // MaskLayout
#include "prune/pruning_resolve.h"  // ResolvedParameter
#include "runtime/tensor.h"

namespace pare {

struct MaskMember {
  ResolvedParameter parameter;
  std::size_t group_index = 0;  // the config group the parameter comes from
  std::shared_ptr<const MaskLayout> layout;
  Tensor weight;    // the model's parameter, known from Pruner::on_train_begin
  Tensor expanded;  // layout->expand(mask): what the forward multiplies the weight by
};

}  // namespace pare
