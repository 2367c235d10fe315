// Bad input a CUDA kernel finds (a target or an id out of range) cannot throw where it is found. The
// kernel records the first such finding in host-mapped memory, and the runtime raises it after its
// next copy from the device, which has synchronised the stream: one check rides on reads the step
// makes anyway, instead of a read per op.
#pragma once

#include <string>

namespace pare::kernels::cuda {

enum DeviceErrorCode : int { kNoDeviceError = 0, kIndexOutOfRange = 1, kNotFinite = 2 };

struct DeviceError {
  int code;  // a DeviceErrorCode
  // kIndexOutOfRange: the index, its position and the bound; kNotFinite: the float's bits and its position.
  long long value, position, bound;
};

// The context's error record of `device`, allocated once (mapped pinned memory); the device pointer.
void* device_error_slot(int device);
// The first error recorded on `device` since the last call, as a message, cleared; empty when none.
// Meaningful after the stream was synchronised (a copy to the host).
std::string take_device_error(int device);

#if defined(__CUDACC__)
// Records an error unless one is already recorded.
__device__ inline void report_device_error(void* slot, int code, long long value, long long position, long long bound) {
  auto* e = static_cast<DeviceError*>(slot);
  if (atomicCAS(&e->code, kNoDeviceError, code) == kNoDeviceError) {
    e->value = value;
    e->position = position;
    e->bound = bound;
    __threadfence_system();
  }
}

// Records value at position outside [0, bound).
__device__ inline void report_out_of_range(void* slot, long long value, long long position, long long bound) {
  report_device_error(slot, kIndexOutOfRange, value, position, bound);
}

// Records a value at position that is NaN or infinite.
__device__ inline void report_not_finite(void* slot, float value, long long position) {
  report_device_error(slot, kNotFinite, static_cast<long long>(__float_as_uint(value)), position, 0);
}
#endif

}  // namespace pare::kernels::cuda
