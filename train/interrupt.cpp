#include "train/interrupt.h"

#include <atomic>

#include "runtime/error.h"

namespace pare {
namespace {

constexpr int kStopSignals[] = {SIGINT, SIGTERM, SIGHUP};

std::atomic<int> g_signal{0};
// Guards alive: an inner one (a training loop inside a pipeline) leaves the request for the outer.
int g_depth = 0;

extern "C" void on_stop_signal(int signal) {
  int none = 0;
  if (!g_signal.compare_exchange_strong(none, signal)) {
    std::signal(signal, SIG_DFL);
    std::raise(signal);
  }
}

}  // namespace

StopOnInterrupt::StopOnInterrupt() {
  if (g_depth++ == 0) g_signal = 0;
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  for (int i = 0; i < 3; ++i) {
    PARE_CHECK(sigaction(kStopSignals[i], &action, &previous_[i]) == 0, "cannot install the handler of signal ",
               kStopSignals[i]);
  }
}

StopOnInterrupt::~StopOnInterrupt() {
  for (int i = 0; i < 3; ++i) sigaction(kStopSignals[i], &previous_[i], nullptr);
  if (--g_depth == 0) g_signal = 0;
}

bool StopOnInterrupt::requested() { return g_signal.load() != 0; }

int StopOnInterrupt::signal_received() { return g_signal.load(); }

}  // namespace pare
