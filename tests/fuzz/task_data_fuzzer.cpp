// Task data files: the first byte picks the reader, the rest is the file: the user's TSV, CSV or
// JSONL (columns sentence, label), or a GLUE task's TSV (train split, labelled).
#include "data/glue.h"
#include "data/user_data.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t kind = data[0];
  ++data;
  --size;
  const std::vector<std::string>& glue = pare::glue_task_names();
  pare::fuzz::read_or_refuse([&] {
    if (kind % 4 < 3) {
      const char* names[] = {"train.tsv", "train.csv", "train.jsonl"};
      pare::UserDataFiles files;
      files.train = pare::fuzz::write_input(names[kind % 4], data, size);
      files.text_column = "sentence";
      files.label_column = "label";
      files.text_pair_column = kind & 4 ? "sentence2" : "";
      files.regression = kind & 8;
      const pare::TaskInfo task = pare::user_task_info(files, pare::user_label_names(files));
      pare::read_user_examples(files.train, files, task);
    } else {
      const std::string& task = glue[(kind / 4) % glue.size()];
      pare::read_glue_file(task, pare::fuzz::write_input("train.tsv", data, size), pare::Split::train);
    }
  });
  return 0;
}
