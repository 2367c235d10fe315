// Fine-tuning on SQuAD (train/squad_finetune.h) learns: a small model from scratch on a synthetic
// SQuAD-format set, where the answer is the words "gold coin" wherever they sit in a context of filler
// words, reaches an F1 far above the trivial answer (the context's first words, F1 0 here: the answer
// is never first) after a short run; the training sequences carry their windows' answer spans.
#include "train/squad_finetune.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "models/bert_heads.h"  // make_bert_model
#include "models/checkpoint.h"  // save_pretrained
#include "tests/test_support.h"
#include "train/squad_evaluation.h"

namespace pare {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// `letter` then i ("f3", "q12"), built so that GCC 12 sees no (false) -Wrestrict overlap in a
// "f" + std::string concatenation.
std::string named(char letter, int i) {
  std::string w = std::to_string(i);
  w.insert(w.begin(), letter);
  return w;
}
std::string filler(int i) { return named('f', i); }

// `questions` contexts of 10 filler words with "gold coin" after a random 1..8 of them.
fs::path synthetic_squad(const fs::path& file, int questions, std::uint32_t seed) {
  std::mt19937 rng(seed);
  json qas_per_paragraph = json::array();
  json paragraphs = json::array();
  for (int q = 0; q < questions; ++q) {
    const int at = 1 + static_cast<int>(rng() % 8);
    std::string context;
    std::size_t answer_start = 0;
    for (int i = 0; i < 10; ++i) {
      if (i == at) {
        answer_start = context.size();
        context += "gold coin ";
      }
      context += filler(static_cast<int>(rng() % 20));
      context += ' ';
    }
    context.pop_back();
    paragraphs.push_back({{"context", context},
                          {"qas",
                           {{{"id", named('q', q)},
                             {"question", "where is gold"},
                             {"answers", {{{"text", "gold coin"}, {"answer_start", answer_start}}}}}}}});
  }
  testing::write_bytes(file,
                       json({{"version", "1.1"}, {"data", {{{"title", "t"}, {"paragraphs", paragraphs}}}}}).dump());
  return file;
}

fs::path tiny_model(const fs::path& dir) {
  BertConfig c;
  c.vocab_size = 40;
  c.hidden_size = 32;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 4;
  c.intermediate_size = 64;
  c.max_position_embeddings = 32;
  c.hidden_dropout_prob = c.attention_probs_dropout_prob = 0.0;
  c.set_num_labels(2);
  c.reset_layer_shapes();
  save_pretrained(*make_bert_model(c, BertTask::question_answering, 3), dir);
  std::string vocab = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nwhere\nis\ngold\ncoin\n";
  for (int i = 0; i < 20; ++i) {
    vocab += filler(i);
    vocab += '\n';
  }
  testing::write_bytes(dir / "vocab.txt", vocab);
  return dir;
}

TEST(SquadFinetune, ASmallModelLearnsWhereTheAnswerIs) {
  const testing::ScratchDir dir;
  FinetuneOptions o;
  o.model_dir = tiny_model(dir.path() / "model");
  SquadTask squad;
  squad.train_file = synthetic_squad(dir.path() / "train.json", 96, 1);
  squad.dev_file = synthetic_squad(dir.path() / "dev.json", 24, 2);
  squad.windows.max_length = 32;
  squad.windows.doc_stride = 8;
  squad.windows.max_query_length = 8;
  o.squad = squad;
  o.trainer.max_steps = 80;
  o.trainer.batch_size = 16;
  o.trainer.lr = 3e-3;
  o.trainer.warmup_ratio = 0.1;
  o.trainer.output_dir = dir.path() / "out";
  o.trainer.progress_out = nullptr;
  const TrainResult result = finetune(o);  // finetune() takes SQuAD's path when options.squad is set
  (void)result;

  SquadEvaluateOptions eval;
  eval.model_dir = dir.path() / "out" / "best";
  eval.file = squad.dev_file;
  eval.windows = squad.windows;
  const SquadEvaluation scored = evaluate_squad(eval);
  double f1 = -1;
  for (const MetricValue& m : scored.metrics) {
    if (m.name == "f1") f1 = m.value;
  }
  EXPECT_GT(f1, 80.0);
  // The trivial answer, the first context word, never overlaps "gold coin".
  SquadScores trivial = squad_v1_scores(squad_questions(read_squad_file(squad.dev_file, SquadVersion::v1_1)), {});
  EXPECT_EQ(trivial.f1, 0.0);
}

TEST(SquadFinetune, TrainingSequencesCarryTheirWindowsAnswerSpans) {
  SquadWindow w;
  w.input_ids = {2, 5, 3, 7, 8, 3};
  w.token_type_ids = {0, 0, 0, 1, 1, 1};
  w.start_position = 3;
  w.end_position = 4;
  const std::vector<TokenizedExample> sequences = squad_training_sequences({w});
  ASSERT_EQ(sequences.size(), 1u);
  EXPECT_EQ(sequences[0].input_ids, w.input_ids);
  EXPECT_EQ(sequences[0].answer_span, std::make_optional(std::pair<std::int64_t, std::int64_t>(3, 4)));
  const Batch batch = collate(sequences, std::vector<std::size_t>{0}, TaskKind::answer_span, 0);
  EXPECT_EQ(batch.labels.to_vector<std::int64_t>(), (std::vector<std::int64_t>{3, 4}));
}

}  // namespace
}  // namespace pare
