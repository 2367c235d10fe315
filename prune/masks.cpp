#include "prune/masks.h"

#include <cstdint>
#include <vector>

#include "runtime/io/safetensors.h"   // SafetensorsFile, save_safetensors
#include "runtime/ops/elementwise.h"  // mul

namespace pare {
namespace {

// The mask as f32 after checking that every element is exactly 0 or 1.
Tensor checked_mask(const Tensor& mask, const std::string& name, const std::string& source) {
  PARE_CHECK(mask.dtype() == DType::u8 || mask.dtype() == DType::f32, source, ": mask \"", name, "\" has dtype ",
             dtype_name(mask.dtype()), "; masks must be U8 or F32");
  const std::vector<double> values = mask.to_vector<double>();
  for (std::size_t i = 0; i < values.size(); ++i) {
    PARE_CHECK(values[i] == 0.0 || values[i] == 1.0, source, ": mask \"", name, "\" holds ", values[i], " at element ",
               i, "; masks hold only 0 and 1");
  }
  return mask.dtype() == DType::f32 ? mask.contiguous() : mask.to(DType::f32);
}

}  // namespace

Masks load_masks(const std::filesystem::path& file) {
  const SafetensorsFile st = SafetensorsFile::open(file);
  Masks masks;
  for (const std::string& name : st.names()) masks.emplace(name, checked_mask(st.load(name), name, file.string()));
  return masks;
}

void save_masks(const std::filesystem::path& file, const Masks& masks) {
  NamedTensors out;
  for (const auto& [name, mask] : masks) out.emplace_back(name, checked_mask(mask, name, file.string()).to(DType::u8));
  save_safetensors(file, out, {{"format", "pare-masks"}});
}

Masks resolve_masks(const BertTaskModel& model, const Masks& masks, const std::string& source) {
  StateDict params;
  for (const auto& [name, t] : model.named_parameters()) params.emplace(name, t);
  const std::string prefix = model.bert_prefix();
  Masks out;
  for (const auto& [given, mask] : masks) {
    std::string name = given;
    if (!prefix.empty() && !params.count(name) &&
        (name.starts_with("embeddings.") || name.starts_with("encoder.") || name.starts_with("pooler."))) {
      name = prefix + name;
    }
    const auto param = params.find(name);
    PARE_CHECK(param != params.end(), source, ": mask \"", given, "\" names no parameter of the model");
    PARE_CHECK(mask.shape() == param->second.shape(), source, ": mask \"", given, "\" has shape ",
               shape_str(mask.shape()), " but the parameter has shape ", shape_str(param->second.shape()));
    PARE_CHECK(out.emplace(name, checked_mask(mask, given, source)).second, source, ": parameter \"", name,
               "\" has two masks");
  }
  return out;
}

StateDict masked_state_dict(const BertTaskModel& model, const Masks& masks) {
  StateDict out;
  for (const auto& [name, t] : model.state_dict()) {
    const Tensor weight = t.to(DType::f32);
    const auto mask = masks.find(name);
    out.emplace(name, mask == masks.end() ? weight.clone() : mul(weight, mask->second.to(weight.device())));
  }
  return out;
}

}  // namespace pare
