#include "distill/distill_task.h"

#include <string>

#include "distill/distillation_hook.h"
#include "runtime/error.h"
#include "runtime/io/input_file.h"
#include "train/tokenizer_files.h"

namespace pare {

void check_same_tokenizer(const std::filesystem::path& teacher_dir, const std::filesystem::path& student_dir) {
  const auto teacher_files = tokenizer_files(teacher_dir);
  const auto student_files = tokenizer_files(student_dir);
  std::string names;
  for (const auto& f : teacher_files) names.append(" ").append(f.filename().string());
  PARE_CHECK(teacher_files.size() == student_files.size(), "teacher ", teacher_dir.string(), " and student ",
             student_dir.string(), " have different tokenizer files (teacher:", names, ")");
  for (std::size_t i = 0; i < teacher_files.size(); ++i) {
    PARE_CHECK(
        teacher_files[i].filename() == student_files[i].filename() &&
            read_input_file(teacher_files[i], "tokenizer file") == read_input_file(student_files[i], "tokenizer file"),
        "teacher ", teacher_dir.string(), " and student ", student_dir.string(), " differ in tokenizer file ",
        teacher_files[i].filename().string(), "; distillation needs one tokenizer for both");
  }
}

TrainResult distill_task(const DistillTaskOptions& options) {
  check_same_tokenizer(options.teacher_dir, options.finetune.model_dir);
  FinetuneOptions finetune_options = options.finetune;
  finetune_options.trainer.inputs.push_back(options.teacher_dir);
  finetune_options.require_head = true;
  const BertConfig student = BertConfig::load(options.finetune.model_dir);
  PARE_CHECK(options.distillation.device == options.finetune.trainer.device, "distill: the teacher would be on ",
             options.distillation.device.str(), " and the student on ", options.finetune.trainer.device.str());
  std::shared_ptr<TrainingHook> hook = make_distillation_hook(options.teacher_dir, student, options.distillation);
  finetune_options.hooks = [hook, more = options.finetune.hooks](BertTaskModel& model) {
    std::vector<std::shared_ptr<TrainingHook>> hooks{hook};
    if (more) {
      for (auto& h : more(model)) hooks.push_back(std::move(h));
    }
    return hooks;
  };
  return finetune(finetune_options);
}

}  // namespace pare
