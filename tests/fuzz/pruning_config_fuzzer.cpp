// A pruning config: parsed, then resolved against a mini BERT's parameters (op_names and exclude
// matched, granularities fitted, dependency groups formed).
#include "models/bert_heads.h"
#include "models/bert_sizes.h"
#include "prune/parameter_roles.h"
#include "prune/pruning_resolve.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

const std::vector<pare::PruneParameterInfo>& mini_parameters() {
  static const std::vector<pare::PruneParameterInfo> parameters = [] {
    const pare::BertForSequenceClassification model(pare::named_bert_config("mini", 512));
    return pare::describe_bert_parameters(model);
  }();
  return parameters;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::filesystem::path path = pare::fuzz::write_input("pruning.json", data, size);
  pare::fuzz::read_or_refuse([&] { pare::resolve(pare::PruningConfig::load(path), mini_parameters()); });
  return 0;
}
