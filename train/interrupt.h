// StopOnInterrupt: while one exists, SIGINT (Ctrl-C), SIGTERM (kill, timeout, a container's stop, a
// cluster's pre-emption) and SIGHUP (a closed terminal) only set a flag the training loop reads
// after each step, so it can save a checkpoint and stop cleanly. A second signal of any of them ends
// the process at once, as that signal does by default, except a repeat of SIGTERM or SIGHUP within
// kSameStopRequest of the first: timeout, systemd and batch schedulers send SIGTERM to the process
// and to its process group (or a closing terminal SIGHUP to both) milliseconds apart, which is one
// request to stop, not two. (A second Ctrl-C is a person insisting, and ends at once.) A signal the
// process ignores (SIGHUP under nohup) stays ignored. Guards nest: a signal that
// arrives under an inner guard (a training loop) is still requested() under the outer one (the pipeline around it).
#pragma once

#include <chrono>
#include <csignal>

namespace pare {

inline constexpr std::chrono::milliseconds kSameStopRequest{1000};

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

// For a process that a stop signal outside any StopOnInterrupt should end (the pare executable calls
// it first): SIGTERM and SIGHUP, where they have the default action, end it as by default, except the repeat of a stop
// request that a guard took less than kSameStopRequest ago. Work that stops within milliseconds of the request
// (tokenizer training) ends its guard before the request's second copy arrives, which would
// otherwise end pare with the signal instead of status 130 and its message.
void end_on_stop_signals_except_repeats();

}  // namespace pare
