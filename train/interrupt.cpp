#include "train/interrupt.h"

#include <atomic>

#include "runtime/error.h"

namespace pare {
namespace {

std::atomic<bool> g_requested{false};

extern "C" void on_sigint(int) {
  if (g_requested.exchange(true)) {
    std::signal(SIGINT, SIG_DFL);
    std::raise(SIGINT);
  }
}

}  // namespace

StopOnInterrupt::StopOnInterrupt() {
  g_requested = false;
  struct sigaction action {};
  action.sa_handler = on_sigint;
  sigemptyset(&action.sa_mask);
  PARE_CHECK(sigaction(SIGINT, &action, &previous_) == 0, "cannot install the SIGINT handler");
}

StopOnInterrupt::~StopOnInterrupt() {
  sigaction(SIGINT, &previous_, nullptr);
  g_requested = false;
}

bool StopOnInterrupt::requested() { return g_requested.load(); }

}  // namespace pare
