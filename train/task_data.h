// The datasets `pare finetune` and `pare eval` know by name: the Brown corpus tasks (brown-genre,
// brown-pos, read from corpora/brown unless told otherwise) and the nine GLUE tasks (read from the
// task's directory of the GLUE download).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "data/example.h"
#include "data/user_data.h"

namespace pare {

struct TaskDataSource {
  std::string task;    // "brown-genre", "brown-pos" or a GLUE name; empty for the user's files
  UserDataFiles user;  // the user's TSV, CSV or JSONL files (data/user_data.h)
  // The user's label set when no training file gives it (evaluation: the model's labels.txt).
  std::vector<std::string> user_labels;
  std::filesystem::path glue_dir;  // GLUE: the task's directory (train.tsv, dev.tsv, ...)
  std::filesystem::path brown_dir = "corpora/brown";
  std::size_t sentences_per_passage = 5;  // brown-genre
};

bool is_brown_task(const std::string& task);
// The task's labels and metrics; throws naming the task and listing the known ones.
TaskInfo named_task_info(const std::string& task);
// The task of a source: a named one, or the user's files (labels from the training file).
TaskInfo task_info(const TaskDataSource& source);
// The examples of `split`; throws when a GLUE task has no directory or a file is missing.
std::vector<TextExample> read_task_split(const TaskDataSource& source, Split split);

}  // namespace pare

namespace pare {

// At most `max` examples spread evenly over the list (0: all), so a quick run on part of a dataset
// still sees every genre or class of a dataset stored in order.
std::vector<TextExample> evenly_spaced(std::vector<TextExample> examples, std::size_t max);

}  // namespace pare
