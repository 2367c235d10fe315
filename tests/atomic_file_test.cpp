#include "runtime/io/atomic_file.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "runtime/error.h"

namespace pare {
namespace {

namespace fs = std::filesystem;

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class AtomicFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("pare_atomic_file_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Every file in the directory, to catch leftover temporaries.
  std::vector<std::string> listing() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_)) names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

  fs::path dir_;
};

TEST_F(AtomicFile, WritesWholeFileAndLeavesNoTemporary) {
  const fs::path path = dir_ / "out.txt";
  write_file_atomically(path, "first");
  EXPECT_EQ(read_text(path), "first");
  write_file_atomically(path, "second, longer");
  EXPECT_EQ(read_text(path), "second, longer");
  EXPECT_EQ(listing(), std::vector<std::string>{"out.txt"});
}

TEST_F(AtomicFile, WritesToTemporaryUntilCommit) {
  const fs::path path = dir_ / "out.bin";
  write_file_atomically(path, "old");
  AtomicFileWriter writer(path);
  EXPECT_EQ(writer.temp_path().string(), path.string() + ".tmp." + std::to_string(::getpid()));
  writer.write("new ");
  writer.write("contents");
  EXPECT_EQ(read_text(path), "old");
  EXPECT_TRUE(fs::exists(writer.temp_path()));
  writer.commit();
  EXPECT_EQ(read_text(path), "new contents");
  EXPECT_EQ(listing(), std::vector<std::string>{"out.bin"});
  EXPECT_NE(error_of([&] { writer.write("more"); }).find("already committed"), std::string::npos);
}

TEST_F(AtomicFile, AbandonedWriteKeepsOldFileAndRemovesTemporary) {
  const fs::path path = dir_ / "out.bin";
  write_file_atomically(path, "old");
  EXPECT_THROW(
      {
        AtomicFileWriter writer(path);
        writer.write("half of the new");
        throw Error("failure while writing");
      },
      Error);
  EXPECT_EQ(read_text(path), "old");
  EXPECT_EQ(listing(), std::vector<std::string>{"out.bin"});
}

TEST_F(AtomicFile, MissingDirectoryIsAClearError) {
  const fs::path path = dir_ / "no_such_dir" / "out.bin";
  const std::string error = error_of([&] { write_file_atomically(path, "x"); });
  EXPECT_NE(error.find(path.string()), std::string::npos) << error;
  EXPECT_NE(error.find("does not exist"), std::string::npos) << error;
  EXPECT_FALSE(fs::exists(dir_ / "no_such_dir"));
}

TEST_F(AtomicFile, SecondWriterOfTheSamePathFails) {
  const fs::path path = dir_ / "out.bin";
  AtomicFileWriter first(path);
  const std::string error = error_of([&] { AtomicFileWriter second(path); });
  EXPECT_NE(error.find("temporary file"), std::string::npos) << error;
  EXPECT_NE(error.find("File exists"), std::string::npos) << error;
  first.write("one");
  first.commit();
  EXPECT_EQ(read_text(path), "one");
}

}  // namespace
}  // namespace pare
