// The ONNX step of `pare run`: the run's final f32 model written as an ONNX file by pare-onnx-export
// (export/, a program of its own: export/onnx_export_main.cpp says why) and checked by ONNX Runtime
// (Node.js with onnxruntime-node, export/onnxruntime_run.js) against pare's own forward pass on a
// padded batch of dev sequences. ONNX Runtime is not part of pare: where Node.js or the package is
// missing the file is still written and checked by ONNX's checker, and the record says why ONNX
// Runtime did not run.
#pragma once

#include <cstddef>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "train/task_data.h"

namespace pare {

struct OnnxStepOptions {
  std::filesystem::path model_dir;  // the f32 model directory to export
  std::filesystem::path out;        // the .onnx file, replaced when it exists
  TaskDataSource data;              // whose dev split the check runs on
  std::size_t seq = 128;            // tokens a sequence at most, as the run evaluates
  std::size_t sequences = 8;        // dev sequences in the check's batch
};

// Largest difference ONNX Runtime's outputs may have from pare's to be called equal, as the tests of
// pare export assert (f32 models: different but equally exact summation orders).
inline constexpr double kOnnxRuntimeTolerance = 1e-4;

// Whether this pare can export (it was built with libonnx).
bool onnx_export_available();

// Exports and checks: {"bytes": file size, "onnxruntime": {"version", "sequences", "tokens",
// "max_abs_difference", "matched"} or {"not_run": why}}. Throws pare::Error with the exporter's
// message when the export fails.
nlohmann::json export_and_check_onnx(const OnnxStepOptions& options);

}  // namespace pare
