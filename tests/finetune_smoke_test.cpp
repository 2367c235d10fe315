// Smoke test of the whole fine-tuning path on real data: a small BERT with a WordPiece vocabulary
// built from the Brown training texts, fine-tuned briefly on brown-genre, must beat the majority
// class of the dev split clearly. Needs corpora/brown (scripts/fetch-brown.sh); skipped without it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>

#include "data/brown.h"
#include "models/bert_heads.h"
#include "models/checkpoint.h"
#include "models/tokenizers/basic_tokenizer.h"
#include "train/finetune.h"
#include "train/metrics_log.h"

namespace pare {
namespace {

namespace fs = std::filesystem;

const fs::path kBrownDir = fs::path(PARE_TEST_DATA_DIR).parent_path().parent_path() / "corpora" / "brown";

// [PAD] [UNK] [CLS] [SEP] [MASK], the `words` most frequent lower-cased training words, and every
// character seen, alone and as a "##" continuation, so no word becomes [UNK].
void write_vocab(const fs::path& file, std::size_t words) {
  const BasicTokenizer basic(BasicTokenizerOptions{});
  std::map<std::string, std::int64_t> counts;
  std::map<std::string, bool> chars;
  for (const TextExample& e : brown_genre_examples(kBrownDir, Split::train)) {
    for (const std::string& w : basic.split(e.text_a)) {
      ++counts[w];
      for (std::size_t i = 0; i < w.size();) {
        std::size_t n = 1;
        while (i + n < w.size() && (static_cast<unsigned char>(w[i + n]) & 0xC0) == 0x80) ++n;
        chars[w.substr(i, n)] = true;
        i += n;
      }
    }
  }
  std::vector<std::pair<std::int64_t, std::string>> ranked;
  for (const auto& [w, c] : counts) ranked.emplace_back(-c, w);
  std::sort(ranked.begin(), ranked.end());
  std::ofstream out(file);
  for (const char* s : {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}) out << s << "\n";
  std::map<std::string, bool> written;
  for (std::size_t i = 0; i < std::min(words, ranked.size()); ++i) {
    out << ranked[i].second << "\n";
    written[ranked[i].second] = true;
  }
  for (const auto& [c, unused] : chars) {
    if (!written.count(c)) out << c << "\n";
    out << "##" << c << "\n";
  }
}

TEST(FinetuneSmoke, BrownGenreBeatsTheMajorityClass) {
  if (!fs::exists(kBrownDir)) GTEST_SKIP() << "corpora/brown is absent: run scripts/fetch-brown.sh to enable this test";
  const auto start = std::chrono::steady_clock::now();
  const fs::path root = fs::temp_directory_path() / ("pare_finetune_smoke_" + std::to_string(::getpid()));
  fs::remove_all(root);
  const fs::path model_dir = root / "model";
  fs::create_directories(model_dir);
  write_vocab(model_dir / "vocab.txt", 3000);
  std::int64_t vocab_size = 0;
  {
    std::ifstream in(model_dir / "vocab.txt");
    for (std::string line; std::getline(in, line);) ++vocab_size;
  }
  BertConfig config;
  config.vocab_size = vocab_size;
  config.hidden_size = 64;
  config.num_hidden_layers = 2;
  config.num_attention_heads = 2;
  config.intermediate_size = 256;
  config.max_position_embeddings = 128;
  config.reset_layer_shapes();
  save_pretrained(*make_bert_model(config, BertTask::base, 1), model_dir);

  FinetuneOptions options;
  options.model_dir = model_dir;
  options.data.task = "brown-genre";
  options.data.brown_dir = kBrownDir;
  options.max_length = 64;
  options.max_eval_examples = 600;
  options.trainer.output_dir = root / "run";
  options.trainer.max_steps = 500;
  options.trainer.batch_size = 32;
  options.trainer.lr = 2e-3;
  options.trainer.warmup_ratio = 0.1;
  options.trainer.log_every = 25;
  options.trainer.progress_out = nullptr;
  options.trainer.stop_on_sigint = false;
  const TrainResult result = finetune(options);

  const std::vector<TextExample> dev = evenly_spaced(brown_genre_examples(kBrownDir, Split::dev), 600);
  std::map<std::int64_t, std::int64_t> counts;
  for (const TextExample& e : dev) ++counts[*e.label];
  std::int64_t majority = 0;
  for (const auto& [label, n] : counts) majority = std::max(majority, n);
  const double majority_accuracy = static_cast<double>(majority) / static_cast<double>(dev.size());

  ASSERT_FALSE(result.evaluations.empty());
  const double accuracy = result.evaluations.back().metrics.front().value;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("brown-genre dev accuracy %.4f (majority class %.4f), best %.4f, %.1f s\n", accuracy, majority_accuracy,
              result.best_metric, seconds);
  // Measured: 0.205 against 0.128 (a from-scratch model learns genre slowly; the margin is what a
  // broken loop, optimizer or evaluation could not reach).
  EXPECT_GT(accuracy, majority_accuracy + 0.05);

  // The best directory is a complete model: evaluate_model reads it back with the same result.
  EvaluateOptions eval;
  eval.model_dir = result.best_dir;
  eval.data = options.data;
  eval.max_length = 64;
  eval.max_examples = 600;
  const std::vector<MetricValue> again = evaluate_model(eval);
  EXPECT_EQ(again.front().name, "accuracy");
  EXPECT_NEAR(again.front().value, result.best_metric, 1e-9);
  fs::remove_all(root);
}

}  // namespace
}  // namespace pare
