// Distilling a teacher model directory into a student model directory on a named task (what
// `pare distill` runs): finetune() of the student with a DistillationHook, after checking that the
// two directories tokenize alike, since the teacher reads the student's batches.
#pragma once

#include <filesystem>

#include "distill/distillation_options.h"
#include "train/finetune.h"

namespace pare {

struct DistillTaskOptions {
  FinetuneOptions finetune;  // model_dir is the student; trainer.task_loss_weight weighs the task loss
  std::filesystem::path teacher_dir;
  DistillationOptions distillation;
};

TrainResult distill_task(const DistillTaskOptions& options);

// Throws naming both directories and the file when their tokenizer files differ in name or bytes.
void check_same_tokenizer(const std::filesystem::path& teacher_dir, const std::filesystem::path& student_dir);

}  // namespace pare
