#include "runtime/parameter_cache.h"

#include "runtime/dispatch.h"

namespace pare {
namespace {

thread_local ParameterCache* innermost = nullptr;

}  // namespace

ParameterCache::ParameterCache(const std::vector<Tensor>& parameters) : previous_(innermost) {
  for (const Tensor& p : parameters) {
    if (!p.defined() || !p.is_contiguous() || p.numel() == 0) continue;
    if (p.dtype() == DType::i8) {
      int8_entries_.emplace(std::make_pair(p.device_raw_data(), p.numel()), Int8Entry{p, nullptr, Tensor()});
      continue;
    }
    if (p.dtype() != DType::f32) continue;
    entries_.emplace(std::make_pair(p.device_raw_data(), p.numel()), Entry{p, Tensor(), {}, {}});
  }
  innermost = this;
}

ParameterCache::~ParameterCache() { innermost = previous_; }

ParameterCache::Entry* ParameterCache::find(const Tensor& t) {
  if (t.dtype() != DType::f32 || !t.is_contiguous()) return nullptr;
  const std::pair<const void*, std::int64_t> key{t.device_raw_data(), t.numel()};
  for (ParameterCache* cache = innermost; cache != nullptr; cache = cache->previous_) {
    const auto it = cache->entries_.find(key);
    if (it != cache->entries_.end() && it->second.parameter.device() == t.device()) return &it->second;
  }
  return nullptr;
}

Tensor ParameterCache::bf16_copy(const Tensor& packed) {
  Entry* entry = find(packed);
  if (entry == nullptr) return Tensor();
  if (!entry->bits.defined()) entry->bits = entry->parameter.detach().reshape({-1}).to(DType::bf16);
  return entry->bits.reshape(packed.shape());
}

std::shared_ptr<const kernels::PackedGemmWeight> ParameterCache::packed_transposed(const Tensor& weight,
                                                                                   Precision precision) {
  if (weight.dim() != 2) return nullptr;
  Entry* entry = find(weight);
  if (entry == nullptr) return nullptr;
  auto& packed = entry->packed[static_cast<int>(precision)];
  if (packed) return packed;
  const std::int64_t out = weight.size(0), in = weight.size(1);
  const bool bf16 = precision == Precision::bf16;
  const Device device = weight.device();
  Tensor& storage = entry->packed_storage[static_cast<int>(precision)];
  storage = Tensor::empty({PARE_LAUNCH(device, packed_gemm_weight_bytes, bf16, out, in)}, DType::u8, device);
  const Tensor source = bf16 ? bf16_copy(weight) : weight;
  packed = PARE_LAUNCH(device, pack_gemm_weight, bf16, out, in, source.device_raw_data(), in, true,
                       storage.device_raw_data());
  return packed;
}

std::shared_ptr<const kernels::PackedGemmWeight> ParameterCache::packed_s8(const Tensor& weight) {
  if (weight.dim() != 2 || weight.dtype() != DType::i8 || !weight.is_contiguous()) return nullptr;
  const std::pair<const void*, std::int64_t> key{weight.device_raw_data(), weight.numel()};
  for (ParameterCache* cache = innermost; cache != nullptr; cache = cache->previous_) {
    const auto it = cache->int8_entries_.find(key);
    if (it == cache->int8_entries_.end() || it->second.parameter.device() != weight.device()) continue;
    Int8Entry& entry = it->second;
    if (!entry.packed) {
      const std::int64_t out = weight.size(0), in = weight.size(1);
      const Device device = weight.device();
      entry.packed_storage = Tensor::empty({PARE_LAUNCH(device, packed_s8_weight_bytes, out, in)}, DType::u8, device);
      entry.packed = PARE_LAUNCH(device, pack_s8_weight, out, in, weight.device_data<std::int8_t>(),
                                 entry.packed_storage.device_raw_data());
    }
    return entry.packed;
  }
  return nullptr;
}

}  // namespace pare
