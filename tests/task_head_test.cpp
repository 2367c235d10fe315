// The model's task head on loading for training: a head that does not fit the task is an error
// that names --new-head; with it the head is replaced by a fresh one; pruning, which needs a
// fine-tuned model, refuses a checkpoint without the head's weights.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "models/bert_config.h"
#include "prune/prune_task.h"
#include "tests/test_support.h"  // ScratchDir, write_bytes, error_of
#include "train/finetune.h"

namespace pare {
namespace {

namespace fs = std::filesystem;
using testing::error_of;

const fs::path kData = PARE_TEST_DATA_DIR;

// A copy of a tiny fixture model with the fixture WordPiece vocabulary beside it.
fs::path model_copy(const fs::path& root, const std::string& fixture) {
  const fs::path dir = root / fixture;
  fs::create_directories(dir);
  fs::copy(kData / "bert_tiny" / fixture, dir);
  fs::copy_file(kData / "tokenizers" / "wordpiece" / "vocab.txt", dir / "vocab.txt");
  return dir;
}

FinetuneOptions two_label_task(const fs::path& root, const fs::path& model, const std::string& out) {
  testing::write_bytes(root / "train.tsv", "sentence\tlabel\nhello world\tyes\nthe world\tno\nhello\tyes\n");
  FinetuneOptions o;
  o.model_dir = model;
  o.data.user.train = root / "train.tsv";
  o.data.user.dev = root / "train.tsv";
  o.data.user.text_column = "sentence";
  o.data.user.label_column = "label";
  o.max_length = 16;
  o.trainer.output_dir = root / out;
  o.trainer.max_steps = 1;
  o.trainer.batch_size = 3;
  o.trainer.progress_out = nullptr;
  o.trainer.stop_on_sigint = false;
  return o;
}

TEST(TaskHead, AHeadThatDoesNotFitIsReplacedOnlyWithNewHead) {
  const testing::ScratchDir dir;
  const fs::path model = model_copy(dir.path(), "seqcls");  // a classifier over 3 labels
  FinetuneOptions o = two_label_task(dir.path(), model, "refused");
  const std::string error = error_of([&] { finetune(o); });
  EXPECT_NE(error.find("head with 3 labels but task"), std::string::npos) << error;
  EXPECT_NE(error.find("--new-head replaces it"), std::string::npos) << error;
  EXPECT_FALSE(fs::exists(dir.path() / "refused" / "checkpoint"));

  o = two_label_task(dir.path(), model, "replaced");
  o.new_head = true;
  const TrainResult result = finetune(o);
  EXPECT_EQ(result.steps, 1);
  EXPECT_EQ(BertConfig::load(result.checkpoint_dir).num_labels(), 2);
}

TEST(TaskHead, PruningRefusesAModelWithoutItsTaskHead) {
  const testing::ScratchDir dir;
  const fs::path model = model_copy(dir.path(), "mlm");  // a masked-LM head, no classifier
  PruneTaskOptions o;
  o.finetune = two_label_task(dir.path(), model, "pruned");
  o.config = PruningConfig::load(kData / ".." / ".." / "prune" / "configs" / "attention_heads.json");
  const std::string error = error_of([&] { prune_on_task(o); });
  EXPECT_NE(error.find("lacks the task head's weights"), std::string::npos) << error;
  EXPECT_NE(error.find("classifier."), std::string::npos) << error;
  EXPECT_FALSE(fs::exists(dir.path() / "pruned" / "checkpoint"));
}

}  // namespace
}  // namespace pare
