// StopOnInterrupt: while one exists, SIGINT (Ctrl-C), SIGTERM (kill, timeout, a container's stop, a
// cluster's pre-emption) and SIGHUP (a closed terminal) only set a flag the training loop reads
// after each step, so it can save a checkpoint and stop cleanly. A second signal of any of them ends
// the process at once, as that signal does by default, except a repeat of SIGTERM or SIGHUP within
// kSameStopRequest of the first: timeout, systemd and batch schedulers send SIGTERM to the process
// and to its process group (or a closing terminal SIGHUP to both) milliseconds apart, which is one
// request to stop, not two. (A second Ctrl-C is a person insisting, and ends at once.) Guards nest: a signal that
// arrives under an inner guard (a training loop) is still requested() under the outer one (the pipeline around it).
#pragma once

#include <chrono>
#include <csignal>

namespace pare {

inline constexpr std::chrono::milliseconds kSameStopRequest{1000};

class StopOnInterrupt {
 public:
  StopOnInterrupt();
  // Puts the previous handlers back; the outermost guard, stopped by SIGTERM or SIGHUP, first lets
  // the rest of kSameStopRequest pass (at most that long), so that the same request's second copy
  // still finds the handler.
  ~StopOnInterrupt();
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
