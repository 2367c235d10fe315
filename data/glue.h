// GLUE: the nine tasks' descriptions and readers for their TSV files as the GLUE download
// distributes them (one directory per task: train.tsv, dev.tsv, test.tsv; MNLI has
// dev_matched.tsv, dev_mismatched.tsv, test_matched.tsv and test_mismatched.tsv).
//
// Layouts (columns are found by their header names, so a file of another task is refused):
//   CoLA   train/dev: no header; source, label, original label, sentence. test: index, sentence
//   SST-2  sentence, label                                   test: index, sentence
//   MRPC   Quality, #1 ID, #2 ID, #1 String, #2 String        test: index, #1 ID, ...
//   STS-B  index genre filename year old_index source1 source2 sentence1 sentence2 score
//          (test: without score)
//   QQP    id, qid1, qid2, question1, question2, is_duplicate  test: id, question1, question2
//   MNLI   index ... sentence1 (column 8), sentence2 (9), ..., gold_label (last); test: no labels
//   QNLI   index, question, sentence, label                  test: without label
//   RTE, WNLI  index, sentence1, sentence2, label            test: without label
// Labels as GLUE writes them: "0"/"1" for CoLA, SST-2, MRPC, QQP and WNLI; MNLI contradiction,
// entailment, neutral; QNLI and RTE entailment, not_entailment; STS-B a real score.
//
// Every row must have as many fields as the header (CoLA train/dev: 4) and a known label or a
// finite score; anything else throws pare::Error with "<file>:<line>:". Documented quirks, the
// only rows not read: in QQP train/dev a row with the wrong number of fields is skipped and its
// line listed in GlueData::skipped_lines (the GLUE copy of QQP has such broken rows, and the
// usual processors skip them too). A UTF-8 byte-order mark and '\r' line ends are accepted.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "data/example.h"

namespace pare {

// Task names: cola, sst2, mrpc, stsb, qqp, mnli (matched dev/test), mnli-mm (mismatched dev/test),
// qnli, rte, wnli. Lookup ignores case and also accepts GLUE's directory spellings "sst-2", "sts-b".
const std::vector<std::string>& glue_task_names();
const TaskInfo& glue_task(const std::string& name);

// The file of `split` in the task's directory (for example MNLI/dev_mismatched.tsv for mnli-mm).
std::filesystem::path glue_file(const std::string& task, const std::filesystem::path& task_dir, Split split);

struct GlueData {
  TaskInfo task;
  std::filesystem::path file;
  std::vector<TextExample> examples;       // labelled unless split is test
  std::vector<std::size_t> skipped_lines;  // 1-based; QQP's broken rows only
};

// Reads glue_file(task, task_dir, split).
GlueData read_glue(const std::string& task, const std::filesystem::path& task_dir, Split split);
// Reads `file` in the layout of `split` (test: the unlabelled layout).
GlueData read_glue_file(const std::string& task, const std::filesystem::path& file, Split split);

}  // namespace pare
