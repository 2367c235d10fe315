// Plumbing shared by the tests: scratch directories, whole-file reads and writes, a tensor's packed
// bytes and the message of a pare::Error.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "runtime/error.h"
#include "runtime/io/temporary_directory.h"  // TemporaryDirectory
#include "runtime/tensor.h"

namespace pare::testing {

// A fresh directory under the system temp dir, removed with everything in it on destruction. The
// name carries the running test's name (and `label`, when given) for finding leftovers; mkdtemp
// (TemporaryDirectory) makes it unique across processes, tests and instances.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& label = "") : folder_(std::filesystem::temp_directory_path(), prefix(label)) {}

  const std::filesystem::path& path() const { return folder_.path(); }

  // The names of the entries in the directory, sorted: what tests compare to catch leftover temporaries.
  std::vector<std::string> listing() const {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(path()))
      names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

 private:
  static std::string prefix(const std::string& label) {
    std::string name = "pare_";
    if (const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info()) {
      name += std::string(test->test_suite_name()) + "." + test->name() + "_";
    }
    if (!label.empty()) name += label + "_";
    // Parameterised tests have '/' in their names.
    std::replace_if(
        name.begin(), name.end(), [](unsigned char c) { return !std::isalnum(c) && c != '.'; }, '_');
    return name;
  }

  TemporaryDirectory folder_;
};

inline void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// The tensor's elements as packed bytes, for exact comparisons of every dtype (NaN included).
inline std::string bytes_of(const Tensor& t) {
  const Tensor packed = t.contiguous();
  return std::string(static_cast<const char*>(packed.raw_data()), packed.nbytes());
}

// The floats' bytes as they lie in memory (little-endian here), for assembling files by hand.
inline std::string float_bytes(const std::vector<float>& values) {
  std::string bytes(values.size() * sizeof(float), '\0');
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

// The pid of a process that has ended (a child that exits at once, reaped): what a killed run's
// temporary names and lock files carry.
inline pid_t dead_pid() {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  PARE_CHECK(pid > 0, "fork failed");
  int status = 0;
  ::waitpid(pid, &status, 0);
  return pid;
}

// gtest without gmock: a substring check that prints both strings when it fails.
inline ::testing::AssertionResult has(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\"\n does not contain \"" << part << "\"";
}

// The message of the pare::Error that `fn` throws, or "" when it throws nothing.
inline std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace pare::testing
