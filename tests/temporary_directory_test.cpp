// TemporaryDirectory: unique names, removal with the contents however the scope ends, and an error
// that names the folder.
#include "runtime/io/temporary_directory.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <stdexcept>

#include "runtime/error.h"
#include "tests/test_support.h"  // ScratchDir, write_bytes, error_of

namespace pare {
namespace {

namespace fs = std::filesystem;

TEST(TemporaryDirectory, TwoFoldersWithOnePrefixGetTheirOwnNames) {
  const testing::ScratchDir parent;
  const TemporaryDirectory a(parent.path(), ".work."), b(parent.path(), ".work.");
  EXPECT_NE(a.path(), b.path());
  EXPECT_TRUE(fs::is_directory(a.path()));
  EXPECT_TRUE(fs::is_directory(b.path()));
  EXPECT_EQ(a.path().parent_path(), parent.path());
  EXPECT_EQ(a.path().filename().string().rfind(".work.", 0), 0u) << a.path();
}

TEST(TemporaryDirectory, GoesWithItsContentsOnEveryExit) {
  const testing::ScratchDir parent;
  fs::path kept;
  {
    const TemporaryDirectory folder(parent.path(), "t");
    kept = folder.path();
    fs::create_directories(kept / "nested");
    testing::write_bytes(kept / "nested" / "file", "bytes");
  }
  EXPECT_FALSE(fs::exists(kept));
  try {
    const TemporaryDirectory folder(parent.path(), "t");
    kept = folder.path();
    testing::write_bytes(kept / "file", "bytes");
    throw std::runtime_error("leaving early");
  } catch (const std::runtime_error&) {
  }
  EXPECT_FALSE(fs::exists(kept));
  EXPECT_TRUE(parent.listing().empty());
}

TEST(TemporaryDirectory, AMissingParentIsAnErrorNamingTheFolder) {
  const testing::ScratchDir parent;
  const std::string error = testing::error_of([&] { TemporaryDirectory(parent.path() / "missing", "t"); });
  EXPECT_TRUE(testing::has(error, (parent.path() / "missing" / "tXXXXXX").string())) << error;
}

}  // namespace
}  // namespace pare
