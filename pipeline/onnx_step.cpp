#include "pipeline/onnx_step.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>

#include "data/batching.h"  // collate
#include "data/tokenize.h"
#include "models/checkpoint.h"  // load_pretrained
#include "pipeline/child_program.h"
#include "runtime/autograd.h"  // NoGradGuard
#include "runtime/error.h"
#include "runtime/io/temporary_directory.h"

namespace pare {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// pare-onnx-export, built beside pare when libonnx is found (export/CMakeLists.txt); null without it.
#ifdef PARE_ONNX_EXPORTER
constexpr const char* kExporter = PARE_ONNX_EXPORTER;
#else
constexpr const char* kExporter = nullptr;
#endif

// The batch ONNX Runtime and pare both run: up to `count` dev examples spread over the split,
// tokenized with the model's tokenizer and padded to the longest.
Batch check_batch(const OnnxStepOptions& o) {
  const TaskInfo task = task_info(o.data);
  const std::vector<TextExample> text = evenly_spaced(read_task_split(o.data, Split::dev), o.sequences);
  PARE_CHECK(!text.empty(), "ONNX check: the dev split has no examples");
  const std::unique_ptr<Tokenizer> tokenizer = load_tokenizer(o.model_dir);
  const std::vector<TokenizedExample> examples =
      tokenize_examples(*tokenizer, task, text, {o.seq, Truncation::longest_first});
  std::vector<std::size_t> indices(examples.size());
  std::iota(indices.begin(), indices.end(), std::size_t{0});
  return collate(examples, indices, task.kind, tokenizer->pad_id());
}

json int64_tensor_json(const Tensor& t) {
  const Tensor host = t.to(Device::cpu()).contiguous();
  return {{"dims", host.shape()},
          {"data", std::vector<std::int64_t>(host.data<std::int64_t>(), host.data<std::int64_t>() + host.numel())}};
}

// Largest |a - b| of ONNX Runtime's output `got` (JSON) against pare's `want`; infinity on a shape
// mismatch or a NaN.
double max_abs_difference(const json& got, const Tensor& want) {
  const Tensor host = want.to(Device::cpu()).contiguous();
  if (got.at("dims").get<Shape>() != host.shape()) return INFINITY;
  const std::vector<float> values = got.at("data").get<std::vector<float>>();
  double most = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double d = std::fabs(static_cast<double>(values[i]) - host.data<float>()[i]);
    if (!(d <= most)) most = std::isnan(d) ? INFINITY : d;
  }
  return most;
}

// ONNX Runtime's verdict on `onnx` against pare's outputs on the check batch.
json check_with_onnxruntime(const OnnxStepOptions& o, const fs::path& onnx) {
  const Batch batch = check_batch(o);
  LoadedBert loaded = load_pretrained(o.model_dir);
  loaded.model->eval();
  BertOutputs want;
  {
    const NoGradGuard no_grad;
    want = loaded.model->forward({batch.input_ids, batch.attention_mask, batch.token_type_ids});
  }
  const TemporaryDirectory scratch(o.out.parent_path(), ".onnx-check");
  const json inputs = {{"input_ids", int64_tensor_json(batch.input_ids)},
                       {"attention_mask", int64_tensor_json(batch.attention_mask)},
                       {"token_type_ids", int64_tensor_json(batch.token_type_ids)}};
  std::ofstream(scratch.path() / "inputs.json") << inputs.dump();
  const ChildProgramResult run =
      run_child_program("node", {PARE_ONNXRUNTIME_SCRIPT, onnx.string(), (scratch.path() / "inputs.json").string(),
                                 (scratch.path() / "outputs.json").string()});
  if (!run.started) return {{"not_run", "Node.js is not installed (apt-get install nodejs npm)"}};
  if (run.status == 3) return {{"not_run", "onnxruntime-node is not installed (scripts/fetch-onnxruntime.sh)"}};
  PARE_CHECK(run.status == 0, "ONNX Runtime failed on ", onnx.string(), " (a defect in pare's export): ", run.output);
  std::ifstream in(scratch.path() / "outputs.json");
  const json result = json::parse(in);
  const json& outputs = result.at("outputs");
  double difference = max_abs_difference(outputs.at("last_hidden_state"), want.last_hidden_state);
  if (want.logits.defined()) difference = std::max(difference, max_abs_difference(outputs.at("logits"), want.logits));
  const std::vector<std::int64_t> mask = batch.attention_mask.to_vector<std::int64_t>();
  const std::int64_t tokens = std::accumulate(mask.begin(), mask.end(), std::int64_t{0});
  return {{"version", result.at("onnxruntime")},
          {"sequences", batch.input_ids.shape()[0]},
          {"tokens", tokens},
          {"max_abs_difference", std::isfinite(difference) ? json(difference) : json(nullptr)},
          {"matched", difference <= kOnnxRuntimeTolerance}};
}

}  // namespace

bool onnx_export_available() { return kExporter != nullptr; }

json export_and_check_onnx(const OnnxStepOptions& o) {
  PARE_CHECK(onnx_export_available(),
             "pare was built without libonnx: no ONNX export (apt-get install libonnx-dev, then rebuild)");
  const ChildProgramResult exported =
      run_child_program(kExporter, {o.model_dir.string(), o.out.string(), "--overwrite"});
  PARE_CHECK(exported.started && exported.status == 0, "ONNX export of ", o.model_dir.string(),
             " failed: ", exported.output);
  json out = {{"bytes", static_cast<std::int64_t>(fs::file_size(o.out))}};
  out["onnxruntime"] = check_with_onnxruntime(o, o.out);
  return out;
}

}  // namespace pare
