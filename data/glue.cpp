#include "data/glue.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <map>

#include "data/text_lines.h"  // read_text_lines, split_tabs, file_line_prefix
#include "runtime/error.h"

namespace pare {
namespace {

// How one task's files are laid out: the header names of the columns a reader takes.
struct GlueSpec {
  TaskInfo info;
  std::string file_suffix;                // "_matched" / "_mismatched" for MNLI's dev and test files
  std::string text_a, text_b, label, id;  // labelled files; empty: no such column
  std::string test_text_a, test_text_b, test_id;
  bool skip_broken_rows = false;  // QQP's documented quirk
};

// CoLA's train and dev files have no header; these names stand for its four fixed columns.
const std::vector<std::string> kColaColumns = {"source", "label", "original_label", "sentence"};

TaskInfo classification(std::string name, std::vector<std::string> labels,
                        std::vector<std::string> metrics = {"accuracy"}) {
  return TaskInfo{std::move(name), TaskKind::classification, std::move(labels), std::move(metrics)};
}

const std::map<std::string, GlueSpec>& glue_specs() {
  static const std::map<std::string, GlueSpec> specs = [] {
    const std::vector<std::string> binary = {"0", "1"};
    const std::vector<std::string> entail = {"entailment", "not_entailment"};
    std::map<std::string, GlueSpec> s;
    s["cola"] = {classification("cola", binary, {"mcc"}), "", "sentence", "", "label", "", "sentence", "", "index"};
    s["sst2"] = {classification("sst2", binary), "", "sentence", "", "label", "", "sentence", "", "index"};
    s["mrpc"] = {classification("mrpc", binary, {"f1", "accuracy"}),
                 "",
                 "#1 String",
                 "#2 String",
                 "Quality",
                 "",
                 "#1 String",
                 "#2 String",
                 "index"};
    s["stsb"] = {TaskInfo{"stsb", TaskKind::regression, {}, {"pearson", "spearman"}},
                 "",
                 "sentence1",
                 "sentence2",
                 "score",
                 "index",
                 "sentence1",
                 "sentence2",
                 "index"};
    s["qqp"] = {classification("qqp", binary, {"f1", "accuracy"}),
                "",
                "question1",
                "question2",
                "is_duplicate",
                "id",
                "question1",
                "question2",
                "id",
                true};
    const std::vector<std::string> nli = {"contradiction", "entailment", "neutral"};
    s["mnli"] = {classification("mnli", nli),
                 "_matched",
                 "sentence1",
                 "sentence2",
                 "gold_label",
                 "index",
                 "sentence1",
                 "sentence2",
                 "index"};
    s["mnli-mm"] = s["mnli"];
    s["mnli-mm"].info.name = "mnli-mm";
    s["mnli-mm"].file_suffix = "_mismatched";
    s["qnli"] = {
        classification("qnli", entail), "", "question", "sentence", "label", "index", "question", "sentence", "index"};
    s["rte"] = {classification("rte", entail),
                "",
                "sentence1",
                "sentence2",
                "label",
                "index",
                "sentence1",
                "sentence2",
                "index"};
    s["wnli"] = {classification("wnli", binary),
                 "",
                 "sentence1",
                 "sentence2",
                 "label",
                 "index",
                 "sentence1",
                 "sentence2",
                 "index"};
    return s;
  }();
  return specs;
}

std::string canonical_name(const std::string& name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "sst-2") return "sst2";
  if (lower == "sts-b") return "stsb";
  return lower;
}

const GlueSpec& glue_spec(const std::string& name) {
  const auto& specs = glue_specs();
  const auto it = specs.find(canonical_name(name));
  if (it == specs.end()) {
    std::string known;
    for (const auto& n : glue_task_names()) known += (known.empty() ? "" : ", ") + n;
    throw Error("unknown GLUE task '" + name + "' (known: " + known + ")");
  }
  return it->second;
}

// Index of column `name` in `header`, or -1 for an empty name; a missing column is an error.
int column_of(const std::vector<std::string>& header, const std::string& name, const std::filesystem::path& file,
              const std::string& task) {
  if (name.empty()) return -1;
  const auto it = std::find(header.begin(), header.end(), name);
  if (it == header.end()) {
    std::string found;
    for (const auto& h : header) found += (found.empty() ? "" : ", ") + ("'" + h + "'");
    throw Error(file_line_prefix(file, 1) + task + ": header has no column '" + name + "' (found " + found +
                "); is this the right task and split?");
  }
  return static_cast<int>(it - header.begin());
}

float parse_score(std::string_view field, const std::string& where) {
  float value = 0.0f;
  const char* end = field.data() + field.size();
  const auto [ptr, ec] = std::from_chars(field.data(), end, value);
  PARE_CHECK(ec == std::errc() && ptr == end && std::isfinite(value), where, "score '", field,
             "' is not a finite number");
  return value;
}

}  // namespace

const std::vector<std::string>& glue_task_names() {
  static const std::vector<std::string> names = {"cola", "sst2",    "mrpc", "stsb", "qqp",
                                                 "mnli", "mnli-mm", "qnli", "rte",  "wnli"};
  return names;
}

const TaskInfo& glue_task(const std::string& name) { return glue_spec(name).info; }

std::filesystem::path glue_file(const std::string& task, const std::filesystem::path& task_dir, Split split) {
  const GlueSpec& spec = glue_spec(task);
  const std::string base = split_name(split);
  return task_dir / (split == Split::train ? base + ".tsv" : base + spec.file_suffix + ".tsv");
}

GlueData read_glue(const std::string& task, const std::filesystem::path& task_dir, Split split) {
  return read_glue_file(task, glue_file(task, task_dir, split), split);
}

GlueData read_glue_file(const std::string& task, const std::filesystem::path& file, Split split) {
  const GlueSpec& spec = glue_spec(task);
  const std::string& name = spec.info.name;
  const bool labelled = split != Split::test;
  const std::vector<std::string> lines = read_text_lines(file);

  std::vector<std::string> header;
  std::size_t first_row = 0;
  if (name == "cola" && labelled) {
    header = kColaColumns;
  } else {
    PARE_CHECK(!lines.empty(), file_line_prefix(file, 1), name, ": empty file, expected a header");
    for (const auto field : split_tabs(lines[0])) header.emplace_back(field);
    first_row = 1;
  }
  const int col_a = column_of(header, labelled ? spec.text_a : spec.test_text_a, file, name);
  const int col_b = column_of(header, labelled ? spec.text_b : spec.test_text_b, file, name);
  const int col_id = column_of(header, labelled ? spec.id : spec.test_id, file, name);
  const int col_label = labelled ? column_of(header, spec.label, file, name) : -1;

  GlueData data{spec.info, file, {}, {}};
  for (std::size_t i = first_row; i < lines.size(); ++i) {
    const std::size_t line_no = i + 1;
    const std::string where = file_line_prefix(file, line_no) + name + ": ";
    const std::vector<std::string_view> fields = split_tabs(lines[i]);
    if (fields.size() != header.size()) {
      if (spec.skip_broken_rows && labelled) {
        data.skipped_lines.push_back(line_no);
        continue;
      }
      throw Error(where + "expected " + std::to_string(header.size()) + " tab-separated fields, found " +
                  std::to_string(fields.size()));
    }
    TextExample ex;
    ex.id = col_id >= 0 ? std::string(fields[col_id]) : file.filename().string() + ":" + std::to_string(line_no);
    ex.text_a = fields[col_a];
    if (col_b >= 0) ex.text_b = std::string(fields[col_b]);
    if (col_label >= 0) {
      const std::string_view value = fields[col_label];
      if (spec.info.is_regression()) {
        ex.score = parse_score(value, where);
      } else {
        const auto& names = spec.info.label_names;
        const auto it = std::find(names.begin(), names.end(), value);
        if (it == names.end()) {
          std::string known;
          for (const auto& n : names) known += (known.empty() ? "" : ", ") + ("'" + n + "'");
          throw Error(where + "label '" + std::string(value) + "' in column '" + spec.label + "' is not one of " +
                      known);
        }
        ex.label = it - names.begin();
      }
    }
    data.examples.push_back(std::move(ex));
  }
  return data;
}

}  // namespace pare
