// A step whose loss is not finite stops training with a message that names the likely cause: a
// regression label too large for f32 squares, or the distillation term that went non-finite (with
// its temperature), rather than "lower the learning rate" whatever the cause. Temperatures beyond
// the KL's precision are refused before training.
#include <gtest/gtest.h>

#include <cmath>

#include "distill/distillation_hook.h"
#include "models/bert_heads.h"   // make_bert_model
#include "runtime/autograd.h"    // NoGradGuard
#include "tests/test_support.h"  // ScratchDir, error_of
#include "tests/tiny_training.h"
#include "train/trainer.h"

namespace pare {
namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(NonFiniteLoss, AHugeRegressionLabelIsNamedNotTheLearningRate) {
  const testing::ScratchDir dir;
  std::vector<TokenizedExample> data = testing::tiny_examples(8, 1, TaskKind::regression);
  for (TokenizedExample& e : data) e.score = 0.5f;
  data[2].score = 1e23f;  // its square overflows f32
  TrainerOptions o = testing::tiny_trainer_options(dir.path(), 2);
  o.batch_size = 8;
  Trainer trainer(make_bert_model(testing::tiny_bert_config(4, 1), BertTask::sequence_classification, 1), o);
  trainer.set_train_data(data, TaskKind::regression, 0);
  const std::string error = testing::error_of([&] { trainer.train(); });
  EXPECT_TRUE(has(error, "non-finite loss (inf) at step 1")) << error;
  EXPECT_TRUE(has(error, "The task loss is inf (not finite)")) << error;
  EXPECT_TRUE(has(error, "regression labels reach 1e+23 in magnitude: rescale them")) << error;
  EXPECT_FALSE(has(error, "learning rate")) << error;
}

TEST(NonFiniteLoss, ADistillationTermIsNamedWithItsTemperature) {
  const testing::ScratchDir dir;
  const BertConfig config = testing::tiny_bert_config();
  auto teacher = make_bert_model(config, BertTask::sequence_classification, 1);
  {
    NoGradGuard no_grad;
    for (auto& [name, p] : teacher->named_parameters()) {
      if (name == "classifier.weight") p.fill_(INFINITY);  // logits of inf and NaN
    }
  }
  DistillationOptions options;
  options.temperature = 3.0;
  options.hidden_weight = 0.0;
  Trainer trainer(make_bert_model(config, BertTask::sequence_classification, 2),
                  testing::tiny_trainer_options(dir.path(), 2));
  trainer.set_train_data(testing::tiny_examples(8, 1), TaskKind::classification, 0);
  trainer.add_hook(make_distillation_hook(teacher, config, options));
  const std::string error = testing::error_of([&] { trainer.train(); });
  // NaN prints as "nan" or "-nan".
  EXPECT_TRUE(has(error, "nan) at step 1; stopped without saving this step. The task loss is 1.")) << error;
  EXPECT_TRUE(has(error, "; distillation: the prediction-layer KL x T^2 is ")) << error;
  EXPECT_TRUE(has(error, "nan (temperature 3;")) << error;
  EXPECT_TRUE(has(error, "logits are not finite")) << error;
}

TEST(NonFiniteLoss, TemperaturesBeyondTheKlsPrecisionAreRefusedBeforeTraining) {
  for (double temperature : {1e10, 1e5, 1e-4}) {
    DistillationOptions options;
    options.temperature = temperature;
    const std::string error = testing::error_of([&] { options.validate(); });
    EXPECT_TRUE(has(error, "distillation: temperature must lie in [0.001, 10000], got")) << error;
  }
}

}  // namespace
}  // namespace pare
