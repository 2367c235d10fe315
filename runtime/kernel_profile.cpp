#include "runtime/kernel_profile.h"

#include <algorithm>
#include <map>
#include <mutex>

namespace pare {
namespace detail {
std::atomic<bool> kernel_profile_on{false};
}  // namespace detail

namespace {

struct Totals {
  std::mutex mutex;
  std::map<std::string, KernelTime> by_kernel;
};

Totals& totals() {
  static Totals t;
  return t;
}

}  // namespace

void enable_kernel_profile(bool on) { detail::kernel_profile_on.store(on, std::memory_order_relaxed); }

void reset_kernel_profile() {
  Totals& t = totals();
  std::lock_guard lock(t.mutex);
  t.by_kernel.clear();
}

void record_kernel_time(const char* kernel, double seconds, double flops, double bytes) {
  Totals& t = totals();
  std::lock_guard lock(t.mutex);
  KernelTime& entry = t.by_kernel[kernel];
  entry.kernel = kernel;
  ++entry.calls;
  entry.seconds += seconds;
  entry.flops += flops;
  entry.bytes += bytes;
}

std::vector<KernelTime> kernel_profile() {
  Totals& t = totals();
  std::vector<KernelTime> out;
  {
    std::lock_guard lock(t.mutex);
    for (const auto& [name, entry] : t.by_kernel) out.push_back(entry);
  }
  std::sort(out.begin(), out.end(), [](const KernelTime& a, const KernelTime& b) { return a.seconds > b.seconds; });
  return out;
}

}  // namespace pare
