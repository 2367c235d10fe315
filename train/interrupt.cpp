#include "train/interrupt.h"

#include <time.h>

#include <atomic>
#include <cstdint>
#include <thread>

#include "runtime/error.h"

namespace pare {
namespace {

constexpr int kStopSignals[] = {SIGINT, SIGTERM, SIGHUP};

std::atomic<int> g_signal{0};
// When the first signal arrived (CLOCK_MONOTONIC, ns); 0 until its handler has stored it.
std::atomic<std::int64_t> g_first_signal_ns{0};
// Guards alive: an inner one (a training loop inside a pipeline) leaves the request for the outer.
int g_depth = 0;

// clock_gettime is async-signal-safe; std::chrono's clocks are not promised to be.
std::int64_t monotonic_ns() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

// The same signal again soon after the first, other than SIGINT: the same request sent twice. A
// first handler (on another thread) that has not stored its time yet was milliseconds ago.
bool repeats_first_request(int signal, std::int64_t now_ns) {
  if (signal == SIGINT || signal != g_signal.load()) return false;
  const std::int64_t first_ns = g_first_signal_ns.load();
  return first_ns == 0 || now_ns - first_ns < std::chrono::nanoseconds(kSameStopRequest).count();
}

extern "C" void on_stop_signal(int signal) {
  const std::int64_t now_ns = monotonic_ns();
  int none = 0;
  if (g_signal.compare_exchange_strong(none, signal)) {
    g_first_signal_ns = now_ns;
    return;
  }
  if (repeats_first_request(signal, now_ns)) return;
  std::signal(signal, SIG_DFL);
  std::raise(signal);
}

}  // namespace

StopOnInterrupt::StopOnInterrupt() {
  if (g_depth++ == 0) {
    g_signal = 0;
    g_first_signal_ns = 0;
  }
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  for (int i = 0; i < 3; ++i) {
    PARE_CHECK(sigaction(kStopSignals[i], &action, &previous_[i]) == 0, "cannot install the handler of signal ",
               kStopSignals[i]);
  }
}

StopOnInterrupt::~StopOnInterrupt() {
  // A repeat of the request still on its way must find the handler, not the default action: work
  // that stops within milliseconds (tokenizer training) would otherwise die of its own stop request.
  const int signal = g_signal.load();
  if (g_depth == 1 && (signal == SIGTERM || signal == SIGHUP)) {
    const std::int64_t window_ns = std::chrono::nanoseconds(kSameStopRequest).count();
    const std::int64_t elapsed_ns = monotonic_ns() - g_first_signal_ns.load();
    if (elapsed_ns < window_ns) std::this_thread::sleep_for(std::chrono::nanoseconds(window_ns - elapsed_ns));
  }
  for (int i = 0; i < 3; ++i) sigaction(kStopSignals[i], &previous_[i], nullptr);
  if (--g_depth == 0) g_signal = 0;
}

bool StopOnInterrupt::requested() { return g_signal.load() != 0; }

int StopOnInterrupt::signal_received() { return g_signal.load(); }

}  // namespace pare
