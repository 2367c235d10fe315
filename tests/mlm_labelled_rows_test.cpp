// Masked LM on the labelled rows only (BertForMaskedLM::set_predict_labelled_only, what pretraining
// uses): the loss and every parameter's gradient equal the full computation's, the logits hold one
// row per labelled position, and a batch without labels falls back to the full rows.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/random_bert.h"

namespace pare {
namespace {

// i64 [3, 6] labels: a few positions carry token ids, the rest -100.
Tensor sparse_labels() {
  std::vector<std::int64_t> labels(18, -100);
  labels[1] = 5, labels[4] = 17, labels[8] = 39, labels[13] = 2;
  return Tensor::from_vector(labels, {3, 6});
}

std::map<std::string, std::vector<float>> loss_and_gradients(BertForMaskedLM& model, const Tensor& labels, double& loss,
                                                             Shape& logits_shape) {
  for (const auto& [name, p] : model.named_parameters()) p.zero_grad();
  const BertOutputs out = model.forward(testing::padded_random_inputs(3), labels);
  loss = out.loss.item();
  logits_shape = out.logits.shape();
  out.loss.backward();
  std::map<std::string, std::vector<float>> grads;
  for (const auto& [name, p] : model.named_parameters()) grads[name] = p.grad().to_vector<float>();
  return grads;
}

TEST(MaskedLmLabelledRows, LossAndGradientsEqualTheFullComputation) {
  auto built = testing::random_bert_model(testing::small_random_config(2), BertTask::masked_lm, 1, 2);
  auto& model = dynamic_cast<BertForMaskedLM&>(*built);
  double full_loss = 0, rows_loss = 0;
  Shape full_shape, rows_shape;
  const auto full = loss_and_gradients(model, sparse_labels(), full_loss, full_shape);
  model.set_predict_labelled_only(true);
  const auto rows = loss_and_gradients(model, sparse_labels(), rows_loss, rows_shape);
  EXPECT_EQ(full_shape, (Shape{3, 6, 40}));
  EXPECT_EQ(rows_shape, (Shape{4, 40}));
  EXPECT_NEAR(rows_loss, full_loss, 1e-6 * std::abs(full_loss));
  for (const auto& [name, g] : full) {
    SCOPED_TRACE(name);
    const std::vector<float>& r = rows.at(name);
    ASSERT_EQ(r.size(), g.size());
    for (std::size_t i = 0; i < g.size(); ++i) EXPECT_NEAR(r[i], g[i], 1e-5f + 1e-4f * std::abs(g[i])) << i;
  }
}

TEST(MaskedLmLabelledRows, NoLabelledPositionKeepsEveryRow) {
  auto built = testing::random_bert_model(testing::small_random_config(1), BertTask::masked_lm, 1, 2);
  auto& model = dynamic_cast<BertForMaskedLM&>(*built);
  model.set_predict_labelled_only(true);
  const BertOutputs out = model.forward(testing::padded_random_inputs(3));
  EXPECT_EQ(out.logits.shape(), (Shape{3, 6, 40}));
}

}  // namespace
}  // namespace pare
