#include "runtime/io/atomic_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "runtime/error.h"
#include "tests/test_support.h"  // ScratchDir, read_bytes, error_of

namespace pare {
namespace {

namespace fs = std::filesystem;
using testing::error_of;
using testing::read_bytes;
using testing::ScratchDir;

class AtomicFile : public ::testing::Test {
 protected:
  ScratchDir scratch_;
  const fs::path dir_ = scratch_.path();
};

TEST_F(AtomicFile, WritesWholeFileAndLeavesNoTemporary) {
  const fs::path path = dir_ / "out.txt";
  write_file_atomically(path, "first");
  EXPECT_EQ(read_bytes(path), "first");
  write_file_atomically(path, "second, longer");
  EXPECT_EQ(read_bytes(path), "second, longer");
  EXPECT_EQ(scratch_.listing(), std::vector<std::string>{"out.txt"});
}

TEST_F(AtomicFile, WritesToTemporaryUntilCommit) {
  const fs::path path = dir_ / "out.bin";
  write_file_atomically(path, "old");
  AtomicFileWriter writer(path);
  EXPECT_EQ(writer.temp_path().parent_path(), dir_);
  EXPECT_EQ(writer.temp_path().filename().string().rfind(".out.bin.pare-tmp." + std::to_string(::getpid()) + ".", 0),
            0u)
      << writer.temp_path();
  writer.write("new ");
  writer.write("contents");
  EXPECT_EQ(read_bytes(path), "old");
  EXPECT_TRUE(fs::exists(writer.temp_path()));
  writer.commit();
  EXPECT_EQ(read_bytes(path), "new contents");
  EXPECT_EQ(scratch_.listing(), std::vector<std::string>{"out.bin"});
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
  EXPECT_EQ(read_bytes(path), "old");
  EXPECT_EQ(scratch_.listing(), std::vector<std::string>{"out.bin"});
}

TEST_F(AtomicFile, MissingDirectoryIsAClearError) {
  const fs::path path = dir_ / "no_such_dir" / "out.bin";
  const std::string error = error_of([&] { write_file_atomically(path, "x"); });
  EXPECT_NE(error.find(path.string()), std::string::npos) << error;
  EXPECT_NE(error.find("does not exist"), std::string::npos) << error;
  EXPECT_FALSE(fs::exists(dir_ / "no_such_dir"));
}

TEST_F(AtomicFile, TwoWritersOfOnePathEachPublishAWholeFile) {
  const fs::path path = dir_ / "out.bin";
  AtomicFileWriter first(path);
  AtomicFileWriter second(path);
  EXPECT_NE(first.temp_path(), second.temp_path());
  first.write("one");
  second.write("two, longer");
  first.commit();
  EXPECT_EQ(read_bytes(path), "one");
  second.commit();
  EXPECT_EQ(read_bytes(path), "two, longer");
  EXPECT_EQ(scratch_.listing(), std::vector<std::string>{"out.bin"});
}

TEST_F(AtomicFile, RemovesWhatAKilledWriterLeftAndNothingElse) {
  const fs::path path = dir_ / "out.bin";
  const std::string dead = ".out.bin.pare-tmp." + std::to_string(testing::dead_pid()) + ".0";
  const std::string alive = ".out.bin.pare-tmp." + std::to_string(::getppid()) + ".0";
  for (const std::string& name : {dead, alive, std::string("out.bin.tmp"), std::string(".out.bin.pare-tmp.x")}) {
    testing::write_bytes(dir_ / name, "left");
  }
  write_file_atomically(path, "new");
  EXPECT_EQ(read_bytes(path), "new");
  EXPECT_EQ(scratch_.listing(), (std::vector<std::string>{alive, ".out.bin.pare-tmp.x", "out.bin", "out.bin.tmp"}));
}

}  // namespace
}  // namespace pare
