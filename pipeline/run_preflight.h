// Checks of a pipeline run's options against the model it starts from, made before run.json is
// written and before anything trains. Without them a pruning config that selects no parameter,
// teacher layers the teacher lacks, or a sweep over a regular_scale that nothing reads would be
// found only after the teacher (and the stages before) had trained.
#pragma once

#include "pipeline/pipeline_options.h"

namespace pare {

// Throws pare::Error naming the stage, the file and field, and the value at fault. Every stage is
// checked against the starting model's architecture, which pruning only makes smaller: a config
// that selects nothing there selects nothing later either.
void check_run_before_training(const PipelineOptions& options);

}  // namespace pare
