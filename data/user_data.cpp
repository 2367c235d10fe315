#include "data/user_data.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "data/text_lines.h"  // read_text_lines, split_tabs, file_line_prefix
#include "runtime/error.h"
#include "runtime/io/input_file.h"
#include "runtime/io/json_file.h"

namespace pare {
namespace {

enum class TableFormat { tsv, csv, jsonl };

TableFormat format_of(const std::filesystem::path& file) {
  std::string ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  if (ext == ".tsv") return TableFormat::tsv;
  if (ext == ".csv") return TableFormat::csv;
  if (ext == ".jsonl" || ext == ".json") return TableFormat::jsonl;
  throw Error(file.string() + ": unknown data format '" + ext + "' (use .tsv, .csv or .jsonl)");
}

// One row's cells for the wanted columns, in their order; nullopt where the row has no such cell.
struct Row {
  std::size_t line;
  std::vector<std::optional<std::string>> cells;
};

std::string read_file(const std::filesystem::path& file) {
  std::string text = read_input_file(file, "data file");
  if (text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3);
  return text;
}

// RFC 4180 records: fields separated by commas, quoted fields may hold commas, doubled quotes and line
// breaks; each record with the line it starts on. A '\r' before a line break is dropped.
std::vector<std::pair<std::size_t, std::vector<std::string>>> csv_records(const std::filesystem::path& file) {
  const std::string text = read_file(file);
  std::vector<std::pair<std::size_t, std::vector<std::string>>> records;
  std::vector<std::string> fields;
  std::string field;
  std::size_t line = 1, record_line = 1;
  bool quoted = false, field_was_quoted = false;
  auto end_field = [&] {
    fields.push_back(std::move(field));
    field.clear();
    field_was_quoted = false;
  };
  auto end_record = [&] {
    end_field();
    if (!(fields.size() == 1 && fields[0].empty())) records.emplace_back(record_line, std::move(fields));
    fields.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == '"') {
      PARE_CHECK(field.empty() && !field_was_quoted, file_line_prefix(file, line),
                 "a quote inside an unquoted field (quote the whole field and double the quotes inside)");
      quoted = field_was_quoted = true;
    } else if (c == ',') {
      end_field();
    } else if (c == '\n' || (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) {
      if (c == '\r') ++i;
      end_record();
      record_line = ++line;
    } else {
      PARE_CHECK(!field_was_quoted, file_line_prefix(file, line), "text after a closing quote");
      field += c;
    }
  }
  PARE_CHECK(!quoted, file_line_prefix(file, record_line), "a quoted field is never closed");
  if (!field.empty() || !fields.empty() || field_was_quoted) end_record();
  return records;
}

std::vector<Row> delimited_rows(const std::filesystem::path& file, TableFormat format,
                                const std::vector<std::string>& columns) {
  std::vector<std::pair<std::size_t, std::vector<std::string>>> records;
  if (format == TableFormat::csv) {
    records = csv_records(file);
  } else {
    const std::vector<std::string> lines = read_text_lines(file);
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (lines[i].empty()) continue;
      std::vector<std::string> fields;
      for (std::string_view f : split_tabs(lines[i])) fields.emplace_back(f);
      records.emplace_back(i + 1, std::move(fields));
    }
  }
  PARE_CHECK(!records.empty(), file.string(), ": empty (a header row naming the columns comes first)");
  const std::vector<std::string>& header = records.front().second;
  std::vector<std::size_t> index;
  for (const std::string& column : columns) {
    const auto it = std::find(header.begin(), header.end(), column);
    // Two columns of one name: taking either would be a guess.
    PARE_CHECK(it == header.end() || std::find(it + 1, header.end(), column) == header.end(),
               file_line_prefix(file, records.front().first), "the header names column '", column, "' twice (columns ",
               it - header.begin() + 1, " and ", std::find(it + 1, header.end(), column) - header.begin() + 1,
               "); rename one");
    if (it == header.end()) {
      std::string known;
      for (const std::string& h : header) known += (known.empty() ? "" : ", ") + h;
      throw Error(file_line_prefix(file, records.front().first) + "no column '" + column + "' in the header (" + known +
                  ")");
    }
    index.push_back(static_cast<std::size_t>(it - header.begin()));
  }
  std::vector<Row> rows;
  for (std::size_t r = 1; r < records.size(); ++r) {
    const auto& [line, fields] = records[r];
    PARE_CHECK(fields.size() == header.size(), file_line_prefix(file, line), fields.size(),
               " fields where the header has ", header.size());
    Row row{line, {}};
    for (std::size_t i : index) row.cells.emplace_back(fields[i]);
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<Row> jsonl_rows(const std::filesystem::path& file, const std::vector<std::string>& columns) {
  const std::vector<std::string> lines = read_text_lines(file);
  std::vector<Row> rows;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].find_first_not_of(" \t") == std::string::npos) continue;
    const nlohmann::json object = parse_json(lines[i], file_line_prefix(file, i + 1) + "not a JSON object");
    PARE_CHECK(object.is_object(), file_line_prefix(file, i + 1), "not a JSON object");
    Row row{i + 1, {}};
    for (const std::string& column : columns) {
      const auto it = object.find(column);
      if (it == object.end() || it->is_null()) {
        row.cells.emplace_back(std::nullopt);
      } else if (it->is_string()) {
        row.cells.emplace_back(it->get<std::string>());
      } else if (it->is_number() || it->is_boolean()) {
        row.cells.emplace_back(it->dump());
      } else {
        throw Error(file_line_prefix(file, i + 1) + "'" + column + "' is not a string or a number");
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<std::string> wanted_columns(const UserDataFiles& files) {
  PARE_CHECK(!files.text_column.empty(), "user data: --text-column names the column with the text");
  PARE_CHECK(!files.label_column.empty(), "user data: --label-column names the column with the labels");
  return {files.text_column, files.text_pair_column.empty() ? files.text_column : files.text_pair_column,
          files.label_column};
}

std::vector<Row> read_rows(const std::filesystem::path& file, const UserDataFiles& files) {
  const TableFormat format = format_of(file);
  const std::vector<std::string> columns = wanted_columns(files);
  return format == TableFormat::jsonl ? jsonl_rows(file, columns) : delimited_rows(file, format, columns);
}

// A label cell as a finite number, when it reads as one.
std::optional<double> as_number(const std::string& s) {
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<long long> as_integer(const std::string& s) {
  long long v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

const std::filesystem::path& user_split_file(const UserDataFiles& files, Split split) {
  switch (split) {
    case Split::train:
      return files.train;
    case Split::dev:
      return files.dev;
    default:
      return files.test;
  }
}

std::vector<std::string> user_label_names(const UserDataFiles& files) {
  if (files.regression) return {};
  PARE_CHECK(!files.train.empty(), "user data: the label set comes from the training file (--train FILE)");
  std::map<std::string, std::size_t> first_line;  // each spelling and the line it first appears on
  std::map<double, std::string> by_number;
  for (const Row& row : read_rows(files.train, files)) {
    if (!row.cells[2] || row.cells[2]->empty() || !first_line.emplace(*row.cells[2], row.line).second) continue;
    const std::string& label = *row.cells[2];
    // "1", "01" and "1.0" would be three classes of what the user surely meant as one.
    if (const std::optional<double> number = as_number(label)) {
      const auto [other, added] = by_number.emplace(*number, label);
      PARE_CHECK(added, file_line_prefix(files.train, row.line), "label '", label, "' is the number of label '",
                 other->second, "' (line ", first_line.at(other->second),
                 ") written another way; write each class one way");
    }
  }
  PARE_CHECK(!first_line.empty(), files.train.string(), ": no row has a label in column '", files.label_column, "'");
  std::vector<std::string> labels;
  for (const auto& [label, line] : first_line) labels.push_back(label);
  if (std::all_of(labels.begin(), labels.end(), [](const std::string& s) { return as_integer(s).has_value(); })) {
    std::sort(labels.begin(), labels.end(),
              [](const std::string& a, const std::string& b) { return *as_integer(a) < *as_integer(b); });
  }
  return labels;
}

TaskInfo user_task_info(const UserDataFiles& files, std::vector<std::string> labels) {
  TaskInfo task;
  task.name = files.train.empty() ? "user data" : files.train.filename().string();
  if (files.regression) {
    task.kind = TaskKind::regression;
    task.metric_names = {"pearson", "spearman"};
    return task;
  }
  PARE_CHECK(labels.size() >= 2, "user data: ", labels.size(), " label value(s) in ", files.train.string(),
             "; classification needs at least two (or --regression)");
  task.kind = TaskKind::classification;
  task.label_names = std::move(labels);
  task.metric_names =
      task.label_names.size() == 2 ? std::vector<std::string>{"accuracy", "f1"} : std::vector<std::string>{"accuracy"};
  return task;
}

std::vector<TextExample> read_user_examples(const std::filesystem::path& file, const UserDataFiles& files,
                                            const TaskInfo& task) {
  std::map<std::string, std::int64_t> label_index;
  for (std::size_t i = 0; i < task.label_names.size(); ++i)
    label_index[task.label_names[i]] = static_cast<std::int64_t>(i);
  std::vector<TextExample> examples;
  std::optional<std::size_t> labelled_line, unlabelled_line;  // the first of each
  for (const Row& row : read_rows(file, files)) {
    PARE_CHECK(row.cells[0].has_value(), file_line_prefix(file, row.line), "no '", files.text_column, "' text");
    TextExample e;
    e.id = file.filename().string() + ":" + std::to_string(row.line);
    e.text_a = *row.cells[0];
    if (!files.text_pair_column.empty()) {
      PARE_CHECK(row.cells[1].has_value(), file_line_prefix(file, row.line), "no '", files.text_pair_column, "' text");
      e.text_b = *row.cells[1];
    }
    const std::optional<std::string>& label = row.cells[2];
    std::optional<std::size_t>& first = label && !label->empty() ? labelled_line : unlabelled_line;
    if (!first) first = row.line;
    // Batches are all labelled or all unlabelled; a file mixing them would fail there, far from here.
    PARE_CHECK(!labelled_line || !unlabelled_line, file_line_prefix(file, std::max(*labelled_line, *unlabelled_line)),
               *labelled_line < *unlabelled_line ? "no label" : "a label", " in column '", files.label_column,
               "', where line ", std::min(*labelled_line, *unlabelled_line),
               *labelled_line < *unlabelled_line ? " has one" : " has none",
               "; every row of a file needs a label, or none (a file to predict)");
    if (label && !label->empty()) {
      if (task.is_regression()) {
        float score = 0;
        const auto [end, ec] = std::from_chars(label->data(), label->data() + label->size(), score);
        PARE_CHECK(ec == std::errc() && end == label->data() + label->size() && std::isfinite(score),
                   file_line_prefix(file, row.line), "label '", *label, "' is not a finite number (regression)");
        PARE_CHECK(std::abs(score) <= kMaxRegressionLabel, file_line_prefix(file, row.line), "regression label '",
                   *label, "' is beyond +-", kMaxRegressionLabel,
                   "; pare trains on the labels as given, so rescale the column (for example to 0 .. 1)");
        e.score = score;
      } else {
        const auto it = label_index.find(*label);
        if (it == label_index.end()) {
          std::string known;
          for (const std::string& l : task.label_names) known += (known.empty() ? "" : ", ") + l;
          throw Error(file_line_prefix(file, row.line) + "label '" + *label +
                      "' is not among the training file's labels (" + known + ")");
        }
        e.label = it->second;
      }
    }
    examples.push_back(std::move(e));
  }
  PARE_CHECK(!examples.empty(), file.string(), ": no rows");
  return examples;
}

void check_user_split(const std::vector<TextExample>& examples, const std::filesystem::path& file,
                      const UserDataFiles& files, Split split) {
  if (split != Split::train && split != Split::dev) return;
  // read_user_examples leaves a file all labelled or all unlabelled: the first row tells which.
  PARE_CHECK(!examples.empty() && examples.front().has_label(), file.string(), ": no row has a label in column '",
             files.label_column, "'; the ", split_name(split), " split needs them");
  if (split != Split::dev || !files.regression) return;
  const float first = *examples.front().score;
  PARE_CHECK(std::any_of(examples.begin(), examples.end(), [&](const TextExample& e) { return *e.score != first; }),
             file.string(), ": every regression label in column '", files.label_column, "' is ", first,
             "; Pearson and Spearman correlations are undefined on constant labels, so the dev split could not "
             "evaluate a model");
}

}  // namespace pare
