// pare eval --task squad / squad_v2 end to end on the PyTorch-checked question-answering fixture
// (bert_tiny/qa with a word vocabulary): contexts longer than a window, every question answered with
// a piece of its own context, the metrics those answers earn under the official rules, the predictions
// file the official scorer reads; refusals of a missing file, a model without the head, and
// --predictions outside SQuAD.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "data/squad.h"
#include "data/squad_metrics.h"
#include "tests/bert_test_util.h"  // bert_fixture
#include "tests/child_process.h"
#include "tests/test_support.h"

namespace pare {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::has;
using testing::ScratchDir;

// "w<i>", built so that GCC 12 sees no (false) -Wrestrict overlap in a "w" + std::string concatenation.
std::string word(int i) {
  std::string w = std::to_string(i);
  w.insert(w.begin(), 'w');
  return w;
}

// The fixture's weights with a vocabulary of its 30 ids: the specials, "where", "?" and w0 .. w22.
fs::path qa_model(const ScratchDir& dir) {
  const fs::path model = dir.path() / "qa";
  fs::create_directories(model);
  for (const char* file : {"config.json", "model.safetensors"})
    fs::copy_file(testing::bert_fixture("qa") / file, model / file);
  std::string vocab = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nwhere\n?\n";
  for (int i = 0; i < 23; ++i) {
    vocab += word(i);
    vocab += '\n';
  }
  testing::write_bytes(model / "vocab.txt", vocab);
  return model;
}

std::string words(int first, int count) {
  std::string text;
  for (int i = first; i < first + count; ++i) {
    if (!text.empty()) text += ' ';
    text += word(i % 23);
  }
  return text;
}

fs::path squad_file(const ScratchDir& dir, bool v2) {
  json qas = json::array();
  const std::string context = words(0, 20);  // 20 tokens: more than a window holds at --seq 16
  qas.push_back({{"id", "q1"}, {"question", "where?"}, {"answers", {{{"text", "w3 w4"}, {"answer_start", 9}}}}});
  qas.push_back({{"id", "q2"}, {"question", "where?"}, {"answers", {{{"text", "w15"}, {"answer_start", 50}}}}});
  if (v2) qas.push_back({{"id", "q3"}, {"question", "where?"}, {"answers", json::array()}, {"is_impossible", true}});
  const json file = {{"version", v2 ? "v2.0" : "1.1"},
                     {"data", {{{"title", "t"}, {"paragraphs", {{{"context", context}, {"qas", qas}}}}}}}};
  const fs::path path = dir.path() / (v2 ? "dev-v2.0.json" : "dev-v1.1.json");
  testing::write_bytes(path, file.dump());
  return path;
}

json read(const fs::path& file) {
  std::ifstream in(file);
  return json::parse(in);
}

TEST(SquadEval, AnswersArePiecesOfTheirContextsAndScoreAsTheOfficialRulesSay) {
  const ScratchDir dir;
  const fs::path model = qa_model(dir);
  for (const bool v2 : {false, true}) {
    SCOPED_TRACE(v2 ? "v2.0" : "v1.1");
    const fs::path file = squad_file(dir, v2);
    const fs::path predictions = dir.path() / "predictions.json";
    const testing::CommandOutcome r = testing::run_pare_capturing(
        "eval --model '" + model.string() + "' --task " + (v2 ? "squad_v2" : "squad") + " --dev '" + file.string() +
        "' --seq 16 --max-query-length 3 --doc-stride 2 --predictions '" + predictions.string() + "'");
    ASSERT_EQ(r.status, 0) << r.output;
    const json result = json::parse(r.output.substr(r.output.find('{')));
    EXPECT_EQ(result.at("questions"), v2 ? 3 : 2);
    // 11 context tokens a window (16 - 2 question tokens - 3), 2 shared: windows at words 0 and 9.
    EXPECT_EQ(result.at("windows").get<int>(), (v2 ? 3 : 2) * 2);
    const json answers = read(predictions);
    const std::vector<SquadExample> examples = read_squad_file(file, v2 ? SquadVersion::v2_0 : SquadVersion::v1_1);
    std::map<std::string, std::string> texts;
    for (const SquadExample& e : examples) {
      ASSERT_TRUE(answers.contains(e.id)) << e.id;
      const std::string text = answers.at(e.id).get<std::string>();
      EXPECT_NE(e.context.find(text), std::string::npos) << text;  // a piece of the context (or "")
      texts.emplace(e.id, text);
    }
    const SquadScores want = v2 ? squad_v2_scores(squad_questions(examples), texts, {}, 1e300)
                                : squad_v1_scores(squad_questions(examples), texts);
    EXPECT_DOUBLE_EQ(result.at("metrics").at("exact_match").get<double>(), want.exact_match);
    EXPECT_DOUBLE_EQ(result.at("metrics").at("f1").get<double>(), want.f1);
    EXPECT_EQ(result.at("metrics").contains("best_f1"), v2);
    EXPECT_EQ(result.at("metrics").contains("NoAns_f1"), v2);
  }
}

// pare finetune --task squad from the command line: a short run on the same file writes a model
// directory (with its vocabulary) that pare eval --task squad reads.
TEST(SquadEval, FinetuneFromTheCommandLineWritesAModelEvalReads) {
  const ScratchDir dir;
  const fs::path model = qa_model(dir);
  const fs::path file = squad_file(dir, false);
  const fs::path out = dir.path() / "tuned";
  testing::CommandOutcome r = testing::run_pare_capturing(
      "finetune --model '" + model.string() + "' --task squad --train '" + file.string() + "' --dev '" + file.string() +
      "' --seq 16 --max-query-length 3 --doc-stride 2 --steps 3 --batch 2 --out '" + out.string() + "'");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(fs::exists(out / "best" / "vocab.txt"));
  r = testing::run_pare_capturing("eval --model '" + (out / "best").string() + "' --task squad --dev '" +
                                  file.string() + "' --seq 16 --max-query-length 3 --doc-stride 2");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(has(r.output, "\"f1\"")) << r.output;
  // Only one of --data and the files; both files.
  r = testing::run_pare_capturing("finetune --model '" + model.string() + "' --task squad --train '" + file.string() +
                                  "' --out '" + (dir.path() / "x").string() + "' --steps 1");
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(has(r.output, "give both --train FILE and --dev FILE")) << r.output;
}

// Pruning with the teacher distilled in (start and end KL), surgery, distillation into the smaller
// model and evaluation, all on SQuAD from the command line: on the CPU and on the host-guarded device,
// which must give the same bits.
TEST(SquadEval, PruneSpeedupDistillAndEvalOnQaGiveTheSameBitsOnTheGuardedDevice) {
  const ScratchDir dir;
  const fs::path model = qa_model(dir);
  const fs::path file = squad_file(dir, false);
  const std::string data = " --task squad --train '" + file.string() + "' --dev '" + file.string() +
                           "' --seq 16 --max-query-length 3 --doc-stride 2 --batch 2";
  const std::string config = std::string(PARE_SOURCE_DIR) + "/prune/configs/attention_heads_hard.json";
  std::map<std::string, std::string> weights;
  for (const char* device : {"cpu", "guarded"}) {
    SCOPED_TRACE(device);
    const fs::path run = dir.path() / device;
    const std::string on = std::string(" --device ") + device;
    testing::CommandOutcome r = testing::run_pare_capturing(
        "prune --model '" + model.string() + "' --teacher '" + model.string() + "'" + data + " --config '" + config +
        "' --steps 60 --out '" + (run / "pruned").string() + "'" + on);
    ASSERT_EQ(r.status, 0) << r.output;
    r = testing::run_pare_capturing("speedup --model '" + (run / "pruned" / "model").string() + "' --masks '" +
                                    (run / "pruned" / "masks.safetensors").string() + "' --out '" +
                                    (run / "small").string() + "'");
    ASSERT_EQ(r.status, 0) << r.output;
    r = testing::run_pare_capturing("distill --teacher '" + model.string() + "' --student '" +
                                    (run / "small").string() + "'" + data + " --steps 4 --out '" +
                                    (run / "kd").string() + "'" + on);
    ASSERT_EQ(r.status, 0) << r.output;
    r = testing::run_pare_capturing("eval --model '" + (run / "kd" / "best").string() + "' --task squad --dev '" +
                                    file.string() + "' --seq 16 --max-query-length 3 --doc-stride 2");
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_TRUE(has(r.output, "\"exact_match\"")) << r.output;
    weights[device] = testing::read_bytes(run / "kd" / "best" / "model.safetensors");
  }
  EXPECT_EQ(weights["cpu"], weights["guarded"]);
}

TEST(SquadEval, AMissingFileAModelWithoutTheHeadAndPredictionsOutsideSquadAreRefused) {
  const ScratchDir dir;
  const fs::path model = qa_model(dir);
  testing::CommandOutcome r = testing::run_pare_capturing("eval --model '" + model.string() +
                                                          "' --task squad --data '" + dir.path().string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(has(r.output, "dev-v1.1.json does not exist")) << r.output;
  r = testing::run_pare_capturing("eval --model '" + model.string() + "' --task squad --dev '" + dir.path().string() +
                                  "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(has(r.output, "is a folder; give the SQuAD JSON file")) << r.output;
  const fs::path file = squad_file(dir, false);
  r = testing::run_pare_capturing("eval --model '" + testing::bert_fixture("token").string() +
                                  "' --task squad --dev '" + file.string() +
                                  "' --seq 16 --max-query-length 3 --doc-stride 2");
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(has(r.output, "needs a BertForQuestionAnswering model")) << r.output;
  // Window settings that leave no room are refused before any model is read (this one does not exist).
  r = testing::run_pare_capturing("eval --model '" + (dir.path() / "absent").string() + "' --task squad --dev '" +
                                  file.string() + "' --seq 16");
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(has(r.output, "--seq 16 leaves no room for the context")) << r.output;
  r = testing::run_pare_capturing("eval --model '" + model.string() + "' --task brown-genre --predictions x.json");
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(has(r.output, "--predictions is for --task squad")) << r.output;
}

}  // namespace
}  // namespace pare
