#include "data/glue.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "runtime/error.h"
#include "tests/test_support.h"  // error_of

namespace pare {
namespace {

namespace fs = std::filesystem;
using testing::error_of;

const fs::path kGlue = fs::path(PARE_TEST_DATA_DIR) / "glue";

TEST(Glue, ColaTrainHasNoHeaderAndFixedColumns) {
  const GlueData d = read_glue("CoLA", kGlue / "CoLA", Split::train);
  EXPECT_EQ(d.task.name, "cola");
  EXPECT_EQ(d.task.metric_names, std::vector<std::string>{"mcc"});
  ASSERT_EQ(d.examples.size(), 3u);
  EXPECT_EQ(d.examples[1].text_a, "They drank the pub.");
  EXPECT_EQ(d.examples[0].label, 1);
  EXPECT_EQ(d.examples[1].label, 0);
  EXPECT_FALSE(d.examples[0].text_b.has_value());
  EXPECT_EQ(d.examples[2].id, "train.tsv:3");
}

TEST(Glue, ColaTestHasHeaderAndNoLabels) {
  const GlueData d = read_glue("cola", kGlue / "CoLA", Split::test);
  ASSERT_EQ(d.examples.size(), 2u);
  EXPECT_EQ(d.examples[1].id, "1");
  EXPECT_EQ(d.examples[1].text_a, "The car honked its way down the road.");
  EXPECT_FALSE(d.examples[1].has_label());
}

TEST(Glue, Sst2) {
  const GlueData d = read_glue("SST-2", kGlue / "SST-2", Split::train);
  ASSERT_EQ(d.examples.size(), 3u);
  EXPECT_EQ(d.examples[2].text_a, "that loves its characters ");
  EXPECT_EQ(d.examples[2].label, 1);
  EXPECT_EQ(read_glue("sst2", kGlue / "SST-2", Split::test).examples.at(0).text_a,
            "uneasy mishmash of styles and genres .");
}

TEST(Glue, MrpcPairsAndBomWithCrlf) {
  const GlueData d = read_glue("mrpc", kGlue / "MRPC", Split::train);
  ASSERT_EQ(d.examples.size(), 2u);
  EXPECT_EQ(d.examples[1].label, 0);
  EXPECT_EQ(d.examples[1].text_a.substr(0, 7), "Yucaipa");
  ASSERT_TRUE(d.examples[1].text_b.has_value());
  EXPECT_EQ(d.examples[1].text_b->substr(0, 14), "Yucaipa bought");
  EXPECT_EQ(d.task.metric_names, (std::vector<std::string>{"f1", "accuracy"}));

  const GlueData dev = read_glue("mrpc", kGlue / "MRPC", Split::dev);
  ASSERT_EQ(dev.examples.size(), 1u);
  EXPECT_EQ(dev.examples[0].text_b, "The cat sat.");  // no '\r' left at the end
  EXPECT_EQ(dev.examples[0].label, 1);

  const GlueData test = read_glue("mrpc", kGlue / "MRPC", Split::test);
  EXPECT_EQ(test.examples.at(0).text_b->substr(0, 7), "Current");
}

TEST(Glue, StsbScoresAreRegressionTargets) {
  const GlueData d = read_glue("STS-B", kGlue / "STS-B", Split::train);
  EXPECT_TRUE(d.task.is_regression());
  EXPECT_EQ(d.task.num_labels(), 1);
  ASSERT_EQ(d.examples.size(), 2u);
  EXPECT_EQ(d.examples[1].text_a, "A man is playing a large flute.");
  EXPECT_EQ(d.examples[1].text_b, "A man is playing a flute.");
  EXPECT_FLOAT_EQ(*d.examples[1].score, 3.8f);
  EXPECT_FALSE(d.examples[1].label.has_value());
  const GlueData test = read_glue("stsb", kGlue / "STS-B", Split::test);
  EXPECT_EQ(test.examples.at(0).text_b, "A girl is brushing her hair.");
  EXPECT_FALSE(test.examples[0].has_label());
}

TEST(Glue, QqpSkipsItsBrokenRowsAndSaysWhich) {
  const GlueData d = read_glue("qqp", kGlue / "QQP", Split::train);
  ASSERT_EQ(d.examples.size(), 3u);
  EXPECT_EQ(d.skipped_lines, std::vector<std::size_t>{4});
  EXPECT_EQ(d.examples[1].id, "402555");
  EXPECT_EQ(d.examples[1].label, 1);
  EXPECT_EQ(d.examples[2].text_b, "What can cause stool to come out as little balls?");
  EXPECT_EQ(read_glue("qqp", kGlue / "QQP", Split::test).examples.at(0).id, "0");
}

TEST(Glue, MnliMatchedAndMismatched) {
  const GlueData train = read_glue("mnli", kGlue / "MNLI", Split::train);
  EXPECT_EQ(train.task.label_names, (std::vector<std::string>{"contradiction", "entailment", "neutral"}));
  ASSERT_EQ(train.examples.size(), 2u);
  EXPECT_EQ(train.examples[0].label, 2);
  EXPECT_EQ(train.examples[1].label, 1);
  EXPECT_EQ(train.examples[1].text_b, "You lose the things to the following level if the people recall.");

  EXPECT_EQ(glue_file("mnli", "M", Split::dev), fs::path("M/dev_matched.tsv"));
  EXPECT_EQ(glue_file("mnli-mm", "M", Split::test), fs::path("M/test_mismatched.tsv"));
  const GlueData matched = read_glue("mnli", kGlue / "MNLI", Split::dev);
  ASSERT_EQ(matched.examples.size(), 1u);
  EXPECT_EQ(matched.examples[0].label, 2);  // gold_label, not label1
  const GlueData mismatched = read_glue("mnli-mm", kGlue / "MNLI", Split::dev);
  EXPECT_EQ(mismatched.examples.at(0).label, 0);
  EXPECT_EQ(mismatched.task.name, "mnli-mm");
  const GlueData test = read_glue("mnli", kGlue / "MNLI", Split::test);
  EXPECT_EQ(test.examples.at(0).text_b, "Hierbas is a name worth looking out for.");
  EXPECT_FALSE(test.examples[0].has_label());
}

TEST(Glue, QnliRteWnli) {
  const GlueData qnli = read_glue("qnli", kGlue / "QNLI", Split::train);
  EXPECT_EQ(qnli.examples.at(0).label, 1);
  EXPECT_EQ(qnli.examples[0].text_a, "When did the third Digimon series begin?");
  const GlueData rte = read_glue("rte", kGlue / "RTE", Split::train);
  ASSERT_EQ(rte.examples.size(), 2u);
  EXPECT_EQ(rte.examples[0].label, 1);
  EXPECT_EQ(rte.examples[1].label, 0);
  EXPECT_EQ(read_glue("rte", kGlue / "RTE", Split::test).examples.at(0).text_b, "Shukla is related to Mangla.");
  EXPECT_EQ(read_glue("wnli", kGlue / "WNLI", Split::dev).examples.at(0).label, 0);
}

TEST(Glue, MalformedRowsNameFileAndLine) {
  const fs::path bad = kGlue / "malformed";
  const auto message = [&](const std::string& task, const std::string& file, Split split) {
    return error_of([&] { read_glue_file(task, bad / file, split); });
  };
  const std::string short_row = message("cola", "cola_short_row.tsv", Split::train);
  EXPECT_NE(short_row.find("cola_short_row.tsv:2:"), std::string::npos) << short_row;
  EXPECT_NE(short_row.find("expected 4 tab-separated fields, found 3"), std::string::npos);

  const std::string bad_label = message("sst2", "sst2_bad_label.tsv", Split::train);
  EXPECT_NE(bad_label.find("sst2_bad_label.tsv:3:"), std::string::npos) << bad_label;
  EXPECT_NE(bad_label.find("label '2'"), std::string::npos);

  const std::string bad_score = message("stsb", "stsb_bad_score.tsv", Split::dev);
  EXPECT_NE(bad_score.find("stsb_bad_score.tsv:2:"), std::string::npos) << bad_score;
  EXPECT_NE(bad_score.find("'4.2x'"), std::string::npos);
  EXPECT_NE(message("stsb", "stsb_nan_score.tsv", Split::dev).find("not a finite number"), std::string::npos);

  const std::string header = message("rte", "rte_wrong_header.tsv", Split::train);
  EXPECT_NE(header.find("rte_wrong_header.tsv:1:"), std::string::npos) << header;
  EXPECT_NE(header.find("no column 'sentence1'"), std::string::npos);

  const std::string nli = message("mnli", "mnli_bad_label.tsv", Split::train);
  EXPECT_NE(nli.find("mnli_bad_label.tsv:2:"), std::string::npos) << nli;
  EXPECT_NE(nli.find("'maybe'"), std::string::npos);

  const std::string extra = message("qnli", "qnli_extra_field.tsv", Split::train);
  EXPECT_NE(extra.find("qnli_extra_field.tsv:2: qnli: expected 4 tab-separated fields, found 5"), std::string::npos)
      << extra;
}

TEST(Glue, WrongFilesAndNamesAreErrors) {
  // An SST-2 file read as RTE: the header names give it away.
  EXPECT_NE(error_of([] { read_glue_file("rte", kGlue / "SST-2" / "train.tsv", Split::train); }).find("no column"),
            std::string::npos);
  EXPECT_NE(error_of([] { read_glue("rte", kGlue / "RTE", Split::dev); }).find("cannot open"), std::string::npos);
  // A test file read as labelled misses its label column.
  EXPECT_NE(error_of([] { read_glue_file("rte", kGlue / "RTE" / "test.tsv", Split::train); }).find("no column 'label'"),
            std::string::npos);
  EXPECT_NE(error_of([] { glue_task("squad"); }).find("unknown GLUE task 'squad'"), std::string::npos);
  EXPECT_EQ(glue_task_names().size(), 10u);
  for (const auto& name : glue_task_names()) EXPECT_EQ(glue_task(name).name, name);
}

}  // namespace
}  // namespace pare
