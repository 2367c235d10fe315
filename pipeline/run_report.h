// The report of a pipeline run, rebuilt from the run directory's stage records (stage.json) and
// training logs (metrics.jsonl), so a partial or resumed run reports what it has:
//   report.json  {"recipe", "task", "metric", "trivial", "stages": [...], "sweep": [...], "int8",
//                 "onnx", "wall_s", "figures"}; each stage: name, kind, model, wall_s, dev and test metrics,
//                 parameters of embeddings, encoder, pooler and head with their sparsity against the
//                 teacher, FLOPs per token, per-layer shapes, hidden size, latency at batch 1 and
//                 throughput at batch 32 measured here, and both as ratios to the teacher's
//   report.md    the stage table and the figures
//   figures/     heads.svg (layer x head grid per stage), widths.svg (FFN units per layer, hidden
//                size), metric_vs_sparsity.svg, layer_map.svg (the distiller's map over training),
//                loss.svg (training loss of every step)
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "pipeline/pipeline_options.h"

namespace pare {

// Writes report.json, report.md and figures/ into `run_dir` (atomically, file by file) and
// returns what report.json holds.
nlohmann::json write_run_report(const std::filesystem::path& run_dir, const PipelineOptions& options);

// A stage record (stage.json, written when a step of the run finishes), checked as it is read:
// unknown keys and numbers that do not fit are refused naming the file and the field's path.
nlohmann::json read_stage_record(const std::filesystem::path& file);

// The report's stage table in Markdown (also the end of `pare run`'s output).
std::string stage_table(const nlohmann::json& report);

// The onnx step's record (pipeline/onnx_step.h) in one sentence: the file, its size, the model it
// holds and ONNX Runtime's verdict (or why it did not run).
std::string onnx_summary(const nlohmann::json& record);

// A line in words for each stage (or sweep point) slower than the teacher at batch 1 or at batch 32,
// with both figures; "" when none is. Pruning exists to make a model faster, so a slower one is
// said, not left in a column (after the table, in report.md and in `pare run`'s output).
std::string slower_than_teacher(const nlohmann::json& report);

}  // namespace pare
