// The output-folder policy (train/output_folder.h): --out may not hold, be, or lie inside an input,
// however the path is spelled, and a folder that holds files is replaced only with --overwrite;
// `pare speedup` and `pare run` follow it and leave what they refuse untouched.
#include "train/output_folder.h"

#include <gtest/gtest.h>

#include "prune/speedup_directory.h"
#include "tests/test_support.h"
#include "train/atomic_directory.h"
#include "train/finetune.h"
#include "train/pretrain.h"

namespace pare {
namespace {

namespace fs = std::filesystem;
using testing::error_of;

TEST(OutputFolder, ContainmentSeesThroughSpellings) {
  const testing::ScratchDir dir;
  fs::create_directories(dir.path() / "run" / "model");
  const fs::path model = dir.path() / "run" / "model";
  EXPECT_TRUE(path_within(model, dir.path() / "run"));
  EXPECT_TRUE(path_within(model, dir.path() / "run/"));
  EXPECT_TRUE(path_within(model, dir.path() / "run" / "model" / ".."));
  EXPECT_TRUE(path_within(model, model / "."));
  EXPECT_FALSE(path_within(dir.path() / "run", model));
  EXPECT_FALSE(path_within(dir.path() / "runner", dir.path() / "run"));  // a prefix of the name is not a parent
  fs::create_directory_symlink(dir.path() / "run", dir.path() / "link");
  EXPECT_TRUE(path_within(model, dir.path() / "link"));
}

TEST(OutputFolder, RefusesInputsAndOccupiedFoldersUnlessOverwriting) {
  const testing::ScratchDir dir;
  const fs::path run = dir.path() / "run", model = run / "model";
  fs::create_directories(model);
  testing::write_bytes(model / "config.json", "{}");
  EXPECT_NE(error_of([&] { check_output_folder(run, {model}, true, "speedup"); }).find("holds the input"),
            std::string::npos);
  EXPECT_NE(error_of([&] { check_output_folder(model, {model}, true, "speedup"); }).find("holds the input"),
            std::string::npos);
  EXPECT_NE(error_of([&] { check_output_folder(model / "small", {model}, true, "speedup"); }).find("lies inside"),
            std::string::npos);
  const fs::path other = dir.path() / "other";
  fs::create_directories(other);
  testing::write_bytes(other / "notes.txt", "mine");
  EXPECT_NE(error_of([&] { check_output_folder(other, {model}, false, "speedup"); }).find("--overwrite"),
            std::string::npos);
  EXPECT_NO_THROW(check_output_folder(other, {model}, true, "speedup"));
  EXPECT_NO_THROW(check_output_folder(dir.path() / "new", {model}, false, "speedup"));
  EXPECT_NE(error_of([&] { check_output_folder(other / "notes.txt", {}, true, "speedup"); }).find("is a file"),
            std::string::npos);
}

TEST(OutputFolder, TrailingSlashesNameTheFolderAndTheCurrentDirectoryIsRefused) {
  const testing::ScratchDir dir;
  {
    AtomicDirectory out(dir.path().string() + "/out/");
    testing::write_bytes(out.temp_path() / "config.json", "{}");
    out.commit();
  }
  EXPECT_EQ(testing::read_bytes(dir.path() / "out" / "config.json"), "{}");
  EXPECT_EQ(dir.listing(), std::vector<std::string>{"out"});

  const fs::path before = fs::current_path();
  fs::current_path(dir.path() / "out");
  for (const char* out : {".", "./", "..", "../out"}) {
    EXPECT_NE(error_of([&] { check_output_folder(out, {}, true, "speedup"); }).find("holds) the current directory"),
              std::string::npos)
        << out;
  }
  EXPECT_NO_THROW(check_output_folder("sub", {}, false, "speedup"));
  fs::current_path(before);
}

TEST(OutputFolder, TrainingCommandsRefuseAnOutputAroundOrInsideAnInput) {
  const testing::ScratchDir dir;
  const fs::path model = dir.path() / "model";
  fs::create_directories(model);
  fs::copy(fs::path(PARE_TEST_DATA_DIR) / "bert_tiny" / "seqcls", model);
  FinetuneOptions finetune_options;
  finetune_options.model_dir = model;
  finetune_options.data.task = "sst2";
  finetune_options.data.glue_dir = fs::path(PARE_TEST_DATA_DIR) / "glue" / "SST-2";
  finetune_options.trainer.output_dir = model / "finetuned";
  EXPECT_NE(error_of([&] {
              finetune(finetune_options);
            }).find("finetune: --out " + (model / "finetuned").string() + " lies inside the input " + model.string()),
            std::string::npos);
  finetune_options.trainer.output_dir = dir.path() / "out";
  finetune_options.trainer.inputs = {dir.path() / "out" / "teacher"};
  EXPECT_NE(error_of([&] { finetune(finetune_options); }).find("holds the input"), std::string::npos);

  PretrainOptions pretrain_options;
  pretrain_options.model_dir = model;
  pretrain_options.corpus_files = {dir.path() / "out" / "corpus.txt"};
  pretrain_options.trainer.output_dir = dir.path() / "out";
  EXPECT_NE(error_of([&] { pretrain(pretrain_options); }).find("pretrain: --out"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir.path() / "out"));
  EXPECT_EQ(testing::read_bytes(model / "config.json"),
            testing::read_bytes(fs::path(PARE_TEST_DATA_DIR) / "bert_tiny" / "seqcls" / "config.json"));
}

TEST(OutputFolder, SpeedupIntoTheFolderOfItsInputDeletesNothing) {
  const testing::ScratchDir dir;
  const fs::path run = dir.path() / "run";
  fs::create_directories(run / "model");
  testing::write_bytes(run / "model" / "config.json", "{}");
  testing::write_bytes(run / "masks.safetensors", "x");
  const std::string error = error_of([&] { speedup_directory(run / "model", run / "masks.safetensors", run); });
  EXPECT_NE(error.find("speedup: --out"), std::string::npos) << error;
  EXPECT_EQ(testing::read_bytes(run / "model" / "config.json"), "{}");
  EXPECT_EQ(testing::read_bytes(run / "masks.safetensors"), "x");
}

}  // namespace
}  // namespace pare
