// TextExample and TaskInfo: what a dataset reader produces (raw text and labels, before any
// tokenizer) and what a task is (its labels and the metrics it is judged by).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace pare {

// Token label of positions a tagging loss and metric skip (padding, special tokens, sub-tokens
// after a word's first), as PyTorch's cross-entropy ignore_index.
inline constexpr std::int64_t kIgnoreLabel = -100;

// answer_span: extractive question answering (SQuAD), a start and an end token per example.
enum class TaskKind { classification, regression, tagging, answer_span };

// Which part of a dataset; a test split may come without labels (GLUE's do).
enum class Split { train, dev, test };

const char* split_name(Split split);
// "train", "dev" (also "validation") or "test"; anything else throws pare::Error.
Split parse_split(const std::string& name);

struct TaskInfo {
  std::string name;
  TaskKind kind = TaskKind::classification;
  // Class names in label-index order (tag names for tagging); empty for regression.
  std::vector<std::string> label_names;
  // The metrics task_metrics() reports, the first being the one to select checkpoints by.
  std::vector<std::string> metric_names;

  // Outputs of the head: one per class or tag, one for regression.
  std::int64_t num_labels() const {
    return kind == TaskKind::regression ? 1 : static_cast<std::int64_t>(label_names.size());
  }
  bool is_regression() const { return kind == TaskKind::regression; }
  bool is_tagging() const { return kind == TaskKind::tagging; }
};

// The label names, one per line, written atomically (a model directory keeps its task's labels so
// a tag or class id means the same thing when the model is loaded again).
void save_label_names(const TaskInfo& task, const std::filesystem::path& file);
// Reads such a file; an empty or duplicated name throws pare::Error with "<file>:<line>:".
std::vector<std::string> load_label_names(const std::filesystem::path& file);

// One example. Sentence tasks fill text_a (and text_b for pairs) and, when labelled, `label`
// (classification) or `score` (regression). Tagging fills `words` and one tag index per word in
// `tags`; text_a then holds the words joined by spaces, for display. Unlabelled test examples
// leave label, score and tags empty.
struct TextExample {
  std::string id;  // the dataset's own id when it has one, else "<file>:<line>"
  std::string text_a;
  std::optional<std::string> text_b;
  std::optional<std::int64_t> label;
  std::optional<float> score;
  std::vector<std::string> words;
  std::vector<std::int64_t> tags;

  bool has_label() const { return label.has_value() || score.has_value() || !tags.empty(); }
};

}  // namespace pare
