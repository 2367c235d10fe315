// PyTorch checkpoints (`pytorch_model.bin`, torch.save's zip format): the tensors of a state dict,
// read through a restricted unpickler that understands only what tensors need and never runs code.
#pragma once

#include <filesystem>

#include "runtime/named_tensors.h"  // NamedTensors

namespace pare {

// The tensors of the state dict in `path`, in the pickle's order, as CPU tensors of their stored
// dtype (f32, f16, bf16, i32, i64, u8); views (storage offsets, strides) are honoured. Anything the
// restricted unpickler does not know (other globals, other opcodes), a truncated or corrupt archive,
// or a storage too small for a tensor throws pare::Error naming the file and the record.
// The pickle must be a dict of tensors, or a dict with exactly one dict of tensors among its values
// (a wrapper such as {"state_dict": ..., "epoch": 3}). bool tensors load as u8; every tensor owns its
// buffer (tied weights load as equal copies). torch's legacy pre-1.6 format is rejected with advice.
NamedTensors load_pytorch_checkpoint(const std::filesystem::path& path);

}  // namespace pare
