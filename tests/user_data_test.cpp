// Users' own data (data/user_data.h): the same examples from TSV, CSV (quoted fields with commas,
// quotes and line breaks) and JSON Lines; the label set from the training file; errors naming file
// and line; and a fine-tuning run on a CSV set whose model carries the real label names and
// evaluates from its own labels.txt when no training file is given.
#include "data/user_data.h"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <map>

#include "models/bert_config.h"
#include "models/bert_heads.h"
#include "models/checkpoint.h"
#include "runtime/io/safetensors.h"
#include "tests/test_support.h"
#include "train/finetune.h"
#include "train/task_data.h"

namespace pare {
namespace {

namespace fs = std::filesystem;

void write(const fs::path& file, const std::string& text) { std::ofstream(file, std::ios::binary) << text; }

UserDataFiles pair_columns() {
  UserDataFiles f;
  f.text_column = "premise";
  f.text_pair_column = "hypothesis";
  f.label_column = "y";
  return f;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(UserData, TsvCsvAndJsonlGiveTheSameExamples) {
  const testing::ScratchDir dir;
  write(dir.path() / "a.tsv", "id\tpremise\thypothesis\ty\n1\tA cat, sat.\tIt sat\tyes\n2\tNo \"way\"\tSure\tno\n");
  write(dir.path() / "a.csv",
        "id,premise,hypothesis,y\r\n1,\"A cat, sat.\",It sat,yes\r\n2,\"No \"\"way\"\"\",Sure,no\r\n");
  write(dir.path() / "a.jsonl",
        "{\"premise\": \"A cat, sat.\", \"hypothesis\": \"It sat\", \"y\": \"yes\"}\n\n"
        "{\"premise\": \"No \\\"way\\\"\", \"hypothesis\": \"Sure\", \"y\": \"no\", \"extra\": [1]}\n");
  for (const char* name : {"a.tsv", "a.csv", "a.jsonl"}) {
    SCOPED_TRACE(name);
    UserDataFiles files = pair_columns();
    files.train = dir.path() / name;
    const std::vector<std::string> labels = user_label_names(files);
    EXPECT_EQ(labels, (std::vector<std::string>{"no", "yes"}));
    const TaskInfo task = user_task_info(files, labels);
    EXPECT_EQ(task.metric_names, (std::vector<std::string>{"accuracy", "f1"}));
    const std::vector<TextExample> examples = read_user_examples(files.train, files, task);
    ASSERT_EQ(examples.size(), 2u);
    EXPECT_EQ(examples[0].text_a, "A cat, sat.");
    EXPECT_EQ(examples[0].text_b, "It sat");
    EXPECT_EQ(examples[0].label, 1);
    EXPECT_EQ(examples[1].text_a, "No \"way\"");
    EXPECT_EQ(examples[1].label, 0);
  }
}

TEST(UserData, CsvFieldsSpanLinesAndIdsNameTheFirstLine) {
  const testing::ScratchDir dir;
  write(dir.path() / "t.csv", "text,label\n\"two\nlines\",10\nplain,2\n");
  UserDataFiles files;
  files.text_column = "text";
  files.label_column = "label";
  files.train = dir.path() / "t.csv";
  // Integer labels sort as numbers, not as strings.
  const std::vector<std::string> labels = user_label_names(files);
  EXPECT_EQ(labels, (std::vector<std::string>{"2", "10"}));
  const std::vector<TextExample> examples = read_user_examples(files.train, files, user_task_info(files, labels));
  ASSERT_EQ(examples.size(), 2u);
  EXPECT_EQ(examples[0].text_a, "two\nlines");
  EXPECT_EQ(examples[0].id, "t.csv:2");
  EXPECT_EQ(examples[1].id, "t.csv:4");
  EXPECT_EQ(examples[0].label, 1);
  // A file to predict has no labels at all.
  write(dir.path() / "p.csv", "text,label\nfirst,\nsecond,\n");
  const std::vector<TextExample> unlabelled =
      read_user_examples(dir.path() / "p.csv", files, user_task_info(files, labels));
  ASSERT_EQ(unlabelled.size(), 2u);
  EXPECT_FALSE(unlabelled[0].has_label() || unlabelled[1].has_label());
}

// Each refusal names the file, the line where there is one, the column and the value as written.
TEST(UserData, AmbiguousColumnsLabelsAndCellsAreRefusedAtLoad) {
  const testing::ScratchDir dir;
  UserDataFiles files;
  files.text_column = "text";
  files.label_column = "label";
  auto refusal = [&](const std::string& name, const std::string& text) {
    write(dir.path() / name, text);
    files.train = dir.path() / name;
    return error_of([&] { read_user_examples(files.train, files, user_task_info(files, user_label_names(files))); });
  };
  const std::pair<std::string, std::string> cases[] = {
      {refusal("twice.tsv", "text\tlabel\tlabel\na\t1\t2\nb\t2\t1\n"),
       "twice.tsv:1: the header names column 'label' twice (columns 2 and 3); rename one"},
      {refusal("twice.csv", "label,text,text\n1,a,b\n2,c,d\n"),
       "twice.csv:1: the header names column 'text' twice (columns 2 and 3)"},
      {refusal("zero.csv", "text,label\na,1\nb,2\nc,01\n"),
       "zero.csv:4: label '01' is the number of label '1' (line 2) written another way; write each class one way"},
      {refusal("point.tsv", "text\tlabel\na\t1.0\nb\t0\nc\t1\n"),
       "point.tsv:4: label '1' is the number of label '1.0' (line 2) written another way"},
      {refusal("empty.csv", "text,label\na,1\nb,\nc,2\n"),
       "empty.csv:3: no label in column 'label', where line 2 has one; every row of a file needs a label, or none"},
      {refusal("late.csv", "text,label\na,\nb,1\nc,2\n"),
       "late.csv:3: a label in column 'label', where line 2 has none"},
  };
  for (const auto& [error, expected] : cases) {
    EXPECT_NE(error.find(expected), std::string::npos) << error << "\nexpected: " << expected;
  }
}

// A regression label whose square overflows f32 would end training in a non-finite loss; a dev split
// whose labels are all equal has no defined correlation to select a model by.
TEST(UserData, RegressionLabelsOutOfScaleOrConstantOnDevAreRefused) {
  const testing::ScratchDir dir;
  TaskDataSource source;
  source.user.text_column = "text";
  source.user.label_column = "score";
  source.user.regression = true;
  source.user.train = dir.path() / "train.csv";
  source.user.dev = dir.path() / "dev.csv";
  write(source.user.train, "text,score\na,0.5\nb,1e23\n");
  write(source.user.dev, "text,score\na,2.5\nb,2.5\nc,2.5\n");
  std::string error = error_of([&] { read_task_split(source, Split::train); });
  EXPECT_NE(error.find("train.csv:3: regression label '1e23' is beyond +-1e+15; pare trains on the labels as given, "
                       "so rescale the column"),
            std::string::npos)
      << error;
  error = error_of([&] { read_task_split(source, Split::dev); });
  EXPECT_NE(error.find("dev.csv: every regression label in column 'score' is 2.5; Pearson and Spearman correlations "
                       "are undefined on constant labels"),
            std::string::npos)
      << error;
  write(source.user.train, "text,score\na,\nb,\n");
  error = error_of([&] { read_task_split(source, Split::train); });
  EXPECT_NE(error.find("train.csv: no row has a label in column 'score'; the train split needs them"),
            std::string::npos)
      << error;
  // The same constant labels are fine to train on, and a varying dev split is read.
  write(source.user.train, "text,score\na,1\nb,1\n");
  write(source.user.dev, "text,score\na,2.5\nb,-3\n");
  EXPECT_EQ(read_task_split(source, Split::train).size(), 2u);
  EXPECT_EQ(read_task_split(source, Split::dev).size(), 2u);
}

TEST(UserData, RegressionReadsNumbers) {
  const testing::ScratchDir dir;
  write(dir.path() / "r.jsonl",
        "{\"s\": \"a\", \"v\": 0.5}\n{\"s\": \"b\", \"v\": \"4\"}\n{\"s\": \"c\", \"v\": \"x\"}\n");
  UserDataFiles files;
  files.text_column = "s";
  files.label_column = "v";
  files.regression = true;
  files.train = dir.path() / "r.jsonl";
  const TaskInfo task = user_task_info(files, user_label_names(files));
  EXPECT_TRUE(task.is_regression());
  EXPECT_NE(
      error_of([&] { read_user_examples(files.train, files, task); }).find("r.jsonl:3: label 'x' is not a finite"),
      std::string::npos);
}

TEST(UserData, MalformedFilesNameFileAndLine) {
  const testing::ScratchDir dir;
  UserDataFiles files = pair_columns();
  auto message = [&](const std::string& name, const std::string& text) {
    write(dir.path() / name, text);
    files.train = dir.path() / name;
    return error_of([&] { read_user_examples(files.train, files, user_task_info(files, {"no", "yes"})); });
  };
  EXPECT_NE(message("m.tsv", "premise\ty\nx\tyes\n").find("m.tsv:1: no column 'hypothesis' in the header (premise, y)"),
            std::string::npos);
  EXPECT_NE(
      message("f.tsv", "premise\thypothesis\ty\na\tb\tyes\nc\td\n").find("f.tsv:3: 2 fields where the header has 3"),
      std::string::npos);
  EXPECT_NE(message("u.csv", "premise,hypothesis,y\na,b,maybe\n").find("u.csv:2: label 'maybe' is not among"),
            std::string::npos);
  EXPECT_NE(message("q.csv", "premise,hypothesis,y\n\"a,b,yes\n").find("q.csv:2: a quoted field is never closed"),
            std::string::npos);
  EXPECT_NE(message("j.jsonl", "{\"premise\": \"a\"\n").find("j.jsonl:1: not a JSON object"), std::string::npos);
  EXPECT_NE(message("d.jsonl", std::string(100, '[') + "\n").find("d.jsonl:1: not a JSON object"), std::string::npos);
  EXPECT_NE(message("x.txt", "a\n").find("unknown data format '.txt'"), std::string::npos);
  files.train = dir.path() / "one.csv";
  write(files.train, "premise,hypothesis,y\na,b,yes\n");
  EXPECT_NE(error_of([&] { user_task_info(files, user_label_names(files)); }).find("needs at least two"),
            std::string::npos);
}

// A few fine-tuning steps on a CSV set: the saved config names the labels, and evaluation without a
// training file takes the label set from the model's labels.txt.
TEST(UserData, FinetunesAndEvaluatesFromTheUsersFiles) {
  const testing::ScratchDir dir;
  const fs::path model_dir = dir.path() / "model";
  fs::create_directories(model_dir);
  write(model_dir / "vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\ngood\nbad\nfilm\nplot\n");
  BertConfig config;
  config.vocab_size = 9;
  config.hidden_size = 16;
  config.num_hidden_layers = 1;
  config.num_attention_heads = 2;
  config.intermediate_size = 32;
  config.max_position_embeddings = 32;
  config.reset_layer_shapes();
  save_pretrained(*make_bert_model(config, BertTask::base, 1), model_dir);
  std::string rows = "review,sentiment\n";
  for (int i = 0; i < 8; ++i) rows += i % 2 ? "bad film,negative\n" : "good plot,positive\n";
  write(dir.path() / "train.csv", rows);
  write(dir.path() / "dev.csv", rows);

  FinetuneOptions options;
  options.model_dir = model_dir;
  options.data.user.train = dir.path() / "train.csv";
  options.data.user.dev = dir.path() / "dev.csv";
  options.data.user.text_column = "review";
  options.data.user.label_column = "sentiment";
  options.max_length = 16;
  options.trainer.output_dir = dir.path() / "run";
  options.trainer.max_steps = 20;
  options.trainer.batch_size = 8;
  options.trainer.lr = 1e-2;
  options.trainer.progress_out = nullptr;
  options.trainer.stop_on_sigint = false;
  const TrainResult result = finetune(options);
  const BertConfig saved = BertConfig::load(result.best_dir);
  EXPECT_EQ(saved.id2label, (std::map<std::int64_t, std::string>{{0, "negative"}, {1, "positive"}}));
  EXPECT_EQ(result.evaluations.back().metrics.front().name, "accuracy");
  // The words decide the label outright: 20 steps learn it.
  EXPECT_EQ(result.evaluations.back().metrics.front().value, 1.0);

  EvaluateOptions eval;
  eval.model_dir = result.best_dir;
  eval.data.user = options.data.user;
  eval.data.user.train.clear();
  eval.max_length = 16;
  const std::vector<MetricValue> metrics = evaluate_model(eval);
  EXPECT_EQ(metrics.front().value, 1.0);

  // The same model without its classifier: evaluating it would score a random head, so it is refused.
  const SafetensorsFile weights = SafetensorsFile::open(result.best_dir / "model.safetensors");
  NamedTensors kept;
  for (const std::string& name : weights.names()) {
    if (name.rfind("classifier.", 0) != 0) kept.emplace_back(name, weights.load(name));
  }
  save_safetensors(result.best_dir / "model.safetensors", kept);
  const std::string error = testing::error_of([&] { evaluate_model(eval); });
  EXPECT_NE(error.find("classifier.weight"), std::string::npos) << error;
  EXPECT_NE(error.find("would score noise"), std::string::npos) << error;
}

}  // namespace
}  // namespace pare
