// The pare executable's refusals of what a user types: numeric option values that CLI11 alone would
// convert silently into something else (a saturated, wrapped, octal, hexadecimal or infinite value)
// are usage errors (exit status 1) naming the option and the value; an occupied output folder is
// written into only with --overwrite.
#include <gtest/gtest.h>

#include <string>

#include "tests/child_process.h"  // run_pare_capturing
#include "tests/test_support.h"   // ScratchDir, write_bytes, read_bytes

namespace pare {
namespace {

using Outcome = testing::CommandOutcome;

Outcome run_pare(const std::string& arguments) { return testing::run_pare_capturing(arguments); }

TEST(CliUsage, RefusesNumbersThatWouldConvertToSomethingElse) {
  const std::string base = "finetune --task brown-order --model no-such-model --out no-such-out ";
  const std::pair<const char*, const char*> cases[] = {
      {"--seed 99999999999999999999999", "--seed: 99999999999999999999999 is too large"},
      {"--steps 99999999999999999999", "--steps: 99999999999999999999 is too large"},
      {"--seed=-5", "--seed: -5 is not a whole number of 0 or more"},
      {"--seq 010", "--seq: 010 has a leading zero"},
      {"--lr 0x10", "--lr: 0x10 is not a decimal number"},
      {"--lr 1e400", "--lr: 1e400 is not a finite number"},
      {"--lr nan", "--lr: nan is not a decimal number"},
      {"--batch 1.5", "--batch: 1.5 is not a whole number of 0 or more"},
      {"--steps 0", "--steps: 0 is less than 1"},
  };
  for (const auto& [arguments, message] : cases) {
    const Outcome out = run_pare(base + arguments);
    EXPECT_EQ(out.status, 1) << arguments << "\n" << out.output;
    EXPECT_NE(out.output.find(message), std::string::npos) << arguments << "\n" << out.output;
  }
  // A valid value gets past the options to the first real error: the missing model.
  const Outcome valid = run_pare(base + "--seed 7 --lr 2e-5 --seq 64");
  EXPECT_EQ(valid.status, 2) << valid.output;
}

TEST(CliUsage, TokenizerTrainingWritesIntoAnOccupiedFolderOnlyWithOverwrite) {
  const testing::ScratchDir dir;
  testing::write_bytes(dir.path() / "corpus.txt", "the quick brown fox\njumps over the lazy dog\n");
  std::filesystem::create_directories(dir.path() / "out");
  testing::write_bytes(dir.path() / "out" / "spiece.model", "mine");
  const std::string base = "tokenizer train --vocab-size 32 --corpus " + (dir.path() / "corpus.txt").string() +
                           " --out " + (dir.path() / "out").string();
  const Outcome refused = run_pare(base);
  EXPECT_EQ(refused.status, 2) << refused.output;
  EXPECT_NE(refused.output.find("already holds files"), std::string::npos) << refused.output;
  EXPECT_EQ(testing::read_bytes(dir.path() / "out" / "spiece.model"), "mine");
  const Outcome written = run_pare(base + " --overwrite");
  EXPECT_EQ(written.status, 0) << written.output;
  EXPECT_NE(testing::read_bytes(dir.path() / "out" / "spiece.model"), "mine");
}

}  // namespace
}  // namespace pare
