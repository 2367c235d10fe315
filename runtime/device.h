// Device: where a tensor's storage lives (CPU, or CUDA device n).
#pragma once

#include <cstdint>
#include <string>

namespace pare {

enum class DeviceType : std::uint8_t { cpu, cuda };

struct Device {
  DeviceType type = DeviceType::cpu;
  int index = 0;

  static Device cpu() { return {DeviceType::cpu, 0}; }
  static Device cuda(int index = 0) { return {DeviceType::cuda, index}; }
  bool is_cpu() const { return type == DeviceType::cpu; }
  bool is_cuda() const { return type == DeviceType::cuda; }
  bool operator==(const Device&) const = default;
  // "cpu" or "cuda:0".
  std::string str() const;
};

// Parses "cpu", "cuda" or "cuda:N"; throws pare::Error naming the text otherwise.
Device parse_device(const std::string& text);
// Number of CUDA devices usable by this build: 0 when built without CUDA or when none is present.
int cuda_device_count();

}  // namespace pare
