// A tiny BERT and learnable synthetic data for tests that run the training loop (pruning,
// distillation): small enough that a few steps take milliseconds.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "data/batching.h"  // TokenizedExample
#include "models/bert_config.h"
#include "models/checkpoint.h"  // save_pretrained
#include "train/trainer.h"

namespace pare::testing {

constexpr std::int64_t kTinyVocab = 40;

// 2 layers, hidden 16, `heads` heads, FFN 24, sequence classification with `num_labels` labels.
inline BertConfig tiny_bert_config(std::int64_t heads = 4, std::int64_t num_labels = 3, double dropout = 0.0) {
  BertConfig c;
  c.vocab_size = kTinyVocab;
  c.hidden_size = 16;
  c.num_hidden_layers = 2;
  c.num_attention_heads = heads;
  c.intermediate_size = 24;
  c.max_position_embeddings = 32;
  c.hidden_dropout_prob = dropout;
  c.attention_probs_dropout_prob = dropout;
  c.set_num_labels(num_labels);
  c.reset_layer_shapes();
  return c;
}

// Sequences [CLS]=1 w.. [SEP]=2 of 4..11 tokens. Classification: the class is the first word's id
// mod 3; tagging: a token's tag is its id mod 4 (special tokens ignored); any other kind: no labels.
inline std::vector<TokenizedExample> tiny_examples(std::size_t n, std::uint64_t seed,
                                                   TaskKind kind = TaskKind::classification) {
  std::vector<TokenizedExample> out;
  std::uint64_t x = seed * 2654435761u + 17;
  auto next = [&x] {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return x >> 33;
  };
  for (std::size_t i = 0; i < n; ++i) {
    TokenizedExample e;
    const std::size_t words = 2 + next() % 8;
    e.input_ids.push_back(1);
    for (std::size_t w = 0; w < words; ++w) {
      e.input_ids.push_back(5 + static_cast<std::int64_t>(next() % (kTinyVocab - 5)));
    }
    e.input_ids.push_back(2);
    if (kind == TaskKind::classification) {
      e.label = e.input_ids[1] % 3;
    } else if (kind == TaskKind::tagging) {
      for (std::int64_t id : e.input_ids) e.token_labels.push_back(id <= 2 ? kIgnoreLabel : id % 4);
    }
    out.push_back(std::move(e));
  }
  return out;
}

// A tiny pretrained-style directory `root`/base: BertModel weights of tiny_bert_config (vocabulary 28,
// 64 positions), config.json and the WordPiece vocabulary of the Brown fixture's tokenizer.
inline std::filesystem::path tiny_model_dir(const std::filesystem::path& root) {
  const std::filesystem::path dir = root / "base";
  BertConfig config = tiny_bert_config();
  config.vocab_size = 28;
  config.max_position_embeddings = 64;
  save_pretrained(BertModel(config, 5), dir);
  std::filesystem::copy_file(std::filesystem::path(PARE_TEST_DATA_DIR) / "tokenizers" / "wordpiece" / "vocab.txt",
                             dir / "vocab.txt");
  return dir;
}

// The task of tiny_examples' classification labels: 3 classes, accuracy.
inline TaskInfo tiny_classification_task() {
  TaskInfo t;
  t.name = "tiny";
  t.label_names = {"a", "b", "c"};
  t.metric_names = {"accuracy"};
  return t;
}

// Batch 4, lr 1e-2, no progress bar, no signal handling, no evaluation.
inline TrainerOptions tiny_trainer_options(const std::filesystem::path& out, std::int64_t steps) {
  TrainerOptions o;
  o.output_dir = out;
  o.max_steps = steps;
  o.batch_size = 4;
  o.lr = 1e-2;
  o.log_every = 1;
  o.progress_out = nullptr;
  o.stop_on_sigint = false;
  o.seed = 7;
  return o;
}

}  // namespace pare::testing
