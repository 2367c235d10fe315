#include "train/interrupt.h"

#include <time.h>

#include <atomic>
#include <cstdint>

#include "runtime/error.h"

namespace pare {
namespace {

constexpr int kStopSignals[] = {SIGINT, SIGTERM, SIGHUP};

std::atomic<int> g_signal{0};
// When the first signal arrived (CLOCK_MONOTONIC, ns); 0 until its handler has stored it.
std::atomic<std::int64_t> g_first_signal_ns{0};
// The last stop request and its time, kept after the guards are gone for on_signal_after_stop.
std::atomic<int> g_last_request_signal{0};
std::atomic<std::int64_t> g_last_request_ns{0};
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
bool repeats_request(int signal, int request_signal, std::int64_t request_ns, std::int64_t now_ns) {
  if (signal == SIGINT || signal != request_signal) return false;
  return request_ns == 0 || now_ns - request_ns < std::chrono::nanoseconds(kSameStopRequest).count();
}

void end_as_by_default(int signal) {
  std::signal(signal, SIG_DFL);
  std::raise(signal);
}

extern "C" void on_stop_signal(int signal) {
  const std::int64_t now_ns = monotonic_ns();
  int none = 0;
  if (g_signal.compare_exchange_strong(none, signal)) {
    g_first_signal_ns = now_ns;
    g_last_request_ns = now_ns;
    g_last_request_signal = signal;
    return;
  }
  if (repeats_request(signal, g_signal.load(), g_first_signal_ns.load(), now_ns)) return;
  end_as_by_default(signal);
}

extern "C" void on_signal_after_stop(int signal) {
  if (repeats_request(signal, g_last_request_signal.load(), g_last_request_ns.load(), monotonic_ns())) return;
  end_as_by_default(signal);
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
    PARE_CHECK(sigaction(kStopSignals[i], nullptr, &previous_[i]) == 0, "cannot read the handler of signal ",
               kStopSignals[i]);
    // A signal the process was started ignoring (SIGHUP under nohup) stays ignored.
    if (previous_[i].sa_handler == SIG_IGN) continue;
    PARE_CHECK(sigaction(kStopSignals[i], &action, nullptr) == 0, "cannot install the handler of signal ",
               kStopSignals[i]);
  }
}

StopOnInterrupt::~StopOnInterrupt() {
  for (int i = 0; i < 3; ++i) sigaction(kStopSignals[i], &previous_[i], nullptr);
  if (--g_depth == 0) g_signal = 0;
}

void end_on_stop_signals_except_repeats() {
  struct sigaction action {};
  action.sa_handler = on_signal_after_stop;
  sigemptyset(&action.sa_mask);
  for (const int signal : {SIGTERM, SIGHUP}) {
    struct sigaction current {};
    PARE_CHECK(sigaction(signal, nullptr, &current) == 0, "cannot read the handler of signal ", signal);
    if (current.sa_handler != SIG_DFL) continue;  // ignored (nohup) or the embedding program's own
    PARE_CHECK(sigaction(signal, &action, nullptr) == 0, "cannot install the handler of signal ", signal);
  }
}

bool StopOnInterrupt::requested() { return g_signal.load() != 0; }

int StopOnInterrupt::signal_received() { return g_signal.load(); }

}  // namespace pare
