// `pare run` end to end (pipeline/pipeline_run.h) on the quick recipe: the report holds every field
// and states what the final model really scores and weighs; a run killed with SIGKILL in the middle
// of a pruning stage resumes to the same metrics and sizes as an uninterrupted one; a run directory
// of other options, or a folder that is not a run, is refused untouched; the user's TSV, CSV and
// JSONL sets run through the same flow. Needs the Brown corpus (scripts/setup.sh fetches it).
#include "pipeline/pipeline_run.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <omp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "models/bert_config.h"
#include "models/checkpoint.h"
#include "pipeline/onnx_step.h"  // onnx_export_available
#include "tests/test_support.h"
#include "train/finetune.h"
#include "train/run_lock.h"

namespace pare {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kBrown = PARE_BROWN_DIR;

PipelineOptions quick_options(const fs::path& out) {
  PipelineOptions o;
  o.recipe = shipped_recipe("quick");
  o.data.task = "brown-order";
  o.data.brown_dir = kBrown;
  o.out = out;
  o.max_train = 2000;
  o.max_eval = 300;
  o.latency_steps = 2;
  o.throughput_steps = 1;
  o.progress = nullptr;
  return o;
}

json read_json(const fs::path& file) {
  std::ifstream in(file);
  return json::parse(in);
}

// What must not change when a run is interrupted and resumed: metrics, sizes and masks, not speed.
json result_of(const json& report) {
  json out = json::array();
  for (const json& s : report.at("stages")) {
    out.push_back({s.at("name"), s.at("dev"), s.at("test"), s.at("parameters"), s.at("layers"),
                   s.value("masked_fraction", -1.0)});
  }
  // The same final model gives the same ONNX file and the same check.
  if (report.contains("onnx")) out.push_back({report.at("onnx").at("bytes"), report.at("onnx").at("onnxruntime")});
  return out;
}

int run_binary(const std::vector<std::string>& args, pid_t* child = nullptr) {
  const pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv;
    std::string binary = PARE_BINARY;
    argv.push_back(binary.data());
    std::vector<std::string> copy = args;
    for (std::string& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int null = ::open("/dev/null", O_WRONLY);
    dup2(null, STDERR_FILENO);
    dup2(null, STDOUT_FILENO);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  if (child != nullptr) {
    *child = pid;
    return 0;
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

class PipelineRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kBrown / "cats.txt")) GTEST_SKIP() << "no Brown corpus in " << kBrown << " (scripts/setup.sh)";
  }
};

TEST_F(PipelineRunTest, QuickRunReportsWhatTheFinalModelIs) {
  const testing::ScratchDir dir;
  const PipelineOptions o = quick_options(dir.path() / "run");
  const PipelineResult result = run_pipeline(o, false);
  ASSERT_FALSE(result.interrupted);
  const json report = read_json(o.out / "report.json");
  EXPECT_EQ(report, result.report);
  EXPECT_TRUE(fs::exists(o.out / "report.md"));
  EXPECT_EQ(report.at("metric"), "accuracy");
  EXPECT_TRUE(report.at("trivial").at("dev").contains("accuracy"));
  EXPECT_TRUE(report.at("trivial").at("test").contains("accuracy"));
  ASSERT_EQ(report.at("stages").size(), 5u);  // teacher, attention removed, heads, ffn, hidden
  for (const json& s : report.at("stages")) {
    SCOPED_TRACE(s.at("name").get<std::string>());
    for (const char* key :
         {"dev", "test", "parameters", "sparsity", "flops_per_token", "latency_b1_ms", "throughput_b32", "wall_s",
          "layers", "hidden_size", "metric_of_teacher", "throughput_speedup"}) {
      EXPECT_TRUE(s.contains(key)) << key;
    }
    for (const char* part : {"embeddings", "encoder", "pooler", "head", "total"}) {
      EXPECT_TRUE(s.at("parameters").contains(part)) << part;
      EXPECT_TRUE(s.at("sparsity").contains(part)) << part;
    }
    EXPECT_GT(s.at("latency_b1_ms").get<double>(), 0.0);
    EXPECT_GT(s.at("throughput_b32").get<double>(), 0.0);
    // Each speed at the faster of one thread and all (pipeline/stage_measurement.cpp).
    for (const char* key : {"latency_b1_threads", "throughput_b32_threads"}) {
      ASSERT_TRUE(s.contains(key)) << key;
      const int threads = s.at(key).get<int>();
      EXPECT_TRUE(threads == 1 || threads == omp_get_max_threads()) << key << " " << threads;
    }
  }
  for (const json& figure : report.at("figures")) {
    const std::string svg = testing::read_bytes(o.out / figure.get<std::string>());
    EXPECT_EQ(svg.rfind("<svg", 0), 0u) << figure;
  }

  // The final model loads, holds the parameters the report counts, and scores what it states.
  const json& last = report.at("stages").back();
  EXPECT_EQ(last.at("name"), "hidden");
  const fs::path final_model = o.out / last.at("model").get<std::string>();
  LoadedBert loaded = load_pretrained(final_model);
  EXPECT_TRUE(loaded.report.initialised.empty());
  std::int64_t parameters = 0;
  for (const auto& [name, p] : loaded.model->named_parameters()) parameters += p.numel();
  EXPECT_EQ(parameters, last.at("parameters").at("total").get<std::int64_t>());
  EXPECT_LT(BertConfig::load(final_model).hidden_size, BertConfig::load(o.out / "teacher" / "best").hidden_size);
  EvaluateOptions eval;
  eval.model_dir = final_model;
  eval.data = o.data;
  eval.max_length = o.recipe.seq;
  eval.max_examples = o.max_eval;
  eval.batch_size = o.recipe.eval_batch;
  for (const MetricValue& m : evaluate_model(eval)) {
    EXPECT_DOUBLE_EQ(m.value, last.at("dev").at(m.name).get<double>()) << m.name;
  }

  // The int8 stage: the final model quantized, scoring what the report states, compared with it.
  const json& int8 = report.at("int8");
  EXPECT_EQ(int8.at("f32_dir"), last.at("dir"));
  EXPECT_EQ(BertConfig::load(o.out / int8.at("model").get<std::string>()).quantization.has_value(), true);
  EXPECT_NEAR(int8.at("size_vs_f32").get<double>(),
              static_cast<double>(int8.at("weight_bytes").get<std::int64_t>()) /
                  static_cast<double>(int8.at("f32_weight_bytes").get<std::int64_t>()),
              1e-12);
  EXPECT_LT(int8.at("size_vs_f32").get<double>(), 0.5);
  EXPECT_NEAR(int8.at("latency_speedup_vs_f32").get<double>(),
              last.at("latency_b1_ms").get<double>() / int8.at("latency_b1_ms").get<double>(), 1e-9);
  eval.model_dir = o.out / int8.at("model").get<std::string>();
  for (const MetricValue& m : evaluate_model(eval)) {
    EXPECT_DOUBLE_EQ(m.value, int8.at("dev").at(m.name).get<double>()) << m.name;
  }
  const std::string markdown = testing::read_bytes(o.out / "report.md");
  EXPECT_NE(markdown.find("| int8 | "), std::string::npos);
  EXPECT_NE(markdown.find("int8 (the hidden model quantized"), std::string::npos);

  // The onnx step: the final f32 model as ONNX, checked by ONNX Runtime where Node.js is installed
  // (tests/onnx_export_test.cpp checks the export itself on every kind of model).
  if (onnx_export_available()) {
    const json& onnx = report.at("onnx");
    EXPECT_EQ(onnx.at("from"), last.at("model"));
    EXPECT_EQ(onnx.at("model"), "onnx/final.onnx");
    EXPECT_EQ(fs::file_size(o.out / "onnx" / "final.onnx"), onnx.at("bytes").get<std::uintmax_t>());
    const json& ort = onnx.at("onnxruntime");
    if (std::system("node --version > /dev/null 2>&1") == 0) {
      ASSERT_FALSE(ort.contains("not_run")) << ort.dump() << " (scripts/fetch-onnxruntime.sh)";
      EXPECT_TRUE(ort.at("matched").get<bool>()) << ort.dump();
      EXPECT_LE(ort.at("max_abs_difference").get<double>(), kOnnxRuntimeTolerance);
      EXPECT_EQ(ort.at("sequences").get<int>(), 8);
      EXPECT_NE(markdown.find("ONNX: onnx/final.onnx"), std::string::npos);
      EXPECT_NE(markdown.find("outputs matched pare's within 1e-4"), std::string::npos);
    }
  } else {
    EXPECT_FALSE(report.contains("onnx"));
  }

  // The same directory is never run into again, and another folder is not written into.
  const std::string record = testing::read_bytes(o.out / "run.json");
  EXPECT_NE(testing::error_of([&] { run_pipeline(o, false); }).find("already holds a pare run"), std::string::npos);
  PipelineOptions other = o;
  other.seed = 43;
  other.recipe.stages[0].train.lr = 1e-3;
  const std::string refusal = testing::error_of([&] { run_pipeline(other, true); });
  EXPECT_NE(refusal.find("seed: the run has 42, this command asks 43"), std::string::npos) << refusal;
  EXPECT_NE(refusal.find("recipe.stages"), std::string::npos) << refusal;
  EXPECT_EQ(testing::read_bytes(o.out / "run.json"), record);
  EXPECT_EQ(read_json(o.out / "report.json"), report);
  {
    // Another process at work on the run: its resume is refused, naming the holder.
    const RunLock held = RunLock::acquire(o.out, "a test");
    const std::string busy = testing::error_of([&] { run_pipeline(o, true); });
    EXPECT_NE(busy.find("is in use by another pare process (pid " + std::to_string(::getpid())), std::string::npos)
        << busy;
    EXPECT_NE(busy.find("running a test"), std::string::npos) << busy;
  }
  EXPECT_FALSE(fs::exists(o.out / RunLock::kFileName));
  fs::create_directories(dir.path() / "mine");
  testing::write_bytes(dir.path() / "mine" / "notes.txt", "keep me");
  EXPECT_NE(
      testing::error_of([&] { run_pipeline(quick_options(dir.path() / "mine"), false); }).find("is not a pare run"),
      std::string::npos);
  EXPECT_EQ(testing::read_bytes(dir.path() / "mine" / "notes.txt"), "keep me");

  // A sweep of the attention stage from the fine-tuned teacher: a stronger regulariser removes more.
  PipelineOptions sweep = quick_options(dir.path() / "sweep");
  sweep.model_dir = o.out / "teacher" / "best";
  sweep.finetuned = true;
  sweep.sweep_regular_scales = {1, 1000};
  sweep.recipe.stages[0].score_lr = 0.5;  // scores that can cross the threshold in the quick run's 30 steps
  ASSERT_FALSE(run_pipeline(sweep, false).interrupted);
  const json sweep_report = read_json(sweep.out / "report.json");
  ASSERT_EQ(sweep_report.at("sweep").size(), 2u);
  EXPECT_EQ(sweep_report.at("sweep")[1].at("name"), "regular_scale 1000");
  EXPECT_LE(sweep_report.at("sweep")[0].at("sparsity").at("encoder").get<double>(),
            sweep_report.at("sweep")[1].at("sparsity").at("encoder").get<double>());
  EXPECT_GT(sweep_report.at("sweep")[1].at("masked_fraction").get<double>(), 0.0);

  // The user's own files, in each format, through the same flow from the pretrained model.
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"a fine warm happy day", "good"}, {"a cold grim sad night", "bad"}, {"happy and warm news", "good"},
      {"grim cold news today", "bad"},   {"fine happy people", "good"},    {"sad grim people", "bad"}};
  for (const std::string format : {"tsv", "csv", "jsonl"}) {
    SCOPED_TRACE(format);
    const fs::path data = dir.path() / ("data-" + format);
    fs::create_directories(data);
    for (const char* split : {"train", "dev", "test"}) {
      std::string text = format == "tsv" ? "sentence\tlabel\n" : format == "csv" ? "sentence,label\n" : "";
      for (int copy = 0; copy < (std::string(split) == "train" ? 20 : 4); ++copy) {
        for (const auto& [sentence, label] : rows) {
          if (format == "tsv") text += sentence + "\t" + label + "\n";
          if (format == "csv") text += "\"" + sentence + "\"," + label + "\n";
          if (format == "jsonl") text += json{{"sentence", sentence}, {"label", label}}.dump() + "\n";
        }
      }
      testing::write_bytes(data / (std::string(split) + "." + format), text);
    }
    PipelineOptions user = quick_options(dir.path() / ("run-" + format));
    user.model_dir = o.out / "pretrain" / "best";
    user.data = TaskDataSource{};
    user.data.user.train = data / ("train." + format);
    user.data.user.dev = data / ("dev." + format);
    user.data.user.test = data / ("test." + format);
    user.data.user.text_column = "sentence";
    user.data.user.label_column = "label";
    ASSERT_FALSE(run_pipeline(user, false).interrupted);
    const json user_report = read_json(user.out / "report.json");
    EXPECT_EQ(user_report.at("task"), "user data");
    EXPECT_EQ(user_report.at("stages").size(), 5u);
    EXPECT_TRUE(user_report.at("stages").back().at("test").contains("accuracy"));
    const json config =
        read_json(user.out / user_report.at("stages").back().at("model").get<std::string>() / "config.json");
    EXPECT_EQ(config.at("id2label"), (json{{"0", "bad"}, {"1", "good"}}));
  }
}

TEST_F(PipelineRunTest, KilledRunResumesToTheSameResult) {
  const testing::ScratchDir dir;
  const PipelineOptions whole = quick_options(dir.path() / "whole");
  ASSERT_FALSE(run_pipeline(whole, false).interrupted);

  const fs::path killed = dir.path() / "killed";
  const std::vector<std::string> args = {"run",         "--quick",       "--task",     "brown-order",
                                         "--brown",     kBrown.string(), "--out",      killed.string(),
                                         "--max-train", "2000",          "--max-eval", "300"};
  pid_t child = 0;
  run_binary(args, &child);
  // The heads stage checkpoints every 10 of its 30 steps: kill it after the first.
  const fs::path checkpoint = killed / "1-heads" / "checkpoint" / "trainer_state.safetensors";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  while (!fs::exists(checkpoint) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(fs::exists(checkpoint));
  ::kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  ASSERT_FALSE(fs::exists(killed / "1-heads" / "stage.json"));

  EXPECT_EQ(run_binary({"run", "--resume", killed.string()}), 0);
  EXPECT_EQ(result_of(read_json(killed / "report.json")), result_of(read_json(whole.out / "report.json")));

  // SIGTERM (a container stop, a cluster's pre-emption) stops after the current training step with
  // a checkpoint, exits 130 and starts no further stage; the resumed run ends the same.
  const fs::path terminated = dir.path() / "terminated";
  std::vector<std::string> term_args = args;
  term_args[7] = terminated.string();
  run_binary(term_args, &child);
  const fs::path term_checkpoint = terminated / "1-heads" / "checkpoint" / "trainer_state.safetensors";
  while (!fs::exists(term_checkpoint) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(fs::exists(term_checkpoint));
  ::kill(child, SIGTERM);
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130);
  EXPECT_FALSE(fs::exists(terminated / "2-ffn"));
  EXPECT_EQ(run_binary({"run", "--resume", terminated.string()}), 0);
  EXPECT_EQ(result_of(read_json(terminated / "report.json")), result_of(read_json(whole.out / "report.json")));
  // Flags that describe another run are refused beside --resume.
  EXPECT_EQ(run_binary({"run", "--resume", killed.string(), "--seed", "5"}), 2);
}

}  // namespace
}  // namespace pare
