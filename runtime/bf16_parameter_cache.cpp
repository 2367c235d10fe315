#include "runtime/bf16_parameter_cache.h"

namespace pare {
namespace {

thread_local Bf16ParameterCache* innermost = nullptr;

}  // namespace

Bf16ParameterCache::Bf16ParameterCache(const std::vector<Tensor>& parameters) : previous_(innermost) {
  for (const Tensor& p : parameters) {
    if (!p.defined() || p.dtype() != DType::f32 || !p.is_contiguous() || p.numel() == 0) continue;
    entries_.emplace(std::make_pair(p.device_raw_data(), p.numel()), Entry{p, Tensor()});
  }
  innermost = this;
}

Bf16ParameterCache::~Bf16ParameterCache() { innermost = previous_; }

Tensor Bf16ParameterCache::find(const Tensor& packed) {
  if (packed.dtype() != DType::f32 || !packed.is_contiguous()) return Tensor();
  const std::pair<const void*, std::int64_t> key{packed.device_raw_data(), packed.numel()};
  for (Bf16ParameterCache* cache = innermost; cache != nullptr; cache = cache->previous_) {
    const auto it = cache->entries_.find(key);
    if (it == cache->entries_.end() || it->second.parameter.device() != packed.device()) continue;
    Entry& entry = it->second;
    if (!entry.bits.defined()) entry.bits = entry.parameter.detach().reshape({-1}).to(DType::bf16);
    return entry.bits.reshape(packed.shape());
  }
  return Tensor();
}

}  // namespace pare
