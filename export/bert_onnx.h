// A BERT model (any shape pare reads or writes: dense, head- and FFN-pruned per layer, a layer with
// no heads or no FFN units left, hidden-pruned) as an ONNX model, opset 17: inputs input_ids,
// attention_mask, token_type_ids (int64 [batch, sequence], both axes dynamic); outputs
// last_hidden_state always, logits for a classification head, start_logits and end_logits for
// question answering. Attention is MatMul/Softmax with
// each layer's own head count, GELU the erf form (opset 17 has no Gelu), LayerNormalization where
// the normalised width is the hidden size and its decomposition where hidden dimensions were removed
// (they count as zeros in the mean and variance, as pare computes it).
//
// An int8 model (`pare quantize`) keeps its integer arithmetic: each int8 layer's input is quantized
// per row as pare does it (Abs, ReduceMax, Round, Cast), multiplied by the int8 weight in MatMulInteger
// (exact s32 sums; the activations as uint8 q + 128 with zero point 128, the form ONNX Runtime runs
// fastest) and scaled back by the weight's per-channel and the row's scale; int8
// embedding rows are gathered and scaled. ONNX's QuantizeLinear cannot express a dynamic per-row
// scale of a [batch, sequence, hidden] tensor at opset 17, hence these plain ops.
#pragma once

#include <onnx/onnx_pb.h>

#include <filesystem>

#include "models/bert.h"

namespace pare {

inline constexpr int kOnnxOpset = 17;

onnx::ModelProto bert_to_onnx(const BertTaskModel& model);

// load_pretrained(model_dir), bert_to_onnx, onnx::checker::check_model with full shape inference,
// then `out` written atomically. `out` that exists is replaced only with `overwrite`.
void export_onnx(const std::filesystem::path& model_dir, const std::filesystem::path& out, bool overwrite);

}  // namespace pare
