// The output-folder policy (train/output_folder.h): --out may not hold, be, or lie inside an input,
// however the path is spelled, and a folder that holds files is replaced only with --overwrite;
// `pare speedup` and `pare run` follow it and leave what they refuse untouched.
#include "train/output_folder.h"

#include <gtest/gtest.h>

#include "prune/speedup_directory.h"
#include "tests/test_support.h"

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
