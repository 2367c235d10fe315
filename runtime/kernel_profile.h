// Kernel time accounting for `pare bench --profile`: while it is on, every PARE_LAUNCH adds the wall
// time of its kernel (with a CUDA device synchronised before and after, so the time is the kernel's) to
// that kernel's entry. Off, a launch pays one relaxed atomic load.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace pare {

struct KernelTime {
  std::string kernel;
  std::int64_t calls = 0;
  double seconds = 0.0;
  double flops = 0.0, bytes = 0.0;  // summed over the calls, as runtime/kernel_work.h counts them (0: not counted)
};

namespace detail {
extern std::atomic<bool> kernel_profile_on;
}  // namespace detail

inline bool kernel_profile_enabled() { return detail::kernel_profile_on.load(std::memory_order_relaxed); }
// Turns accounting on or off; the totals stay until reset.
void enable_kernel_profile(bool on);
void reset_kernel_profile();
void record_kernel_time(const char* kernel, double seconds, double flops = 0, double bytes = 0);
// Every kernel launched since the last reset, the most time first.
std::vector<KernelTime> kernel_profile();

// Accounting on (when asked) for the scope's life, from zero.
class KernelProfileScope {
 public:
  explicit KernelProfileScope(bool on) : on_(on) {
    if (!on_) return;
    reset_kernel_profile();
    enable_kernel_profile(true);
  }
  ~KernelProfileScope() {
    if (on_) enable_kernel_profile(false);
  }
  KernelProfileScope(const KernelProfileScope&) = delete;
  KernelProfileScope& operator=(const KernelProfileScope&) = delete;

 private:
  bool on_;
};

}  // namespace pare
