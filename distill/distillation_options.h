// DistillationOptions: the weights, temperature and layer mapping of a DistillationHook. The task
// loss's weight is the trainer's (TrainerOptions::task_loss_weight): NNI trains on 0.1 task + 0.9
// prediction distillation, CoFi on distillation alone (task weight 0).
#pragma once

#include <cstdint>

#include "distill/layer_mapping.h"
#include "runtime/device.h"

namespace pare {

struct DistillationOptions {
  double temperature = 2.0;    // of the prediction-layer KL
  double logit_weight = 1.0;   // prediction-layer distillation; 0 leaves it out
  double hidden_weight = 1.0;  // layer-wise hidden-state MSE, summed over mapped layers; 0 leaves it out
  LayerMapOptions layer_map;
  // Train the hidden-state projection also when the widths agree, starting from the identity
  // (CoFi's layer transformation); otherwise equal widths compare states directly.
  bool learned_projection = false;
  std::uint64_t seed = 0;  // initial weights of a projection between different hidden widths
  // The student's device: the teacher and the projection are put there.
  Device device = Device::cpu();

  // Throws naming the field and value at fault (negative or non-finite weights, a temperature
  // outside runtime/ops/loss.h's [kMinKlTemperature, kMaxKlTemperature], no term).
  void validate() const;
};

}  // namespace pare
