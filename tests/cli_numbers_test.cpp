// The pare executable refuses numeric option values that CLI11 alone would convert silently into
// something else (a saturated, wrapped, octal, hexadecimal or infinite value), as usage errors
// (exit status 1) naming the option and the value.
#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/wait.h>

#include <string>

namespace pare {
namespace {

struct Outcome {
  int status = -1;
  std::string output;
};

Outcome run_pare(const std::string& arguments) {
  const std::string command = std::string(PARE_BINARY) + " " + arguments + " 2>&1";
  Outcome out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[512];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0;) out.output.append(buffer, n);
  const int status = ::pclose(pipe);
  out.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

TEST(CliNumbers, RefusesValuesThatWouldConvertToSomethingElse) {
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
      {"--steps 0", "--steps"},
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

}  // namespace
}  // namespace pare
