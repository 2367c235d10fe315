// StopOnInterrupt: while one exists, SIGINT (Ctrl-C), SIGTERM (kill, timeout, a container's stop, a
// cluster's pre-emption) and SIGHUP (a closed terminal) only set a flag the training loop reads
// after each step, so it can save a checkpoint and stop cleanly. A second signal of any of them ends
// the process at once, as that signal does by default. Guards nest: a signal that arrives under an
// inner guard (a training loop) is still requested() under the outer one (the pipeline around it).
#pragma once

#include <csignal>

namespace pare {

class StopOnInterrupt {
 public:
  StopOnInterrupt();
  ~StopOnInterrupt();  // puts the previous handlers back
  StopOnInterrupt(const StopOnInterrupt&) = delete;
  StopOnInterrupt& operator=(const StopOnInterrupt&) = delete;

  // True once one of the signals arrived during this object's life.
  static bool requested();
  // The signal that asked to stop (0 when none did).
  static int signal_received();

 private:
  struct sigaction previous_[3]{};
};

}  // namespace pare
