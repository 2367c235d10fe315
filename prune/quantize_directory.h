// Int8 quantization of a model directory (models/int8_model.h) written as a new directory,
// atomically, with the original's tokenizer files and labels.txt beside it. What `pare quantize`
// and `pare run`'s int8 stage call.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "models/int8_model.h"  // Int8ModuleError

namespace pare {

struct QuantizeDirectoryOptions {
  // Regular expressions (RE2, matched against the whole name, prune/name_pattern.h) over the names
  // of the modules quantize makes int8 ("bert.encoder.layer.3.output.dense"): those matched stay
  // f32. Each must match at least one.
  std::vector<std::string> keep_f32;
  bool overwrite = false;
  // When above 0: that many modules with the largest int8 output error (models/int8_model.h
  // int8_errors_by_module), measured on 8 sequences of random token ids of up to 64 tokens.
  std::size_t largest_errors = 0;
};

struct QuantizeDirectoryResult {
  std::vector<std::string> int8_modules;  // by the model's names
  std::vector<std::string> kept_f32;
  std::int64_t bytes_before = 0, bytes_after = 0;  // of the weight files
  std::vector<Int8ModuleError> largest_errors;     // largest first
};

// Throws pare::Error when `out` breaks the output-folder policy (train/output_folder.h), when the
// model is int8 already or lacks weights, when a --keep-f32 pattern is refused or matches nothing,
// or when a weight holds NaN or an infinity. `out` is replaced only once the new directory is
// complete.
QuantizeDirectoryResult quantize_directory(const std::filesystem::path& model_dir, const std::filesystem::path& out,
                                           const QuantizeDirectoryOptions& options = {});

// The bytes of a model directory's weights (model.safetensors, or its shards, or pytorch_model.bin).
std::int64_t weight_file_bytes(const std::filesystem::path& model_dir);

}  // namespace pare
