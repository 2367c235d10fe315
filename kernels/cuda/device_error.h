// Bad input a CUDA kernel finds (a target or an id out of range) cannot throw where it is found. The
// kernel records the first such finding in host-mapped memory, and the runtime raises it after its
// next copy from the device, which has synchronised the stream: one check rides on reads the step
// makes anyway, instead of a read per op.
#pragma once

namespace pare::kernels::cuda {

struct DeviceError {
  int code;  // 0: none; 1: index out of range
  long long value, position, bound;
};

// The context's error record of `device`, allocated once (mapped pinned memory); the device pointer.
// The runtime reads it through take_device_error (kernels/cuda_memory.h).
void* device_error_slot(int device);

#if defined(__CUDACC__)
// Records value at position outside [0, bound) unless an error is already recorded.
__device__ inline void report_out_of_range(void* slot, long long value, long long position, long long bound) {
  auto* e = static_cast<DeviceError*>(slot);
  if (atomicCAS(&e->code, 0, 1) == 0) {
    e->value = value;
    e->position = position;
    e->bound = bound;
    __threadfence_system();
  }
}
#endif

}  // namespace pare::kernels::cuda
