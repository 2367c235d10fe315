// Named pipes handed to pare as inputs: one that a program writes into is read like a file; one that
// nothing writes into is refused after kInputPipeWriterWait, naming it, where open() would wait
// forever (read_input_file, and through it every --train, --dev, --config and --recipe).
#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "runtime/io/input_file.h"
#include "tests/test_support.h"  // ScratchDir, error_of, write_bytes

namespace pare {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

fs::path make_fifo(const fs::path& path) {
  EXPECT_EQ(::mkfifo(path.c_str(), 0600), 0) << path;
  return path;
}

TEST(InputPipe, PipeWithAWriterIsReadWhole) {
  const testing::ScratchDir dir;
  const fs::path fifo = make_fifo(dir.path() / "text.fifo");
  std::thread writer([&] {
    std::ofstream out(fifo, std::ios::binary);  // opens once the reader has
    out << "first line\nsecond line\n";
  });
  EXPECT_EQ(read_input_file(fifo, "text file"), "first line\nsecond line\n");
  writer.join();
}

TEST(InputPipe, PipeNobodyWritesIntoIsRefusedInsteadOfWaitedOn) {
  const testing::ScratchDir dir;
  const fs::path fifo = make_fifo(dir.path() / "data.tsv");
  const auto start = Clock::now();
  const std::string error = testing::error_of([&] { read_input_file(fifo, "data file"); });
  EXPECT_LT(Clock::now() - start, kInputPipeWriterWait + std::chrono::seconds(5));
  EXPECT_NE(error.find(fifo.string() + ": the data file is a named pipe that no program wrote into"), std::string::npos)
      << error;
}

// Each option that names an input file, given a pipe with no writer: the four commands run at once
// (each waits kInputPipeWriterWait) and each ends in an error naming its pipe.
TEST(InputPipe, PareRefusesAPipeWithoutWriterForEachInputOption) {
  const testing::ScratchDir dir;
  const std::string model = std::string(PARE_TEST_DATA_DIR) + "/bert_tiny/seqcls";
  testing::write_bytes(dir.path() / "rows.tsv", "sentence\tlabel\nhello world\t0\nthe cat\t1\n");
  const std::string rows = (dir.path() / "rows.tsv").string();
  struct Case {
    std::string fifo, arguments;
  };
  const std::string common = " --text-column sentence --label-column label --steps 1 --model " + model;
  std::vector<Case> cases = {
      {"train.tsv", "finetune --train FIFO --dev " + rows + common + " --out " + (dir.path() / "a").string()},
      {"dev.tsv", "finetune --train " + rows + " --dev FIFO" + common + " --out " + (dir.path() / "b").string()},
      {"config.json",
       "prune --config FIFO --train " + rows + " --dev " + rows + common + " --out " + (dir.path() / "c").string()},
      {"recipe.json", "run --recipe FIFO --out " + (dir.path() / "d").string()},
  };
  std::vector<FILE*> pipes;
  for (Case& c : cases) {
    c.fifo = make_fifo(dir.path() / c.fifo).string();
    c.arguments.replace(c.arguments.find("FIFO"), 4, c.fifo);
    pipes.push_back(::popen((std::string(PARE_BINARY) + " " + c.arguments + " 2>&1").c_str(), "r"));
    ASSERT_NE(pipes.back(), nullptr);
  }
  for (std::size_t i = 0; i < cases.size(); ++i) {
    std::string output;
    char buffer[512];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof(buffer), pipes[i])) > 0;) output.append(buffer, n);
    const int status = ::pclose(pipes[i]);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << cases[i].arguments << "\n" << output;
    EXPECT_NE(output.find(cases[i].fifo + ": the "), std::string::npos) << cases[i].arguments << "\n" << output;
    EXPECT_NE(output.find("is a named pipe that no program wrote into"), std::string::npos)
        << cases[i].arguments << "\n"
        << output;
  }
}

}  // namespace
}  // namespace pare
