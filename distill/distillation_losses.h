// The loss terms of distillation, built from runtime ops so gradients reach the student (and a
// hidden-state projection). Padding positions are left out of every per-token term: dynamic padding
// makes their number depend on the batch, and no head reads them.
#pragma once

#include "runtime/tensor.h"

namespace pare {

enum class PredictionLossKind { kl_divergence, mse };

// Prediction-layer distillation of student logits against the teacher's (same shape):
//   kl_divergence  KL(softmax(t / T) || softmax(s / T)) * T^2, averaged over rows
//                  (runtime/ops/loss.h's kl_div_with_temperature);
//   mse            mean((s - t)^2), for regression heads (the temperature is not used).
// Logits [B, C] are one row per sequence; logits [B, T, C] (token heads) one row per token whose
// attention_mask entry is non-zero (attention_mask [B, T] i64/i32, or undefined for all tokens).
// Question answering's prediction-layer term: logits [B, T, 2] are a start and an end distribution
// over each sequence's tokens, so KL(teacher || student) at temperature T (x T^2) is taken over the
// tokens of each sequence for the start and for the end, padding left out (attention_mask [B, T],
// or undefined for all tokens), and the two averaged, as QA distillation in the movement-pruning and
// CoFi papers does. Averaged over sequences.
Tensor answer_span_distillation_loss(const Tensor& student_logits, const Tensor& teacher_logits,
                                     const Tensor& attention_mask, double temperature);

Tensor prediction_distillation_loss(const Tensor& student_logits, const Tensor& teacher_logits,
                                    const Tensor& attention_mask, PredictionLossKind kind, double temperature);

// Mean squared difference of hidden states [B, T, H] over the tokens whose attention_mask entry is
// non-zero and all H features: sum(mask * (s - t)^2) / (tokens * H). An undefined mask counts every
// token. The student's states must already have the teacher's width (see HiddenProjection).
Tensor hidden_state_mse(const Tensor& student, const Tensor& teacher, const Tensor& attention_mask);

}  // namespace pare
