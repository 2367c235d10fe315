#include "runtime/parameter_cache.h"

#include <map>
#include <mutex>
#include <utility>

#include "runtime/dispatch.h"

namespace pare {

struct ParameterCache::Store {
  struct Entry {
    Tensor parameter;  // keeps the storage, so its address cannot be reused while the store lives
    Tensor bits;       // bf16, flat; undefined until first used
    std::shared_ptr<const kernels::PackedGemmWeight> packed[2];  // by Precision
    Tensor packed_storage[2];  // u8, from the device's allocator (its buffer cache spares new pages)
  };
  // An int8 weight: only ever packed.
  struct Int8Entry {
    Tensor parameter;
    std::shared_ptr<const kernels::PackedGemmWeight> packed;
    Tensor packed_storage;
  };
  using Key = std::pair<const void*, std::int64_t>;

  // Guards the entries' derived forms (the maps themselves are fixed at construction).
  std::mutex mutex;
  std::map<Key, Entry> entries;
  std::map<Key, Int8Entry> int8_entries;
};

namespace {

thread_local ParameterCache* innermost = nullptr;

using Store = ParameterCache::Store;

Store::Key key_of(const Tensor& t) { return {t.device_raw_data(), t.numel()}; }

// Under the store's lock.
const Tensor& bf16_bits(Store::Entry& entry) {
  if (!entry.bits.defined()) entry.bits = entry.parameter.detach().reshape({-1}).to(DType::bf16);
  return entry.bits;
}

}  // namespace

std::shared_ptr<ParameterCache::Store> ParameterCache::make_store(const std::vector<Tensor>& parameters) {
  auto store = std::make_shared<Store>();
  for (const Tensor& p : parameters) {
    if (!p.defined() || !p.is_contiguous() || p.numel() == 0) continue;
    if (p.dtype() == DType::i8) {
      store->int8_entries.emplace(key_of(p), Store::Int8Entry{p, nullptr, Tensor()});
      continue;
    }
    if (p.dtype() != DType::f32) continue;
    store->entries.emplace(key_of(p), Store::Entry{p, Tensor(), {}, {}});
  }
  return store;
}

ParameterCache::ParameterCache(const std::vector<Tensor>& parameters) : ParameterCache(make_store(parameters)) {}

ParameterCache::ParameterCache(std::shared_ptr<Store> store) : store_(std::move(store)), previous_(innermost) {
  innermost = this;
}

ParameterCache::~ParameterCache() { innermost = previous_; }

// The scopes open on this thread, innermost first.
struct OpenScopes {
  // The entry of `map` holding `t` (a parameter on t's device) in the innermost scope that has one,
  // with its store; nulls when none does. The maps are fixed once made, so they are read unlocked.
  template <typename Entry>
  static std::pair<Store*, Entry*> find(std::map<Store::Key, Entry> Store::*map, const Tensor& t) {
    const Store::Key key = key_of(t);
    for (ParameterCache* cache = innermost; cache != nullptr; cache = cache->previous_) {
      Store& store = *cache->store_;
      const auto it = (store.*map).find(key);
      if (it != (store.*map).end() && it->second.parameter.device() == t.device()) return {&store, &it->second};
    }
    return {nullptr, nullptr};
  }
};

Tensor ParameterCache::bf16_copy(const Tensor& packed) {
  if (packed.dtype() != DType::f32 || !packed.is_contiguous()) return Tensor();
  const auto [store, entry] = OpenScopes::find(&Store::entries, packed);
  if (entry == nullptr) return Tensor();
  const std::lock_guard lock(store->mutex);
  return bf16_bits(*entry).reshape(packed.shape());
}

std::shared_ptr<const kernels::PackedGemmWeight> ParameterCache::packed_transposed(const Tensor& weight,
                                                                                   Precision precision) {
  if (weight.dim() != 2 || weight.dtype() != DType::f32 || !weight.is_contiguous()) return nullptr;
  const auto [store, found] = OpenScopes::find(&Store::entries, weight);
  if (found == nullptr) return nullptr;
  const std::lock_guard lock(store->mutex);
  Store::Entry& entry = *found;
  auto& packed = entry.packed[static_cast<int>(precision)];
  if (packed) return packed;
  const std::int64_t out = weight.size(0), in = weight.size(1);
  const bool bf16 = precision == Precision::bf16;
  const Device device = weight.device();
  Tensor& storage = entry.packed_storage[static_cast<int>(precision)];
  storage = Tensor::empty({PARE_LAUNCH(device, packed_gemm_weight_bytes, bf16, out, in)}, DType::u8, device);
  const Tensor source = bf16 ? bf16_bits(entry) : weight;
  packed = PARE_LAUNCH(device, pack_gemm_weight, bf16, out, in, source.device_raw_data(), in, true,
                       storage.device_raw_data());
  return packed;
}

std::shared_ptr<const kernels::PackedGemmWeight> ParameterCache::packed_s8(const Tensor& weight) {
  if (weight.dim() != 2 || weight.dtype() != DType::i8 || !weight.is_contiguous()) return nullptr;
  const auto [store, found] = OpenScopes::find(&Store::int8_entries, weight);
  if (found == nullptr) return nullptr;
  const std::lock_guard lock(store->mutex);
  Store::Int8Entry& entry = *found;
  if (!entry.packed) {
    const std::int64_t out = weight.size(0), in = weight.size(1);
    const Device device = weight.device();
    entry.packed_storage = Tensor::empty({PARE_LAUNCH(device, packed_s8_weight_bytes, out, in)}, DType::u8, device);
    entry.packed = PARE_LAUNCH(device, pack_s8_weight, out, in, weight.device_data<std::int8_t>(),
                               entry.packed_storage.device_raw_data());
  }
  return entry.packed;
}

}  // namespace pare
