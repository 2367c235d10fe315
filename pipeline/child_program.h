// run_child_program: another program run to its end with its output captured, for the steps of a
// run that happen outside pare's process (the ONNX export, whose protobuf cannot share a process with
// sentencepiece's, and ONNX Runtime's check under Node.js).
#pragma once

#include <string>
#include <vector>

namespace pare {

struct ChildProgramResult {
  bool started = false;  // false: the program could not be run (absent, not executable); see output
  int status = 0;        // the exit status, or 128 + the signal that ended it
  std::string output;    // stdout and stderr, interleaved as written
};

// Runs `program` (a path, or a name looked up on PATH) with `arguments` and waits for it. Its
// standard input is /dev/null. Throws pare::Error only when no pipe or process can be made.
ChildProgramResult run_child_program(const std::string& program, const std::vector<std::string>& arguments);

}  // namespace pare
