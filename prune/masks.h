// Masks: for each masked parameter, a 0/1 tensor with the parameter's Hugging Face name and shape.
// A parameter without a mask is kept whole. The file form is safetensors holding each mask as u8
// or f32; in memory every mask is f32, so applying one is a multiplication.
#pragma once

#include <filesystem>
#include <string>

#include "models/bert.h"            // BertTaskModel
#include "runtime/named_tensors.h"  // StateDict

namespace pare {

// Parameter name -> f32 mask of the parameter's shape, holding only 0 and 1.
using Masks = StateDict;

// Reads every tensor of `file` as a mask: dtype u8 or f32, values exactly 0 or 1. Errors name the
// file, the mask and the value or dtype at fault.
Masks load_masks(const std::filesystem::path& file);
// Writes `masks` as u8 (atomically), names sorted.
void save_masks(const std::filesystem::path& file, const Masks& masks);

// The masks under `model`'s own names: a name without the model's "bert." prefix that only makes
// sense with it (embeddings., encoder., pooler.) gets it. Throws, naming `source` and the mask, when
// a mask names no parameter of the model, has another shape, is not f32 or u8, or holds a value
// other than 0 and 1.
Masks resolve_masks(const BertTaskModel& model, const Masks& masks, const std::string& source);

// The parameters of `model` multiplied by their masks (unmasked ones copied), as a state dict that
// shares nothing with the model. `masks` must be resolved against `model`.
StateDict masked_state_dict(const BertTaskModel& model, const Masks& masks);

}  // namespace pare
