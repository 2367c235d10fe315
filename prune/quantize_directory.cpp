#include "prune/quantize_directory.h"

#include <algorithm>
#include <random>

#include "models/checkpoint.h"  // load_pretrained, save_pretrained
#include "models/int8_model.h"  // quantize_model, int8_candidates
#include "prune/name_pattern.h"
#include "runtime/error.h"
#include "train/atomic_directory.h"
#include "train/output_folder.h"
#include "train/tokenizer_files.h"

namespace pare {
namespace fs = std::filesystem;
namespace {

// 8 sequences of up to 64 random token ids (1 .. vocab - 1), no padding, token type 0.
BertInputs random_inputs(const BertConfig& config) {
  const std::int64_t batch = 8, seq = std::min<std::int64_t>(64, config.max_position_embeddings);
  std::mt19937_64 rng(0);
  std::vector<std::int64_t> ids(static_cast<std::size_t>(batch * seq));
  for (std::int64_t& id : ids)
    id = 1 + static_cast<std::int64_t>(rng() %
                                       static_cast<std::uint64_t>(std::max<std::int64_t>(config.vocab_size - 1, 1)));
  return {Tensor::from_vector(ids, {batch, seq}), Tensor::ones({batch, seq}, DType::i64),
          Tensor::zeros({batch, seq}, DType::i64)};
}

}  // namespace

std::int64_t weight_file_bytes(const fs::path& model_dir) {
  std::int64_t bytes = 0;
  for (const auto& entry : fs::directory_iterator(model_dir)) {
    const std::string name = entry.path().filename().string();
    const bool weights = name == "pytorch_model.bin" || (name.starts_with("model") && name.ends_with(".safetensors"));
    if (weights && entry.is_regular_file()) bytes += static_cast<std::int64_t>(entry.file_size());
  }
  return bytes;
}

QuantizeDirectoryResult quantize_directory(const fs::path& model_dir, const fs::path& out,
                                           const QuantizeDirectoryOptions& options) {
  check_output_folder(out, {model_dir}, options.overwrite, "quantize");
  check_not_int8(BertConfig::load(model_dir), model_dir.string(), "quantizing again");
  std::vector<NamePattern> patterns;
  for (const std::string& pattern : options.keep_f32) {
    try {
      patterns.push_back(NamePattern::compile(pattern));
    } catch (const Error& e) {
      throw Error("quantize: --keep-f32 \"" + pattern + "\": " + e.what());
    }
  }
  LoadedBert loaded = load_pretrained(model_dir);
  PARE_CHECK(loaded.report.initialised.empty(), "quantize: ", loaded.report.summary(),
             "\na model to quantize must hold all its weights");
  loaded.model->eval();

  QuantizeDirectoryResult result;
  QuantizeOptions quantize;
  const std::vector<std::string> candidates = int8_candidates(*loaded.model);
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    bool matched = false;
    for (const std::string& name : candidates) {
      if (!patterns[i].matches(name)) continue;
      matched = true;
      if (std::find(quantize.keep_f32.begin(), quantize.keep_f32.end(), name) == quantize.keep_f32.end())
        quantize.keep_f32.push_back(name);
    }
    PARE_CHECK(matched, "quantize: --keep-f32 \"", options.keep_f32[i], "\" matches none of the ", candidates.size(),
               " modules quantize makes int8 (\"", candidates.empty() ? std::string() : candidates.front(), "\", ...)");
  }
  const auto quantized = quantize_model(*loaded.model, quantize);
  if (options.largest_errors > 0) {
    result.largest_errors = int8_errors_by_module(*loaded.model, random_inputs(loaded.model->config()));
    if (result.largest_errors.size() > options.largest_errors) result.largest_errors.resize(options.largest_errors);
  }
  result.kept_f32 = quantize.keep_f32;
  for (const std::string& name : candidates) {
    if (std::find(quantize.keep_f32.begin(), quantize.keep_f32.end(), name) == quantize.keep_f32.end())
      result.int8_modules.push_back(name);
  }

  AtomicDirectory dir(out);
  save_pretrained(*quantized, dir.temp_path());
  // A directory of weights alone (no tokenizer) quantizes too.
  if (holds_tokenizer(model_dir)) {
    for (const fs::path& file : tokenizer_files(model_dir)) fs::copy_file(file, dir.temp_path() / file.filename());
  }
  if (fs::exists(model_dir / "labels.txt")) fs::copy_file(model_dir / "labels.txt", dir.temp_path() / "labels.txt");
  dir.commit();
  result.bytes_before = weight_file_bytes(model_dir);
  result.bytes_after = weight_file_bytes(out);
  return result;
}

}  // namespace pare
