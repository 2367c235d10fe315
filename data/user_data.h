// Users' own labelled text: TSV, CSV or JSON Lines files, one example per row, the columns named by
// the user (a header row in TSV and CSV, keys in JSON Lines). The label set is the training file's
// distinct labels; regression, when the user says so, reads the labels as numbers.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "data/example.h"

namespace pare {

// Regression labels beyond this in magnitude are refused: their f32 squared error, summed over a
// batch, overflows and training ends in a non-finite loss. Such labels need rescaling, which is the
// user's to choose (train/non_finite_loss.h names them too). Labels in the millions (prices, counts)
// train as given.
constexpr double kMaxRegressionLabel = 1e15;

struct UserDataFiles {
  std::filesystem::path train, dev, test;
  std::string text_column, text_pair_column, label_column;
  bool regression = false;

  bool given() const { return !train.empty() || !dev.empty() || !test.empty(); }
};

// The file of a split (Split::test: `test`, which may be empty).
const std::filesystem::path& user_split_file(const UserDataFiles& files, Split split);

// The distinct label values of the training file in sorted order (numerically when every value is an
// integer), for classification; empty for regression. Throws naming the file when it has no labels,
// and naming file, line and both spellings when two labels read as the same number ("1", "01", "1.0").
std::vector<std::string> user_label_names(const UserDataFiles& files);

// The task of these files: classification over `labels` (metrics accuracy, and f1 of the second label
// for two), or regression (pearson, spearman).
TaskInfo user_task_info(const UserDataFiles& files, std::vector<std::string> labels);

// The rows of `file` as examples (id "<file>:<line>"). A row whose label cell is empty or missing is
// unlabelled; a file is all labelled or all unlabelled (a file to predict). Throws pare::Error with
// "<file>:<line>:" for a malformed row, a missing or twice-named column, a file mixing labelled and
// unlabelled rows, a label outside `task`'s labels or a regression label that is not a number or lies
// beyond +-1e6; the format comes from the extension (.tsv, .csv, .jsonl or .json).
std::vector<TextExample> read_user_examples(const std::filesystem::path& file, const UserDataFiles& files,
                                            const TaskInfo& task);

// What a split asks of the examples read from `file` beyond their rows: the train and dev splits
// need labels, and a dev split's regression labels must not all be equal (Pearson and Spearman are
// undefined on constant labels, so every evaluation would be too). Throws naming the file.
void check_user_split(const std::vector<TextExample>& examples, const std::filesystem::path& file,
                      const UserDataFiles& files, Split split);

}  // namespace pare
