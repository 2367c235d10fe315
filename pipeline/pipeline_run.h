// run_pipeline: the whole flow of a recipe (pipeline/recipe.h) into a run directory:
//   run.json                 the options (pipeline/pipeline_options.h); a run is only continued
//                            under the same ones
//   tokenizer/, pretrain/    vocabulary and MLM pretraining (runs without a model only)
//   teacher/                 the fine-tuned teacher (best/), or a record of the given one
//   attention-removed/       the baseline: the teacher without attention heads, retrained
//   <k>-<stage>/             each pruning stage: the trainer's and pruner's output, and compact/,
//                            the smaller model after surgery, which the next stage starts from
//   int8/model/              the last stage's compact model quantized (recipe "int8")
//   onnx/final.onnx          the last stage's compact model as ONNX, checked by ONNX Runtime (recipe "onnx")
//   sweep-rs<scale>/         with sweep_regular_scales: the first stage at each strength instead
//   report.json, report.md, figures/*.svg   (pipeline/run_report.h), rewritten after every stage
// Each step ends by writing <dir>/stage.json atomically; a step without one is redone, from its
// trainer checkpoint when it has one (saved every recipe.save_every steps and on Ctrl-C). So a run
// stopped at any moment continues with resume and ends as an uninterrupted run with the same seed
// would: the trainer resumes bit for bit, and every other step is deterministic.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "pipeline/pipeline_options.h"

namespace pare {

struct PipelineResult {
  bool interrupted = false;  // Ctrl-C in a training step: its checkpoint is saved
  std::string stopped_in;    // the directory of the step it stopped in (or right after, when that one was complete)
  nlohmann::json report;     // what report.json holds
};

// A new run needs `out` absent or empty; with `resume`, `out` must hold run.json with the same
// options (else the differences are listed in the error). Throws pare::Error on any failure.
PipelineResult run_pipeline(const PipelineOptions& options, bool resume);

// run.json of a run directory, for `pare run --resume RUN`; throws when there is none.
PipelineOptions load_run_options(const std::filesystem::path& run_dir);

}  // namespace pare
