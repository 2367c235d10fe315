// What `pare forward` reads and writes: a model's outputs by name for inputs by name, in the form
// users compare against other implementations.
#pragma once

#include "models/bert.h"
#include "runtime/named_tensors.h"  // NamedTensors, StateDict

namespace pare {

// inputs: "input_ids" and optionally "attention_mask" and "token_type_ids" (int64 or int32
// [batch, seq]); other names throw. Returns, without recording gradients and in eval mode,
// "last_hidden_state", "pooler_output" (when the model has a pooler), "logits" (when it has a
// classification or masked-LM head; "start_logits" and "end_logits" [batch, seq] for question
// answering) and "hidden_states.N" for N = 0 (embeddings output) .. num_layers.
NamedTensors named_forward_outputs(BertTaskModel& model, const StateDict& inputs, const std::string& source);

}  // namespace pare
