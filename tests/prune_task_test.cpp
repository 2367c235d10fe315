// prune_on_task, the library call behind `pare prune`: a tiny BERT directory pruned while it is
// fine-tuned on the Brown fixture corpus (POS tagging) writes masks that hit the config's ratio, a model directory
// whose weights are zero wherever masked, and sparsity.json with the final dev metrics.
#include "prune/prune_task.h"

#include <gtest/gtest.h>

#include <fstream>

#include "models/checkpoint.h"
#include "prune/masks.h"
#include "prune/speedup.h"
#include "tests/test_support.h"  // ScratchDir, error_of
#include "tests/tiny_training.h"
#include "train/finetune.h"

namespace pare {
namespace {

namespace fs = std::filesystem;

const fs::path kData = fs::path(PARE_TEST_DATA_DIR);

PruneTaskOptions ffn_pruning(const fs::path& model_dir, const fs::path& out) {
  PruneTaskOptions o;
  o.finetune.model_dir = model_dir;
  o.finetune.data.task = "brown-pos";
  o.finetune.data.brown_dir = kData / "brown" / "corpus";
  o.finetune.max_length = 32;
  o.finetune.max_train_examples = 40;
  o.finetune.max_eval_examples = 16;
  o.finetune.trainer = testing::tiny_trainer_options(out, 4);
  // The tiny model is not fine-tuned: its task head is made fresh (pruning refuses a model without one).
  o.finetune.new_head = true;
  o.config = PruningConfig::from_json(
      nlohmann::json::array({{{"op_names", {"bert\\.encoder\\.layer\\.[0-9]+\\.intermediate\\.dense\\.weight"}},
                              {"scorer", "taylor"},
                              {"sparse_ratio", 0.75},
                              {"granularity", "out_channel"},
                              {"interval_steps", 2},
                              {"total_times", 2}}}));
  return o;
}

TEST(PruneTask, WritesMasksMaskedModelAndSparsity) {
  testing::ScratchDir root;
  const fs::path out = root.path() / "pruned";
  const PruneTaskResult r = prune_on_task(ffn_pruning(testing::tiny_model_dir(root.path()), out));
  ASSERT_FALSE(r.train.stopped);

  const Masks masks = load_masks(r.masks_file);
  ASSERT_EQ(masks.size(), 2u);
  const LoadedBert pruned = load_pretrained(r.model_dir);
  StateDict weights = pruned.model->state_dict();
  for (const auto& [name, mask] : masks) {
    const std::vector<float> m = mask.to_vector<float>(), w = weights.at(name).to_vector<float>();
    std::size_t kept = 0;
    for (std::size_t i = 0; i < m.size(); ++i) {
      kept += m[i] == 1.0f;
      if (m[i] == 0.0f) {
        ASSERT_EQ(w[i], 0.0f) << name << " element " << i << " is masked but not zero";
      }
    }
    EXPECT_EQ(kept, 6u * 16u) << name;  // 6 of 24 units, 16 inputs each
  }
  EXPECT_TRUE(fs::exists(r.model_dir / "vocab.txt"));
  EXPECT_TRUE(fs::exists(r.model_dir / "labels.txt"));

  std::ifstream in(r.sparsity_file);
  const nlohmann::json sparsity = nlohmann::json::parse(in);
  EXPECT_DOUBLE_EQ(sparsity.at("masked_fraction").get<double>(), 0.75);
  EXPECT_TRUE(sparsity.at("eval").contains("accuracy")) << sparsity.dump();

  // The written model and masks compact into a smaller model of the same metrics.
  EvaluateOptions eval;
  eval.model_dir = r.model_dir;
  eval.data = ffn_pruning(r.model_dir, out).finetune.data;
  eval.max_length = 32;
  eval.max_examples = 16;
  const std::vector<MetricValue> masked = evaluate_model(eval);
  save_pretrained(*speedup(*pruned.model, masks), root.path() / "compact");
  for (const char* file : {"vocab.txt", "labels.txt"})
    fs::copy_file(r.model_dir / file, root.path() / "compact" / file);
  eval.model_dir = root.path() / "compact";
  const std::vector<MetricValue> compact = evaluate_model(eval);
  ASSERT_EQ(masked.size(), compact.size());
  for (std::size_t i = 0; i < masked.size(); ++i)
    EXPECT_NEAR(masked[i].value, compact[i].value, 1e-5) << masked[i].name;
  EXPECT_EQ(load_pretrained(root.path() / "compact").model->config().layer_shapes[0].ffn_dim, 6);
}

TEST(PruneTask, ConfigThatDoesNotFitTheModelFailsBeforeTraining) {
  testing::ScratchDir root;
  PruneTaskOptions o = ffn_pruning(testing::tiny_model_dir(root.path()), root.path() / "pruned");
  o.config.groups[0].op_names = {"bert\\.encoder\\.layer\\.7\\..*"};
  const std::string error = testing::error_of([&] { prune_on_task(o); });
  EXPECT_NE(error.find("matches no parameter"), std::string::npos) << error;
  EXPECT_FALSE(fs::exists(root.path() / "pruned"));
}

}  // namespace
}  // namespace pare
