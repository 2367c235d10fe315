#include "prune/speedup_directory.h"

#include <sstream>

#include "models/checkpoint.h"  // load_pretrained, save_pretrained
#include "models/int8_model.h"  // check_not_int8
#include "prune/masks.h"        // load_masks, resolve_masks
#include "runtime/error.h"
#include "train/atomic_directory.h"
#include "train/output_folder.h"
#include "train/tokenizer_files.h"

namespace pare {
namespace {

namespace fs = std::filesystem;

std::int64_t parameter_count(const Module& model) {
  std::int64_t n = 0;
  for (const auto& [name, p] : model.named_parameters()) n += p.numel();
  return n;
}

}  // namespace

SpeedupDirectoryResult speedup_directory(const fs::path& model_dir, const fs::path& masks_file, const fs::path& out,
                                         Device device, bool overwrite) {
  check_output_folder(out, {model_dir, masks_file}, overwrite, "speedup");
  check_not_int8(BertConfig::load(model_dir), model_dir.string(), "speed-up surgery");
  LoadedBert loaded = load_pretrained(model_dir);
  PARE_CHECK(loaded.report.initialised.empty(), "speedup: ", loaded.report.summary(),
             "\na model to compact must hold all its weights");
  loaded.model->to(device);
  loaded.model->eval();
  const Masks masks = resolve_masks(*loaded.model, load_masks(masks_file), masks_file.string());
  SpeedupDirectoryResult result;
  result.plan = plan_speedup(*loaded.model, masks);
  const auto compact = speedup(*loaded.model, masks);
  result.before = loaded.model->config();
  result.after = compact->config();
  result.parameters_before = parameter_count(*loaded.model);
  result.parameters_after = parameter_count(*compact);

  AtomicDirectory dir(out);
  save_pretrained(*compact, dir.temp_path());
  result.copied_tokenizer = holds_tokenizer(model_dir);
  if (result.copied_tokenizer) {
    for (const fs::path& file : tokenizer_files(model_dir)) fs::copy_file(file, dir.temp_path() / file.filename());
  }
  if (fs::exists(model_dir / "labels.txt")) fs::copy_file(model_dir / "labels.txt", dir.temp_path() / "labels.txt");
  dir.commit();
  return result;
}

std::string describe(const SpeedupDirectoryResult& r) {
  std::ostringstream text;
  const auto& before = r.before.layer_shapes;
  for (std::size_t i = 0; i < before.size(); ++i) {
    text << "layer " << i << ": heads " << r.plan.kept_heads[i].size() << "/" << before[i].heads << ", FFN units "
         << r.plan.kept_units[i].size() << "/" << before[i].ffn_dim << "\n";
  }
  text << "hidden size " << r.plan.kept_hidden.size() << "/" << r.before.hidden_size;
  if (r.after.layer_norm_size() != r.after.hidden_size)
    text << " (LayerNorms over " << r.after.layer_norm_size() << ")";
  text << "\nparameters " << r.parameters_before << " -> " << r.parameters_after << "\n";
  return text.str();
}

}  // namespace pare
