#include "models/forward_outputs.h"

#include "models/bert_heads.h"  // BertForQuestionAnswering
#include "runtime/autograd.h"   // NoGradGuard
#include "runtime/parameter_cache.h"

namespace pare {

NamedTensors named_forward_outputs(BertTaskModel& model, const StateDict& inputs, const std::string& source) {
  for (const auto& [name, t] : inputs) {
    PARE_CHECK(name == "input_ids" || name == "attention_mask" || name == "token_type_ids", source,
               ": unexpected tensor \"", name, "\" (inputs are input_ids, attention_mask, token_type_ids)");
  }
  auto get = [&](const char* name) {
    auto it = inputs.find(name);
    return it == inputs.end() ? Tensor() : it->second;
  };
  PARE_CHECK(inputs.count("input_ids"), source, ": no tensor \"input_ids\"");
  BertInputs batch{get("input_ids"), get("attention_mask"), get("token_type_ids")};
  NoGradGuard no_grad;
  // Weights packed as every inference path packs them (pare eval, bench, libpare), so that the
  // outputs are the bits those give for the same inputs.
  const ParameterCache weights(model.parameters());
  const bool training = model.is_training();
  model.eval();
  BertOutputs out;
  try {
    out = model.forward(batch);
  } catch (const Error& e) {
    model.train(training);
    throw Error(source + ": " + e.what());
  }
  model.train(training);
  NamedTensors named{{"last_hidden_state", out.last_hidden_state}};
  if (out.pooler_output.defined()) named.emplace_back("pooler_output", out.pooler_output);
  if (out.logits.defined() && model.task() == BertTask::question_answering) {
    // HF's names for the two outputs of a question-answering head.
    named.emplace_back("start_logits", BertForQuestionAnswering::start_logits(out.logits));
    named.emplace_back("end_logits", BertForQuestionAnswering::end_logits(out.logits));
  } else if (out.logits.defined()) {
    named.emplace_back("logits", out.logits);
  }
  for (std::size_t i = 0; i < out.hidden_states.size(); ++i) {
    named.emplace_back("hidden_states." + std::to_string(i), out.hidden_states[i]);
  }
  return named;
}

}  // namespace pare
