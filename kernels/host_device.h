// PARE_HOST_DEVICE: marks the inline functions that CPU and CUDA kernels share, so both compute
// from one definition (Philox, half-precision rounding).
#pragma once

#if defined(__CUDACC__)
#define PARE_HOST_DEVICE __host__ __device__
#else
#define PARE_HOST_DEVICE
#endif
