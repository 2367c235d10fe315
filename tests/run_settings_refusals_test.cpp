// `pare run`, `pare sweep` and `pare finetune --resume` through the executable, on a tiny model and
// a few sentences: mistakes in a recipe are refused before anything trains, a resume under other
// settings than the run was made with is refused naming the setting and both values, and a run
// that failed on its inputs before any stage began leaves a folder a new run can take.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/child_process.h"  // run_pare_capturing
#include "tests/test_support.h"   // ScratchDir, write_bytes, read_bytes, has
#include "tests/tiny_training.h"  // tiny_model_dir

namespace pare {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::has;

using Outcome = testing::CommandOutcome;

Outcome run_pare(const std::string& arguments) { return testing::run_pare_capturing(arguments); }

json head_pruning(const std::string& scorer) {
  json group = {{"op_names", {R"(bert\.encoder\.layer\.[0-9]+\.attention\.self\.query\.weight)"}},
                {"scorer", scorer},
                {"granularity", "head"}};
  if (scorer == "movement") {
    group["sparse_threshold"] = 0.5;
  } else {
    group["sparse_ratio"] = 0.5;
  }
  return json::array({group});
}

// A tiny model (tiny_model_dir), sentences of its vocabulary in two classes, and a recipe of two
// training steps per stage.
class RunSettings : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = testing::tiny_model_dir(dir_.path());
    std::string train = "text\tlabel\n", dev = train;
    const char* words[] = {"hello world", "the cat", "a cat", "hello the world", "world cat"};
    for (int i = 0; i < 16; ++i) train += std::string(words[i % 5]) + "\t" + (i % 2 ? "yes" : "no") + "\n";
    for (int i = 0; i < 6; ++i) dev += std::string(words[i % 5]) + "\t" + (i % 2 ? "yes" : "no") + "\n";
    testing::write_bytes(file("train.tsv"), train);
    testing::write_bytes(file("dev.tsv"), dev);
    recipe_ = {{"name", "tiny"},
               {"seq", 12},
               {"batch", 4},
               {"eval_batch", 8},
               {"teacher", {{"steps", 2}, {"lr", 1e-3}}},
               {"stages", json::array({{{"name", "heads"}, {"steps", 2}, {"pruning", head_pruning("magnitude")}}})}};
  }

  std::string file(const std::string& name) const { return (dir_.path() / name).string(); }

  std::string write_recipe(const json& recipe) const {
    testing::write_bytes(file("recipe.json"), recipe.dump(2));
    return file("recipe.json");
  }

  // `pare <command>` on the tiny model and data with `recipe`, into `out`.
  Outcome run(const std::string& command, const json& recipe, const std::string& out,
              const std::string& train = "train.tsv", const std::string& more = "") const {
    return run_pare(command + " --recipe " + write_recipe(recipe) + " --model " + model_.string() +
                    " --text-column text --label-column label --train " + file(train) + " --dev " + file("dev.tsv") +
                    " --out " + out + " --max-eval 6 " + more);
  }

  std::string finetune(const std::string& more) const {
    return "finetune --model " + model_.string() + " --text-column text --label-column label --train " +
           file("train.tsv") + " --dev " + file("dev.tsv") + " --out " + file("ft") + " --steps 2 " + more;
  }

  testing::ScratchDir dir_;
  fs::path model_;
  json recipe_;
};

// A stage's pruning config that selects nothing was found when that stage began, after the
// teacher and the stages before it had trained.
TEST_F(RunSettings, RecipeMistakesAreRefusedBeforeTheTeacherTrains) {
  json recipe = recipe_;
  json ffn = {{"name", "ffn"}, {"steps", 2}, {"pruning", head_pruning("magnitude")}};
  ffn["pruning"][0]["op_names"] = {R"(bert\.encoder\.layer\.[0-9]+\.ffn\.weight)"};
  recipe["stages"].push_back(ffn);
  const std::string out = file("run");
  const Outcome o = run("run", recipe, out);
  EXPECT_NE(o.status, 0);
  EXPECT_TRUE(has(o.output, "stage 'ffn'"));
  EXPECT_TRUE(has(o.output, "recipe.json: stages[1].pruning: group 0: field \"op_names\""));
  EXPECT_TRUE(has(o.output, R"(bert\.encoder\.layer\.[0-9]+\.ffn\.weight)"));
  EXPECT_FALSE(fs::exists(out)) << "the run began: " << o.output;

  // Distillation from a layer the teacher does not have (it has 2).
  recipe = recipe_;
  recipe["stages"][0]["distill"] = {{"layer_map", "cofi"}, {"teacher_layers", {3}}};
  const Outcome layers = run("run", recipe, out);
  EXPECT_NE(layers.status, 0);
  EXPECT_TRUE(has(layers.output, "stage 'heads': " + file("recipe.json") + ": stages[0].distill: "));
  EXPECT_TRUE(has(layers.output, "teacher layer 3"));
  EXPECT_FALSE(fs::exists(out)) << "the run began: " << layers.output;

  // Longer sequences than the model has positions (64).
  recipe = recipe_;
  recipe["seq"] = 100;
  const Outcome seq = run("run", recipe, out);
  EXPECT_NE(seq.status, 0);
  EXPECT_TRUE(has(seq.output, file("recipe.json") + ": field \"seq\" is 100 but the model "));
  EXPECT_FALSE(fs::exists(out)) << "the run began: " << seq.output;
}

// A sweep sets regular_scale, which only soft-mode groups read: over a magnitude stage every point
// would be the same.
TEST_F(RunSettings, SweepOverARegularScaleNothingReadsIsRefused) {
  const std::string out = file("sweep");
  const Outcome o = run("sweep --regular-scale 1,5", recipe_, out);
  EXPECT_NE(o.status, 0);
  EXPECT_TRUE(has(o.output, "pare sweep --regular-scale 1,5: stage 'heads' of " + file("recipe.json")));
  EXPECT_TRUE(has(o.output, "has no group that reads regular_scale"));
  EXPECT_FALSE(fs::exists(out));
}

// A run that failed on an input before any stage began (no label column) left only run.json, which
// neither `pare run --resume` (the same bad input) nor a new `pare run` (refused: a run is there)
// could get past. A new run now takes the folder.
TEST_F(RunSettings, FolderOfARunThatFailedBeforeAnyStageIsTakenByANewRun) {
  testing::write_bytes(file("bad.tsv"), "text\tlab\nhello world\tyes\nthe cat\tno\n");
  const std::string out = file("run");
  const Outcome failed = run("run", recipe_, out, "bad.tsv");
  ASSERT_NE(failed.status, 0);
  ASSERT_TRUE(fs::exists(fs::path(out) / "run.json"));
  const Outcome again = run("run", recipe_, out);
  ASSERT_EQ(again.status, 0) << again.output;
  EXPECT_TRUE(has(again.output, "holds a run that stopped before any stage began"));
  EXPECT_TRUE(fs::exists(fs::path(out) / "report.md"));
}

// Each finished stage was made under run.json's options: an edit since would mix two runs. (The
// largest seed is a seed like any other: run.json keeps it as a bit pattern, and it reads back.)
TEST_F(RunSettings, ResumeAfterAnEditOfRunJsonIsRefused) {
  const std::string out = file("run");
  ASSERT_EQ(run("run", recipe_, out, "train.tsv", "--seed 18446744073709551615").status, 0);
  json run_json = json::parse(testing::read_bytes(fs::path(out) / "run.json"));
  run_json["recipe"]["seq"] = 16;
  testing::write_bytes(fs::path(out) / "run.json", run_json.dump(2));
  const Outcome resumed = run_pare("run --resume " + out);
  EXPECT_NE(resumed.status, 0);
  EXPECT_TRUE(has(resumed.output, "stage.json was made under other options than " + out + "/run.json"));
  EXPECT_TRUE(has(resumed.output, "recipe.seq: the run has 12, this command asks 16"));
}

// The checkpoint keeps the sequence length the data was cut to.
TEST_F(RunSettings, FinetuneResumeWithAnotherSeqIsRefused) {
  ASSERT_EQ(run_pare(finetune("--seq 12")).status, 0);
  const Outcome o = run_pare(finetune("--seq 14 --resume"));
  EXPECT_NE(o.status, 0);
  EXPECT_TRUE(has(o.output, "seq: the run has 12, this command asks 14")) << o.output;
  EXPECT_EQ(run_pare(finetune("--seq 12 --resume")).status, 0);
}

// The trainer state keeps the data order's seed and the generators' words as bit patterns.
TEST_F(RunSettings, FinetuneWithTheLargestSeedResumes) {
  ASSERT_EQ(run_pare(finetune("--seq 12 --seed 18446744073709551615")).status, 0);
  const Outcome o = run_pare(finetune("--seq 12 --seed 18446744073709551615 --resume"));
  EXPECT_EQ(o.status, 0) << o.output;
}

}  // namespace
}  // namespace pare
