// Device: where a tensor's storage lives: the CPU, CUDA device n, or the host-guarded test device.
#pragma once

#include <cstdint>
#include <string>

namespace pare {

// `guarded` is host memory that the runtime treats exactly as device memory: the CPU kernels run on it,
// host code cannot read it (Tensor::data throws) and every transfer to or from it is counted. It is
// how a machine without a GPU proves that models, trainer, pruner and distiller keep their tensors on
// their device and read the host only for the numbers a person sees.
enum class DeviceType : std::uint8_t { cpu, cuda, guarded };

struct Device {
  DeviceType type = DeviceType::cpu;
  int index = 0;

  static Device cpu() { return {DeviceType::cpu, 0}; }
  static Device cuda(int index = 0) { return {DeviceType::cuda, index}; }
  static Device guarded() { return {DeviceType::guarded, 0}; }
  bool is_cpu() const { return type == DeviceType::cpu; }
  bool is_cuda() const { return type == DeviceType::cuda; }
  bool is_guarded() const { return type == DeviceType::guarded; }
  bool operator==(const Device&) const = default;
  // "cpu", "cuda:0" or "guarded".
  std::string str() const;
};

// Parses "cpu", "cuda", "cuda:N" or "guarded"; throws pare::Error naming the text otherwise. "cuda" is
// the GPU of this rank among those a launcher started on this machine (local rank modulo GPUs).
Device parse_device(const std::string& text);
// Number of CUDA devices usable by this build: 0 when built without CUDA or when none is present.
int cuda_device_count();

}  // namespace pare
