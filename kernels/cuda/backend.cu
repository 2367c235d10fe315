#include <map>
#include <mutex>

#include "kernels/cuda/backend.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/cublas_check.h"
#include "kernels/cuda/cublas_library.h"
#include "kernels/cuda/cublaslt_library.h"
#include "kernels/cuda/device_error.h"
#include "kernels/cuda/memory.h"
#include "kernels/cuda/nccl.h"

namespace pare::kernels::cuda {

// No int8 path on CUDA yet (kernels/int8.h): an int8 model on a CUDA device is refused by the
// runtime, naming the kernel and the device.
inline constexpr Absent quantize_rows_s8{};
inline constexpr Absent dequantize_gather_s8{};
inline constexpr Absent packed_s8_weight_bytes{};
inline constexpr Absent pack_s8_weight{};
inline constexpr Absent gemm_s8_packed{};

namespace {

// The context kernels on `device` run with: its cuBLAS and cuBLASLt handles, cuBLASLt's scratch and
// the default stream.
Context make_context(int device) {
  PARE_CUDA_CHECK(cudaSetDevice(device));
  cublasHandle_t handle = nullptr;
  PARE_CUBLAS_CHECK(cublas().create(&handle));
  // f32 GEMMs stay f32: no TF32 unless a precision policy asks for it.
  PARE_CUBLAS_CHECK(cublas().set_math_mode(handle, CUBLAS_DEFAULT_MATH));
  cublasLtHandle_t lt_handle = nullptr;
  PARE_CUBLAS_CHECK(cublaslt().create(&lt_handle));
  // cuBLASLt's scratch: the size NVIDIA suggests for Hopper, held for the process's life.
  constexpr std::size_t kWorkspaceBytes = std::size_t{32} << 20;
  void* workspace = nullptr;
  PARE_CUDA_CHECK(cudaMalloc(&workspace, kWorkspaceBytes));
  Context ctx;
  ctx.device = device;
  ctx.blas = handle;
  ctx.blas_lt = lt_handle;
  ctx.workspace = workspace;
  ctx.workspace_bytes = kWorkspaceBytes;
  ctx.error = device_error_slot(device);
  return ctx;
}

class CudaBackend final : public Backend {
 public:
  CudaBackend() {
    table_.backend = "cuda";
    PARE_FILL_KERNEL_TABLE(table_, ::pare::kernels::cuda)
  }

  const KernelTable& kernels() const override { return table_; }
  bool host_memory() const override { return false; }
  int device_count() override { return cuda::device_count(); }
  std::string device_name(int device) override { return cuda::device_name(device); }

  const Context& context(int device) override {
    // Contexts (and their handles) are never destroyed: kernels may still run from static objects
    // during exit. std::map keeps references valid as devices are added.
    std::lock_guard lock(mutex_);
    auto it = contexts_.find(device);
    if (it == contexts_.end()) it = contexts_.emplace(device, make_context(device)).first;
    // Every launch and cuBLAS call asks for its context here (runtime/dispatch.h), so this is where the
    // calling thread's current device is made the context's: otherwise kernels would run on whichever
    // device this thread last allocated or freed on (freeing a cuda:1 tensor would move later cuda:0
    // work to device 1). cudaGetDevice is a thread-local read; the switch happens only on a change.
    int current = -1;
    PARE_CUDA_CHECK(cudaGetDevice(&current));
    if (current != device) PARE_CUDA_CHECK(cudaSetDevice(device));
    return it->second;
  }

  void* allocate(int device, std::size_t bytes) override { return device_malloc(device, bytes); }
  void release(int device, void* data, std::size_t) noexcept override {
    try {
      device_free(device, data);
    } catch (...) {
      // A failed cudaFree at teardown leaves nothing to recover.
    }
  }
  MemoryCounters memory(int device) override { return device_memory(device); }
  void reset_peak_memory(int device) override { reset_device_peak_memory(device); }
  void release_cached_memory(int device) override { trim_device_memory(device); }

  void copy_from_host(int device, void* dst, const void* src, std::size_t bytes) override {
    copy_host_to_device(device, dst, src, bytes);
  }
  void copy_to_host(int device, void* dst, const void* src, std::size_t bytes) override {
    copy_device_to_host(device, dst, src, bytes);
  }
  void synchronize(int device) override { cuda::synchronize(device); }
  std::string take_pending_error(int device) override { return take_device_error(device); }

  CollectiveGroupId new_collective_group_id() override { return new_nccl_id(); }
  std::unique_ptr<DeviceCollectives> join_collectives(const CollectiveGroupId& id, int rank, int size,
                                                      int device) override {
    return join_nccl(id, rank, size, device);
  }

 private:
  KernelTable table_;
  std::mutex mutex_;
  std::map<int, Context> contexts_;
};

}  // namespace

Backend& backend() {
  static auto* cuda = new CudaBackend();
  return *cuda;
}

}  // namespace pare::kernels::cuda
