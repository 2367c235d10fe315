// What the fused attention forward (kernels/cuda/fused_attention.cu) saves of each query row's
// softmax for the backward: the row's largest score m and log l, l = sum_s exp(s - m), kept apart.
// Their sum, the log-sum-exp, cannot be saved instead: in a row whose keys are all masked every score
// is the most negative float, and m + log l rounds back to m (one float step there is 2^104), so
// exp(s - lse) would be 1 instead of 1 / S and every gradient of the row S times too large.
// Host and device share this definition so that the CPU tests check the formula the kernels use.
#pragma once

#include <cmath>

#include "kernels/host_device.h"

namespace pare::kernels::cuda {

// Floats saved per query row: m, then log l.
constexpr int kAttentionRowStateFloats = 2;

// The softmax probability of a score of the row from its saved state: exp((s - m) - log l).
PARE_HOST_DEVICE inline float probability_from_row_state(float score, float row_max, float row_log_sum) {
  return expf((score - row_max) - row_log_sum);
}

}  // namespace pare::kernels::cuda
