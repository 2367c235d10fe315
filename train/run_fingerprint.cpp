#include "train/run_fingerprint.h"

#include <cstdint>
#include <cstdio>

#include "runtime/device.h"

namespace pare {
namespace {

class Fnv1a {
 public:
  void add(const void* data, std::size_t bytes) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < bytes; ++i) hash_ = (hash_ ^ p[i]) * 0x100000001b3ull;
  }
  template <typename T>
  void add_value(const T& value) {
    add(&value, sizeof(value));
  }
  template <typename T>
  void add_vector(const std::vector<T>& values) {
    add_value(values.size());
    add(values.data(), values.size() * sizeof(T));
  }
  std::string hex() const {
    char text[17];
    std::snprintf(text, sizeof(text), "%016llx", static_cast<unsigned long long>(hash_));
    return text;
  }

 private:
  std::uint64_t hash_ = 0xcbf29ce484222325ull;
};

}  // namespace

std::string data_fingerprint(const std::vector<TokenizedExample>& examples) {
  Fnv1a h;
  h.add_value(examples.size());
  for (const TokenizedExample& e : examples) {
    h.add_vector(e.input_ids);
    h.add_vector(e.token_type_ids);
    h.add_value(e.label.value_or(-1));
    h.add_value(e.score.value_or(0.0f));
    h.add_vector(e.token_labels);
  }
  return h.hex();
}

std::string model_fingerprint(const NamedTensors& parameters) {
  Fnv1a h;
  for (const auto& [name, tensor] : parameters) {
    h.add(name.data(), name.size());
    h.add_vector(tensor.shape());
    const Tensor host = tensor.to(Device::cpu()).contiguous();
    h.add(host.raw_data(), static_cast<std::size_t>(host.numel()) * dtype_size(host.dtype()));
  }
  return h.hex();
}

}  // namespace pare
