#include "runtime/io/torch_pickle.h"

#include <optional>
#include <string_view>

#include "runtime/error.h"

namespace pare {
namespace {

using pickle::Arena;
using pickle::Value;
using Kind = Value::Kind;

constexpr std::string_view kOrderedDict = "collections.OrderedDict";
constexpr std::string_view kRebuildTensor = "torch._utils._rebuild_tensor_v2";
constexpr std::string_view kRebuildParameter = "torch._utils._rebuild_parameter";
constexpr std::string_view kRebuildParameterWithState = "torch._utils._rebuild_parameter_with_state";
constexpr std::string_view kRebuildFromType = "torch._tensor._rebuild_from_type_v2";
constexpr std::string_view kTensorClass = "torch.Tensor";
constexpr std::string_view kParameterClass = "torch.nn.parameter.Parameter";
// Tensors have at most this many axes here; it bounds the work one pickled tuple can cause.
constexpr std::size_t kMaxRank = 64;
// Storage keys are decimal numbers; the bound keeps lookups of memo-repeated keys cheap.
constexpr std::size_t kMaxStorageKey = 64;

std::optional<DType> storage_dtype(std::string_view global) {
  if (global == "torch.FloatStorage") return DType::f32;
  if (global == "torch.HalfStorage") return DType::f16;
  if (global == "torch.BFloat16Storage") return DType::bf16;
  if (global == "torch.IntStorage") return DType::i32;
  if (global == "torch.LongStorage") return DType::i64;
  if (global == "torch.ByteStorage" || global == "torch.BoolStorage") return DType::u8;
  return std::nullopt;
}

bool is_torch_storage_name(const std::string& module, const std::string& name) {
  constexpr std::string_view kSuffix = "Storage";
  return module == "torch" && name.size() > kSuffix.size() && name.ends_with(kSuffix);
}

// Argument i of a call whose arity was checked (the arena's values are not const: the memo may share them).
Value& arg(const Value& args, std::size_t i, Kind kind, std::string_view function, const char* role) {
  Value& v = *args.items[i];
  PARE_CHECK(v.is(kind), function, ": argument ", i + 1, " (", role, ") must be a ", pickle::kind_name(kind),
             ", got a ", pickle::kind_name(v.kind));
  return v;
}

Value& tensor_arg(const Value& args, std::size_t i, std::string_view function) {
  Value& v = arg(args, i, Kind::object, function, "tensor");
  PARE_CHECK(v.type == TorchPickleHost::kTensorType, function, ": argument ", i + 1, " must be a tensor, got a ",
             v.type);
  return v;
}

void check_arity(const Value& args, std::size_t low, std::size_t high, std::string_view function) {
  PARE_CHECK(args.items.size() >= low && args.items.size() <= high, function, " takes ", low,
             low == high ? "" : detail::concat(" to ", high), " arguments, got ", args.items.size());
}

Shape int_tuple(const Value& v, std::string_view function, const char* role) {
  PARE_CHECK(v.is(Kind::tuple), function, ": ", role, " must be a tuple of ints, got a ", pickle::kind_name(v.kind));
  PARE_CHECK(v.items.size() <= kMaxRank, function, ": ", role, " has ", v.items.size(), " axes, more than ", kMaxRank);
  Shape out;
  for (const Value* item : v.items) {
    PARE_CHECK(item->is(Kind::integer) && item->integer >= 0, function, ": ", role,
               " must hold non-negative ints, got a ", pickle::kind_name(item->kind),
               item->is(Kind::integer) ? detail::concat(" ", item->integer) : std::string());
    out.push_back(item->integer);
  }
  return out;
}

// The tensor's last element in storage (offset + sum (size - 1) * stride); nullopt when it is
// empty. Throws when the arithmetic overflows.
std::optional<std::uint64_t> last_element(std::int64_t offset, const Shape& shape, const Shape& strides) {
  std::uint64_t last = static_cast<std::uint64_t>(offset);
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 0) return std::nullopt;
  }
  for (std::size_t i = 0; i < shape.size(); ++i) {
    std::uint64_t span = 0;
    PARE_CHECK(!__builtin_mul_overflow(static_cast<std::uint64_t>(shape[i] - 1), static_cast<std::uint64_t>(strides[i]),
                                       &span) &&
                   !__builtin_add_overflow(last, span, &last),
               "tensor of shape ", shape_str(shape), " and stride ", shape_str(strides), " overflows 64-bit offsets");
  }
  return last;
}

}  // namespace

Value* TorchPickleHost::find_global(Arena& arena, const std::string& module, const std::string& name) {
  const std::string full = module + "." + name;
  const bool allowed = full == kOrderedDict || full == kRebuildTensor || full == kRebuildParameter ||
                       full == kRebuildParameterWithState || full == kRebuildFromType || full == kTensorClass ||
                       full == kParameterClass || storage_dtype(full).has_value();
  if (!allowed) {
    PARE_CHECK(!is_torch_storage_name(module, name), "unsupported tensor storage type ", full,
               ": pare reads float32, float16, bfloat16, int32, int64, uint8 and bool tensors; convert the others "
               "before saving");
    throw Error(detail::concat("global '", full,
                               "' is not allowed: a checkpoint may only contain tensors, their storages and "
                               "(ordered) dicts, and nothing is ever executed"));
  }
  Value* v = arena.make(Kind::global);
  v->text = full;
  return v;
}

Value* TorchPickleHost::call(Arena& arena, Value& callable, Value& args) {
  PARE_CHECK(callable.is(Kind::global), "cannot call a ", pickle::kind_name(callable.kind),
             callable.is(Kind::object) ? detail::concat(" (", callable.type, ")") : std::string());
  const std::string_view function = callable.text;
  if (function == kOrderedDict) {
    PARE_CHECK(args.items.empty(), kOrderedDict, " must be called without arguments, got ", args.items.size());
    return arena.make(Kind::dict);
  }
  if (function == kRebuildTensor) return rebuild_tensor(arena, args);
  if (function == kRebuildParameter || function == kRebuildParameterWithState) {
    check_arity(args, function == kRebuildParameter ? 3 : 4, function == kRebuildParameter ? 3 : 4, function);
    return &tensor_arg(args, 0, function);
  }
  if (function == kRebuildFromType) {
    check_arity(args, 4, 4, function);
    const Value& type = arg(args, 1, Kind::global, function, "type");
    PARE_CHECK(type.text == kTensorClass || type.text == kParameterClass, function, ": tensor type ", type.text,
               " is not allowed (only ", kTensorClass, " and ", kParameterClass, ")");
    const Value& state = *args.items[3];
    PARE_CHECK(state.is(Kind::none) || (state.is(Kind::dict) && state.entries.empty()), function,
               ": tensors with Python attributes are not supported");
    Value& rebuild = arg(args, 0, Kind::global, function, "func");
    PARE_CHECK(rebuild.text != kRebuildFromType, function, " may not call itself");
    Value* result = call(arena, rebuild, arg(args, 2, Kind::tuple, function, "args"));
    PARE_CHECK(result->is(Kind::object) && result->type == kTensorType, function, " did not rebuild a tensor");
    return result;
  }
  throw Error(detail::concat(function, " cannot be called"));
}

Value* TorchPickleHost::rebuild_tensor(Arena& arena, const Value& args) {
  const std::string_view function = kRebuildTensor;
  check_arity(args, 6, 7, function);
  const Value& storage_value = arg(args, 0, Kind::object, function, "storage");
  PARE_CHECK(storage_value.type == kStorageType, function, ": argument 1 must be a storage, got a ",
             storage_value.type);
  const Value& offset = arg(args, 1, Kind::integer, function, "storage_offset");
  PARE_CHECK(offset.integer >= 0, function, ": negative storage offset ", offset.integer);
  arg(args, 4, Kind::boolean, function, "requires_grad");
  arg(args, 5, Kind::dict, function, "backward_hooks");
  if (args.items.size() == 7) {
    PARE_CHECK(args.items[6]->is(Kind::none) || args.items[6]->is(Kind::dict), function,
               ": argument 7 (metadata) must be None or a dict");
  }
  TorchTensorSpec spec;
  spec.storage = std::any_cast<const TorchStorage*>(storage_value.object);
  spec.offset = offset.integer;
  spec.shape = int_tuple(*args.items[2], function, "size");
  spec.strides = int_tuple(*args.items[3], function, "stride");
  PARE_CHECK(spec.shape.size() == spec.strides.size(), function, ": size ", shape_str(spec.shape), " and stride ",
             shape_str(spec.strides), " differ in length");
  std::int64_t bytes = static_cast<std::int64_t>(dtype_size(spec.storage->dtype));
  for (std::int64_t size : spec.shape) {
    PARE_CHECK(!__builtin_mul_overflow(bytes, size, &bytes), function, ": size ", shape_str(spec.shape),
               " has too many elements");
  }
  const std::optional<std::uint64_t> last = last_element(spec.offset, spec.shape, spec.strides);
  PARE_CHECK(!last || *last < spec.storage->numel, "storage '", spec.storage->key, "' of ", spec.storage->numel, " ",
             dtype_name(spec.storage->dtype), " elements is too small for a tensor of size ", shape_str(spec.shape),
             ", stride ", shape_str(spec.strides), " at offset ", spec.offset, " (it needs ", last ? *last + 1 : 0,
             ")");
  Value* v = arena.make(Kind::object);
  v->type = kTensorType;
  v->object = std::move(spec);
  return v;
}

Value* TorchPickleHost::construct(Arena& arena, Value& cls, Value& args) {
  PARE_CHECK(cls.is(Kind::global) && cls.text == kOrderedDict, "NEWOBJ may only create ", kOrderedDict, ", not ",
             cls.is(Kind::global) ? cls.text : std::string(pickle::kind_name(cls.kind)));
  return call(arena, cls, args);
}

void TorchPickleHost::build(Value& object, Value& state) {
  // A state dict's OrderedDict carries `_metadata` (module versions) as an attribute: not needed.
  PARE_CHECK(object.is(Kind::dict), "BUILD may only set attributes of an OrderedDict, not of a ",
             object.is(Kind::object) ? object.type : std::string(pickle::kind_name(object.kind)));
  PARE_CHECK(state.is(Kind::dict) || state.is(Kind::none), "BUILD state of an OrderedDict must be a dict, got a ",
             pickle::kind_name(state.kind));
}

Value* TorchPickleHost::persistent_load(Arena& arena, Value& pid) {
  PARE_CHECK(
      pid.is(Kind::tuple) && pid.items.size() == 5 && pid.items[0]->is(Kind::string) && pid.items[0]->text == "storage",
      "persistent id must be ('storage', type, key, location, numel), got a ", pickle::kind_name(pid.kind),
      pid.is(Kind::tuple) ? detail::concat(" of ", pid.items.size()) : std::string());
  const std::string_view what = "storage persistent id";
  const Value& type = arg(pid, 1, Kind::global, what, "type");
  const std::optional<DType> dtype = storage_dtype(type.text);
  PARE_CHECK(dtype.has_value(), what, ": ", type.text, " is not a storage type");
  const std::string& key = arg(pid, 2, Kind::string, what, "key").text;
  PARE_CHECK(key.size() <= kMaxStorageKey, what, ": a storage key of ", key.size(),
             " bytes (torch writes short numbers)");
  arg(pid, 3, Kind::string, what, "location");
  const Value& numel = arg(pid, 4, Kind::integer, what, "numel");
  PARE_CHECK(numel.integer >= 0, "storage '", key, "': negative size ", numel.integer);

  auto [it, inserted] = storages_.try_emplace(key);
  TorchStorage& storage = it->second;
  if (inserted) {
    const std::string entry_name = prefix_ + "/data/" + key;
    storage.key = key;
    storage.dtype = *dtype;
    storage.numel = static_cast<std::uint64_t>(numel.integer);
    storage.entry = archive_.find(entry_name);
    PARE_CHECK(storage.entry != nullptr, "storage '", key, "': the archive has no entry '", entry_name, "'");
    // Rejects a compressed entry now, naming it, and bytes that do not match their CRC-32: a
    // corrupted weight must not load. Each storage is checked once, however many tensors view it.
    archive_.read_verified(*storage.entry);
    std::uint64_t bytes = 0;
    PARE_CHECK(!__builtin_mul_overflow(storage.numel, dtype_size(*dtype), &bytes), "storage '", key,
               "': ", storage.numel, " elements overflow 64-bit sizes");
    PARE_CHECK(bytes == storage.entry->size, "storage '", key, "' of ", storage.numel, " ", dtype_name(*dtype),
               " elements needs ", bytes, " bytes but entry '", entry_name, "' holds ", storage.entry->size);
  } else {
    PARE_CHECK(storage.dtype == *dtype && storage.numel == static_cast<std::uint64_t>(numel.integer), "storage '", key,
               "' is referenced as ", numel.integer, " ", dtype_name(*dtype), " elements after ", storage.numel, " ",
               dtype_name(storage.dtype), " elements");
  }
  Value* v = arena.make(Kind::object);
  v->type = kStorageType;
  v->object = static_cast<const TorchStorage*>(&storage);
  return v;
}

}  // namespace pare
