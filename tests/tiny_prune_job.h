// A `pare prune` job on the tiny BERT fixture for the end-to-end tests that interrupt one (signals,
// a killed mpirun rank): a model folder, 48 labelled sentences, head pruning with a warm-up that fits
// a short run (prune/configs/attention_heads.json's form), and its command line.
#pragma once

#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "tests/test_support.h"  // write_bytes

namespace pare::testing {

class TinyPruneJob {
 public:
  explicit TinyPruneJob(const std::filesystem::path& root) : root_(root) {
    namespace fs = std::filesystem;
    const fs::path data = PARE_TEST_DATA_DIR;
    fs::create_directories(root_ / "model");
    fs::copy(data / "bert_tiny" / "seqcls", root_ / "model");
    fs::copy_file(data / "tokenizers" / "wordpiece" / "vocab.txt", root_ / "model" / "vocab.txt");
    const char* words[] = {"hello", "world", "the", "cat", "a", "un", "##able", "!", "?", "."};
    std::mt19937 rng(7);
    std::string rows = "sentence\tlabel\n";
    for (int i = 0; i < 48; ++i) {
      std::string text;
      for (int w = 0; w < 6; ++w) text += std::string(w ? " " : "") + words[rng() % 10];
      rows += text + "\t" + std::to_string(i % 3) + "\n";
    }
    write_bytes(root_ / "train.tsv", rows);
    write_bytes(root_ / "heads.json", R"([{
      "op_names": ["bert\\.encoder\\.layer\\.[0-9]+\\.attention\\.self\\.(query|key|value)\\.weight",
                   "bert\\.encoder\\.layer\\.[0-9]+\\.attention\\.output\\.dense\\.weight"],
      "scorer": "movement", "sparse_threshold": 0.1, "granularity": "head", "warmup_steps": 10,
      "regular_scale": 10}])");
  }

  std::filesystem::path model() const { return root_ / "model"; }

  // pare's arguments: `steps` steps of batch 8, a checkpoint every `save_every`, into `out`.
  std::vector<std::string> arguments(const std::filesystem::path& out, std::int64_t steps,
                                     std::int64_t save_every) const {
    const std::string train = (root_ / "train.tsv").string();
    return {"prune",
            "--model",
            model().string(),
            "--config",
            (root_ / "heads.json").string(),
            "--train",
            train,
            "--dev",
            train,
            "--text-column",
            "sentence",
            "--label-column",
            "label",
            "--seq",
            "16",
            "--steps",
            std::to_string(steps),
            "--batch",
            "8",
            "--save-every",
            std::to_string(save_every),
            "--log-every",
            "1",
            "--score-lr",
            "0.5",
            "--out",
            out.string()};
  }

 private:
  std::filesystem::path root_;
};

}  // namespace pare::testing
