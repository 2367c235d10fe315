// StopOnInterrupt: while one exists, SIGINT (Ctrl-C) only sets a flag the training loop reads after
// each step, so it can save a checkpoint and stop cleanly. A second SIGINT ends the process at
// once, as usual.
#pragma once

#include <csignal>

namespace pare {

class StopOnInterrupt {
 public:
  StopOnInterrupt();
  ~StopOnInterrupt();  // puts the previous handler back
  StopOnInterrupt(const StopOnInterrupt&) = delete;
  StopOnInterrupt& operator=(const StopOnInterrupt&) = delete;

  // True once SIGINT arrived during this object's life.
  static bool requested();

 private:
  struct sigaction previous_ {};
};

}  // namespace pare
