// The pipeline's stages on every device present against the same stages on the CPU: fine-tuning,
// pruning heads by movement with a distilling teacher, pruning FFN units by Taylor, surgery and
// distillation of the compacted student. On the host-guarded device every file written must equal
// the CPU run's byte for byte, and a training step may read the host only a few times.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "distill/distill_task.h"
#include "distill/distillation_hook.h"
#include "models/checkpoint.h"
#include "prune/masks.h"
#include "prune/prune_task.h"
#include "prune/speedup.h"
#include "tests/devices.h"
#include "tests/test_support.h"  // ScratchDir
#include "tests/tiny_training.h"
#include "train/finetune.h"

namespace pare {
namespace {

namespace fs = std::filesystem;

const fs::path kData = fs::path(PARE_TEST_DATA_DIR);

std::string file_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The train records of metrics.jsonl without what depends on the clock or the device.
std::vector<nlohmann::json> train_records(const fs::path& dir) {
  std::ifstream in(dir / "metrics.jsonl");
  std::vector<nlohmann::json> records;
  for (std::string line; std::getline(in, line);) {
    nlohmann::json record = nlohmann::json::parse(line);
    record.erase("seq_per_s");
    record.erase("host_reads_per_step");
    records.push_back(std::move(record));
  }
  return records;
}

double max_host_reads_per_step(const fs::path& dir) {
  std::ifstream in(dir / "metrics.jsonl");
  double most = 0.0;
  for (std::string line; std::getline(in, line);) {
    const nlohmann::json record = nlohmann::json::parse(line);
    if (record.contains("host_reads_per_step")) most = std::max(most, record["host_reads_per_step"].get<double>());
  }
  return most;
}

FinetuneOptions finetuning(const fs::path& model_dir, const fs::path& out, Device device, std::int64_t steps) {
  FinetuneOptions o;
  o.model_dir = model_dir;
  o.data.task = "brown-pos";
  o.data.brown_dir = kData / "brown" / "corpus";
  o.max_length = 32;
  o.max_train_examples = 40;
  o.max_eval_examples = 16;
  o.trainer = testing::tiny_trainer_options(out, steps);
  o.trainer.device = device;
  return o;
}

PruneTaskOptions pruning(const fs::path& model_dir, const fs::path& teacher_dir, const fs::path& out, Device device,
                         const nlohmann::json& config) {
  PruneTaskOptions o;
  o.finetune = finetuning(model_dir, out, device, 4);
  o.config = PruningConfig::from_json(config);
  DistillationOptions distillation;
  distillation.device = device;
  std::shared_ptr<DistillationHook> distiller =
      make_distillation_hook(teacher_dir, BertConfig::load(model_dir), distillation);
  o.more_hooks = [distiller](BertTaskModel&, const std::shared_ptr<const Pruner>& pruner) {
    distiller->set_attention_source([pruner] { return pruner->layers_with_attention(); });
    return std::vector<std::shared_ptr<TrainingHook>>{distiller};
  };
  o.finetune.trainer.task_loss_weight = 0.1;
  return o;
}

const nlohmann::json kHeadsByMovement =
    nlohmann::json::array({{{"op_names",
                             {"bert\\.encoder\\.layer\\.[0-9]+\\.attention\\.self\\.(query|key|value)\\.weight",
                              "bert\\.encoder\\.layer\\.[0-9]+\\.attention\\.output\\.dense\\.weight"}},
                            {"scorer", "movement"},
                            {"sparse_ratio", 0.5},
                            {"granularity", "head"},
                            {"ranking", "per_layer"},
                            {"dependency_group", "heads_{layer}"},
                            {"warmup_steps", 1}}});

nlohmann::json units_by_taylor(const char* weights, const char* granularity) {
  return {{"op_names", {weights}},      {"scorer", "taylor"},     {"sparse_ratio", 0.5},
          {"granularity", granularity}, {"ranking", "per_layer"}, {"dependency_group", "ffn_{layer}"},
          {"interval_steps", 1},        {"total_times", 2}};
}

const nlohmann::json kUnitsByTaylor = nlohmann::json::array(
    {units_by_taylor("bert\\.encoder\\.layer\\.[0-9]+\\.intermediate\\.dense\\.(weight|bias)", "out_channel"),
     units_by_taylor("bert\\.encoder\\.layer\\.[0-9]+\\.output\\.dense\\.weight", "in_channel")});

class DevicePipeline : public ::testing::TestWithParam<Device> {};

TEST_P(DevicePipeline, EveryStageWritesWhatTheCpuWrites) {
  const Device device = GetParam();
  testing::ScratchDir root;
  const fs::path base = testing::tiny_model_dir(root.path());
  struct Run {
    fs::path teacher, heads, units, compact, distilled;
  };
  auto run = [&](Device d) {
    const fs::path dir = root.path() / d.str();
    Run r{dir / "teacher", dir / "heads", dir / "units", dir / "compact", dir / "distilled"};
    finetune(finetuning(base, r.teacher, d, 4));
    const fs::path teacher = r.teacher / "best";
    const PruneTaskResult heads = prune_on_task(pruning(teacher, teacher, r.heads, d, kHeadsByMovement));
    const PruneTaskResult units = prune_on_task(pruning(heads.model_dir, teacher, r.units, d, kUnitsByTaylor));
    {
      LoadedBert masked = load_pretrained(units.model_dir);
      masked.model->to(d);
      save_pretrained(*speedup(*masked.model, load_masks(units.masks_file)), r.compact);
      for (const char* file : {"vocab.txt", "labels.txt"}) fs::copy_file(units.model_dir / file, r.compact / file);
    }
    DistillTaskOptions distill;
    distill.teacher_dir = teacher;
    distill.finetune = finetuning(r.compact, r.distilled, d, 3);
    distill.distillation.device = d;
    distill_task(distill);
    return r;
  };
  const Run want = run(Device::cpu());
  const Run got = run(device);
  if (!device.is_guarded()) {
    // A CUDA device sums in another order: the stages must train alike, not bit for bit.
    for (const fs::path& stage : {got.teacher, got.heads, got.units, got.distilled}) {
      const std::vector<nlohmann::json> cpu = train_records(root.path() / "cpu" / stage.filename()),
                                        dev = train_records(stage);
      ASSERT_EQ(cpu.size(), dev.size()) << stage;
      for (std::size_t i = 0; i < cpu.size(); ++i) {
        if (!cpu[i].contains("loss") || cpu[i]["type"] != "train") continue;
        EXPECT_NEAR(dev[i]["loss"].get<double>(), cpu[i]["loss"].get<double>(), 1e-3) << stage << " record " << i;
      }
    }
    return;
  }
  const std::pair<fs::path, fs::path> files[] = {
      {want.teacher / "best" / "model.safetensors", got.teacher / "best" / "model.safetensors"},
      {want.heads / "masks.safetensors", got.heads / "masks.safetensors"},
      {want.heads / "model" / "model.safetensors", got.heads / "model" / "model.safetensors"},
      {want.units / "masks.safetensors", got.units / "masks.safetensors"},
      {want.units / "checkpoint" / "hook_tensors.safetensors", got.units / "checkpoint" / "hook_tensors.safetensors"},
      {want.compact / "model.safetensors", got.compact / "model.safetensors"},
      {want.distilled / "best" / "model.safetensors", got.distilled / "best" / "model.safetensors"},
  };
  for (const auto& [cpu_file, device_file] : files) {
    ASSERT_TRUE(fs::is_regular_file(cpu_file)) << cpu_file;
    EXPECT_TRUE(file_bytes(cpu_file) == file_bytes(device_file)) << device_file << " differs from " << cpu_file;
  }
  for (const fs::path& stage : {got.teacher, got.heads, got.units, got.distilled}) {
    const fs::path cpu_stage = root.path() / "cpu" / stage.filename();
    EXPECT_EQ(train_records(stage), train_records(cpu_stage)) << stage;
  }
  // Fine-tuning reads the loss and the gradient norm; distillation adds its layer distances, and
  // pruning heads adds which layers still have attention (recomputed whenever the masks may change).
  EXPECT_EQ(max_host_reads_per_step(got.teacher), 2.0);
  EXPECT_LE(max_host_reads_per_step(got.heads), 4.0);
  EXPECT_LE(max_host_reads_per_step(got.distilled), 3.0);
  EXPECT_EQ(max_host_reads_per_step(root.path() / "cpu" / "teacher"), 0.0);
}

INSTANTIATE_TEST_SUITE_P(Devices, DevicePipeline, ::testing::ValuesIn(testing::non_cpu_test_devices()),
                         testing::device_test_name);

}  // namespace
}  // namespace pare
