// What a torch.save pickle may contain, as an allow-list for the restricted unpickler: state-dict
// containers, tensors and the storages they view. Tensors come out as descriptions (storage, offset,
// shape, strides) checked against their storage, not yet as data.
//
// Allowed globals:
//   collections.OrderedDict                      called with no arguments; BUILD state ignored
//   torch._utils._rebuild_tensor_v2              (storage, offset, size, stride, requires_grad,
//                                                 backward_hooks[, metadata])
//   torch._utils._rebuild_parameter              (tensor, requires_grad, backward_hooks)
//   torch._utils._rebuild_parameter_with_state   (tensor, requires_grad, backward_hooks, state)
//   torch._tensor._rebuild_from_type_v2          (func, torch.Tensor or Parameter, args, state)
//   torch.Tensor, torch.nn.parameter.Parameter   only as _rebuild_from_type_v2's type
//   torch.{Float,Half,BFloat16,Int,Long,Byte,Bool}Storage   f32, f16, bf16, i32, i64, u8; bool as u8
// The persistent id of a storage is ('storage', storage type, key, location, numel): its bytes are
// the archive entry `<prefix>/data/<key>`, whatever the location (everything loads to the CPU).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "runtime/dtype.h"
#include "runtime/io/restricted_unpickler.h"
#include "runtime/io/zip_archive.h"
#include "runtime/tensor.h"  // Shape

namespace pare {

struct TorchStorage {
  std::string key;
  DType dtype = DType::f32;
  std::uint64_t numel = 0;
  const ZipEntry* entry = nullptr;  // holds exactly numel elements
};

// The payload of a pickle::Value of type "tensor".
struct TorchTensorSpec {
  const TorchStorage* storage = nullptr;
  std::int64_t offset = 0;  // in elements
  Shape shape;
  Shape strides;  // in elements, non-negative; every element lies inside the storage
};

class TorchPickleHost final : public pickle::UnpicklerHost {
 public:
  static constexpr const char* kTensorType = "tensor";
  static constexpr const char* kStorageType = "storage";

  // `prefix` is the archive's top folder (storages are `<prefix>/data/<key>`).
  TorchPickleHost(const ZipArchive& archive, std::string prefix) : archive_(archive), prefix_(std::move(prefix)) {}

  pickle::Value* find_global(pickle::Arena& arena, const std::string& module, const std::string& name) override;
  pickle::Value* call(pickle::Arena& arena, pickle::Value& callable, pickle::Value& args) override;
  pickle::Value* construct(pickle::Arena& arena, pickle::Value& cls, pickle::Value& args) override;
  void build(pickle::Value& object, pickle::Value& state) override;
  pickle::Value* persistent_load(pickle::Arena& arena, pickle::Value& pid) override;

 private:
  pickle::Value* rebuild_tensor(pickle::Arena& arena, const pickle::Value& args);

  const ZipArchive& archive_;
  std::string prefix_;
  std::map<std::string, TorchStorage> storages_;  // by key; a shared storage is loaded once
};

}  // namespace pare
