// Every integer option of every pare command, found in the commands' own --help, refuses values that
// a conversion would wrap or that no count reaches (-1, 2^53, 2^63, 2^64 - 1) as a usage error
// (exit status 1) naming the option and the value as typed; a seed, a bit pattern, takes any 64-bit
// value. Also the options and command names whose refusal was missing or misleading.
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/child_process.h"  // run_pare_capturing

namespace pare {
namespace {

using Outcome = testing::CommandOutcome;

Outcome run_pare(const std::string& arguments) { return testing::run_pare_capturing(arguments); }

struct IntegerOption {
  std::string command;  // "finetune", "tokenizer train"
  std::string name;     // "--seq"
};

// The commands under `command` ("" for pare itself) and their integer options, from --help.
void collect_integer_options(const std::string& command, std::vector<IntegerOption>& options) {
  const Outcome help = run_pare(command + " --help");
  ASSERT_EQ(help.status, 0) << command << "\n" << help.output;
  const std::regex option_line(R"(^\s+(?:-\w,)?(--[a-z][a-z-]*) U?INT\b)");
  const std::regex command_line(R"(^  ([a-z]+)\s{2,}\S)");
  std::istringstream lines(help.output);
  bool in_subcommands = false;
  std::vector<std::string> subcommands;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("Subcommands:", 0) == 0) in_subcommands = true;
    std::smatch match;
    if (in_subcommands && std::regex_search(line, match, command_line)) subcommands.push_back(match[1]);
    if (!in_subcommands && std::regex_search(line, match, option_line)) options.push_back({command, match[1]});
  }
  for (const std::string& sub : subcommands)
    collect_integer_options(command.empty() ? sub : command + " " + sub, options);
}

TEST(CliNumbers, EveryIntegerOptionRefusesWhatWouldWrapNamingTheOption) {
  std::vector<IntegerOption> options;
  collect_integer_options("", options);
  std::set<std::string> found;
  for (const IntegerOption& option : options) found.insert(option.command + " " + option.name);
  // The ones the issue found wrapping or crashing, so that a --help the regex misreads fails here.
  for (const char* expected : {"finetune --seq", "bench --vocab", "bench --threads", "bench --batch",
                               "tokenizer train --vocab-size", "run --seed", "distill --teacher-layers"}) {
    EXPECT_TRUE(found.count(expected)) << expected << " not found in the commands' --help";
  }
  EXPECT_GE(options.size(), 60u);

  for (const IntegerOption& option : options) {
    const bool seed = option.name == "--seed";
    for (const char* value : {"-1", "9007199254740992", "9223372036854775808", "18446744073709551615"}) {
      const std::string typed = option.name + " " + value;
      const Outcome out = run_pare(option.command + " " + typed);
      const bool refused = out.output.find(option.name + ": " + value) != std::string::npos;
      if (seed && value[0] != '-') {
        EXPECT_FALSE(refused) << option.command << " " << typed << "\n" << out.output;
        continue;
      }
      EXPECT_EQ(out.status, 1) << option.command << " " << typed << "\n" << out.output;
      EXPECT_TRUE(refused) << option.command << " " << typed << "\n" << out.output;
    }
  }
}

TEST(CliNumbers, ExplicitZeroEpochsIsRefusedNotTakenAsTheDefault) {
  const Outcome out = run_pare("finetune --task brown-order --model no-such-model --out no-such-out --epochs 0");
  EXPECT_EQ(out.status, 1) << out.output;
  EXPECT_NE(out.output.find("--epochs: 0 is not more than 0"), std::string::npos) << out.output;
}

TEST(CliNumbers, BenchBatchBeyondTheMachineIsRefusedNamingItBeforeAllocating) {
  const Outcome out = run_pare("bench --size tiny --vocab 100 --batch 100000000 --steps 1");
  EXPECT_EQ(out.status, 2) << out.output;
  EXPECT_NE(out.output.find("bench: --batch 100000000 x --seq 128 needs at least"), std::string::npos) << out.output;
}

TEST(CliNumbers, UnknownCommandIsAUsageErrorEvenWithHelp) {
  for (const char* line : {"nosuch --help", "nosuch", "tokenizer nosuch --help"}) {
    const Outcome out = run_pare(line);
    EXPECT_EQ(out.status, 1) << line << "\n" << out.output;
    EXPECT_NE(out.output.find("unknown command 'nosuch'"), std::string::npos) << line << "\n" << out.output;
  }
  EXPECT_NE(run_pare("tokenizer nosuch").output.find("pare tokenizer: unknown command 'nosuch' (the commands: train"),
            std::string::npos);
  // Known commands still show their help.
  EXPECT_EQ(run_pare("tokenizer train --help").status, 0);
  EXPECT_EQ(run_pare("--help").status, 0);
}

}  // namespace
}  // namespace pare
