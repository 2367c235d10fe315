#include "train/task_data.h"

#include "data/brown.h"
#include "data/glue.h"
#include "runtime/error.h"

namespace pare {

bool is_brown_task(const std::string& task) {
  return task == "brown-genre" || task == "brown-pos" || task == "brown-order";
}

TaskInfo named_task_info(const std::string& task) {
  if (task == "brown-genre") return brown_genre_task();
  if (task == "brown-pos") return brown_pos_task();
  if (task == "brown-order") return brown_order_task();
  try {
    return glue_task(task);
  } catch (const Error&) {
    std::string known = "brown-genre, brown-pos, brown-order";
    for (const std::string& name : glue_task_names()) known += ", " + name;
    throw Error(detail::concat("unknown task '", task, "' (known: ", known, ")"));
  }
}

TaskInfo task_info(const TaskDataSource& source) {
  if (!source.user.given()) return named_task_info(source.task);
  PARE_CHECK(source.task.empty(), "give either --task or the user's files (--train, --dev, --test), not both");
  return user_task_info(source.user, source.user.train.empty() && !source.user.regression
                                         ? source.user_labels
                                         : user_label_names(source.user));
}

std::vector<TextExample> read_task_split(const TaskDataSource& source, Split split) {
  if (source.user.given()) {
    const std::filesystem::path& file = user_split_file(source.user, split);
    PARE_CHECK(!file.empty(), "user data: no file for the ", split_name(split), " split (--", split_name(split),
               " FILE)");
    std::vector<TextExample> examples = read_user_examples(file, source.user, task_info(source));
    check_user_split(examples, file, source.user, split);
    return examples;
  }
  if (source.task == "brown-genre") return brown_genre_examples(source.brown_dir, split, source.sentences_per_passage);
  if (source.task == "brown-pos") return brown_pos_examples(source.brown_dir, split);
  if (source.task == "brown-order") return brown_order_examples(source.brown_dir, split);
  named_task_info(source.task);  // an unknown name fails here, before the directory check
  PARE_CHECK(!source.glue_dir.empty(), "task '", source.task, "' needs its GLUE directory (--data DIR)");
  return read_glue(source.task, source.glue_dir, split).examples;
}

}  // namespace pare

namespace pare {

std::vector<TextExample> evenly_spaced(std::vector<TextExample> examples, std::size_t max) {
  if (max == 0 || examples.size() <= max) return examples;
  std::vector<TextExample> out;
  out.reserve(max);
  for (std::size_t i = 0; i < max; ++i) out.push_back(std::move(examples[i * examples.size() / max]));
  return out;
}

}  // namespace pare
