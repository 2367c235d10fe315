#include "kernels/cpu/backend.h"

#include <cstring>
#include <stdexcept>

#include "kernels/cpu/buffer_cache.h"

namespace pare::kernels::cpu {
namespace {

class CpuBackend final : public Backend {
 public:
  CpuBackend() {
    table_.backend = "cpu";
    // Every kernel has a CPU version: the reference for the other backends.
    PARE_FILL_KERNEL_TABLE(table_, ::pare::kernels::cpu)
  }

  const KernelTable& kernels() const override { return table_; }
  bool host_memory() const override { return true; }
  int device_count() override { return 1; }
  std::string device_name(int) override { return "cpu"; }
  const Context& context(int) override { return context_; }

  void* allocate(int, std::size_t bytes) override { return cache_.acquire(bytes); }
  void release(int, void* data, std::size_t bytes) noexcept override { cache_.release(data, bytes); }
  MemoryCounters memory(int) override { return cache_.counters(); }
  void reset_peak_memory(int) override { cache_.reset_peak(); }
  void release_cached_memory(int) override { cache_.release_all(); }

  void copy_from_host(int, void* dst, const void* src, std::size_t bytes) override { std::memcpy(dst, src, bytes); }
  void copy_to_host(int, void* dst, const void* src, std::size_t bytes) override { std::memcpy(dst, src, bytes); }
  // CPU kernels have finished when they return, and throw what they find.
  void synchronize(int) override {}
  std::string take_pending_error(int) override { return {}; }

  CollectiveGroupId new_collective_group_id() override { throw no_device_collectives(); }
  std::unique_ptr<DeviceCollectives> join_collectives(const CollectiveGroupId&, int, int, int) override {
    throw no_device_collectives();
  }

 private:
  static std::logic_error no_device_collectives() {
    return std::logic_error("the CPU's memory is the host's: its collectives go over MPI, not the backend");
  }

  KernelTable table_;
  const Context context_{};
  BufferCache cache_;
};

}  // namespace

Backend& backend() {
  // Never destroyed: tensors in static objects may release buffers during exit.
  static auto* cpu = new CpuBackend();
  return *cpu;
}

}  // namespace pare::kernels::cpu
