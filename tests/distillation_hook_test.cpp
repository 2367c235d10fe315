// The teacher runs without a graph, the hook keeps nothing from one step to the next, and a short
// Trainer run with the hook on tiny models logs finite loss terms that fall.
#include "distill/distillation_hook.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <numeric>

#include "distill/teacher.h"
#include "models/bert_heads.h"
#include "runtime/error.h"
#include "runtime/io/safetensors.h"
#include "runtime/ops/elementwise.h"  // add
#include "runtime/storage.h"          // cpu_memory_stats
#include "tests/test_support.h"       // ScratchDir
#include "tests/tiny_training.h"
#include "train/metrics_log.h"
#include "train/trainer.h"

namespace pare {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kVocab = testing::kTinyVocab;

BertConfig config(std::int64_t hidden, std::int64_t layers, std::int64_t heads, std::int64_t labels = 3) {
  BertConfig c;
  c.vocab_size = kVocab;
  c.hidden_size = hidden;
  c.num_hidden_layers = layers;
  c.num_attention_heads = heads;
  c.intermediate_size = 2 * hidden;
  c.max_position_embeddings = 32;
  c.hidden_dropout_prob = 0.0;
  c.attention_probs_dropout_prob = 0.0;
  c.set_num_labels(labels);
  c.reset_layer_shapes();
  return c;
}

std::vector<TokenizedExample> examples(std::size_t n, std::uint64_t seed) { return testing::tiny_examples(n, seed); }

Batch batch_of(const std::vector<TokenizedExample>& data) {
  std::vector<std::size_t> indices(data.size());
  std::iota(indices.begin(), indices.end(), 0);
  return collate(data, indices, TaskKind::classification, 0);
}

TrainerOptions quiet(const fs::path& out, std::int64_t steps) {
  TrainerOptions o;
  o.output_dir = out;
  o.max_steps = steps;
  o.batch_size = 8;
  o.lr = 1e-2;
  o.log_every = 1;
  o.progress_out = nullptr;
  o.stop_on_sigint = false;
  return o;
}

DistillationOptions options(LayerMapKind kind) {
  DistillationOptions o;
  o.layer_map.kind = kind;
  o.seed = 3;
  return o;
}

TEST(Teacher, ForwardRecordsNoGraph) {
  auto model = make_bert_model(config(24, 3, 3), BertTask::sequence_classification, 1);
  model->train();
  const Teacher teacher(model);
  EXPECT_FALSE(teacher.model().is_training());
  for (const auto& [name, p] : model->named_parameters()) EXPECT_FALSE(p.requires_grad()) << name;
  const Batch batch = batch_of(examples(4, 1));
  const TeacherOutputs out = teacher.forward({batch.input_ids, batch.attention_mask, batch.token_type_ids});
  ASSERT_TRUE(out.logits.defined());
  EXPECT_EQ(out.logits.shape(), (Shape{4, 3}));
  EXPECT_FALSE(out.logits.requires_grad());
  EXPECT_EQ(out.logits.grad_fn(), nullptr);
  ASSERT_EQ(out.hidden_states.size(), 4u);
  for (const Tensor& h : out.hidden_states) {
    EXPECT_FALSE(h.requires_grad());
    EXPECT_EQ(h.grad_fn(), nullptr);
  }
}

// Memory in use after each full step (forward, teacher, losses, backward) stays the same: neither
// the teacher nor the hook holds on to a step's tensors.
TEST(DistillationHook, KeepsNothingFromOneStepToTheNext) {
  auto teacher = make_bert_model(config(24, 3, 3), BertTask::sequence_classification, 1);
  auto student = make_bert_model(config(16, 2, 2), BertTask::sequence_classification, 2);
  auto hook = make_distillation_hook(teacher, student->config(), options(LayerMapKind::nni));
  ASSERT_EQ(hook->parameters().size(), 2u);  // 16 -> 24 projection
  hook->on_train_begin(*student, TrainingPlan{});
  const Batch batch = batch_of(examples(6, 2));
  const BertInputs inputs{batch.input_ids, batch.attention_mask, batch.token_type_ids};
  std::vector<std::size_t> in_use;
  for (std::int64_t step = 0; step < 5; ++step) {
    {
      const BertOutputs outputs = student->forward(inputs, batch.labels);
      const Tensor extra = hook->extra_loss(MicroBatchView{step, 0, inputs, batch.labels, outputs, {}});
      ASSERT_TRUE(extra.defined());
      add(outputs.loss, extra).backward();
    }
    const Tensor projection = hook->parameters()[0].second;
    ASSERT_TRUE(projection.grad().defined());
    EXPECT_GT(std::abs(projection.grad().to_vector<float>()[0]), 0.0f);
    student->zero_grad();
    for (const auto& [name, p] : hook->parameters()) p.zero_grad();
    in_use.push_back(memory_stats().in_use_bytes);
    EXPECT_EQ(hook->last_step().step, step);
    EXPECT_EQ(hook->last_step().micro_batches, 1);
  }
  EXPECT_EQ(in_use[2], in_use[1]);
  EXPECT_EQ(in_use[4], in_use[1]);
}

TEST(DistillationHook, CofiSkipsTheLayersTheAttentionSourceReportsEmpty) {
  auto teacher = make_bert_model(config(16, 2, 2), BertTask::sequence_classification, 1);
  auto student = make_bert_model(config(16, 2, 2), BertTask::sequence_classification, 2);
  DistillationOptions o = options(LayerMapKind::cofi);
  o.layer_map.teacher_layers = {1, 2};
  auto hook = make_distillation_hook(teacher, student->config(), o);
  hook->on_train_begin(*student, TrainingPlan{});
  const Batch batch = batch_of(examples(4, 3));
  const BertInputs inputs{batch.input_ids, batch.attention_mask, batch.token_type_ids};
  auto pairs_of_step = [&](std::int64_t step) {
    const BertOutputs outputs = student->forward(inputs, batch.labels);
    hook->extra_loss(MicroBatchView{step, 0, inputs, batch.labels, outputs, {}});
    return hook->last_step().layer_map;
  };
  // Both student layers take a teacher layer; then layer 2 loses its attention (a pruner's masks)
  // and teacher layer 2 must go to student layer 1, teacher layer 1 to nothing below it.
  EXPECT_EQ(pairs_of_step(0).size(), 2u);
  hook->set_attention_source([] { return std::vector<bool>{true, false}; });
  const std::vector<LayerPair> pairs = pairs_of_step(1);
  ASSERT_EQ(pairs.size(), 1u);
  EXPECT_EQ(pairs[0], (LayerPair{1, 2}));
  hook->set_attention_source([] { return std::vector<bool>{true}; });
  EXPECT_THROW(pairs_of_step(2), Error);
}

TEST(DistillationHook, RefusesAStudentThatDoesNotFit) {
  auto teacher = make_bert_model(config(24, 3, 3), BertTask::sequence_classification, 1);
  auto other_labels = make_bert_model(config(16, 2, 2, 2), BertTask::sequence_classification, 2);
  auto hook = make_distillation_hook(teacher, other_labels->config(), options(LayerMapKind::cofi));
  EXPECT_THROW(hook->on_train_begin(*other_labels, TrainingPlan{}), Error);

  auto student = make_bert_model(config(16, 2, 2), BertTask::sequence_classification, 2);
  auto wider = make_distillation_hook(teacher, config(20, 2, 2), options(LayerMapKind::cofi));
  try {
    wider->on_train_begin(*student, TrainingPlan{});
    ADD_FAILURE() << "a student of hidden size 16 was accepted by a projection from 20";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("restrict_student_hidden"), std::string::npos) << e.what();
  }
  auto deeper = make_bert_model(config(16, 4, 2), BertTask::sequence_classification, 2);
  auto fixed = make_distillation_hook(teacher, deeper->config(), options(LayerMapKind::fixed));
  EXPECT_THROW(fixed->on_train_begin(*deeper, TrainingPlan{}), Error);

  DistillationOptions nothing = options(LayerMapKind::cofi);
  nothing.logit_weight = nothing.hidden_weight = 0.0;
  EXPECT_THROW(make_distillation_hook(teacher, student->config(), nothing), Error);
}

TEST(DistillationHook, LoadsATeacherDirectoryAndRestoresItsProjection) {
  const fs::path dir = fs::path(PARE_TEST_DATA_DIR) / "bert_tiny" / "seqcls";
  auto hook = make_distillation_hook(dir, config(16, 2, 2), options(LayerMapKind::cofi));
  EXPECT_EQ(hook->teacher().model().config().hidden_size, 36);
  EXPECT_EQ(hook->projection().teacher_hidden(), 36);
  DistillationOptions reseeded = options(LayerMapKind::cofi);
  reseeded.seed = 99;
  auto other = make_distillation_hook(dir, config(16, 2, 2), reseeded);
  const auto weight = [](const DistillationHook& h) { return h.parameters()[0].second.to_vector<float>(); };
  ASSERT_NE(weight(*other), weight(*hook));
  other->load_state_tensors(hook->state_tensors());
  EXPECT_EQ(weight(*other), weight(*hook));
}

// A teacher trained on the synthetic task, then a narrower, shallower student trained on
// distillation alone (task weight 0): every logged term is finite and both distillation terms fall.
TEST(DistillationHook, TrainerRunLogsFallingDistillationLosses) {
  testing::ScratchDir teacher_dir("teacher"), student_dir("student");
  auto teacher = make_bert_model(config(24, 3, 3), BertTask::sequence_classification, 1);
  Trainer teacher_trainer(teacher, quiet(teacher_dir.path(), 30));
  teacher_trainer.set_train_data(examples(64, 5), TaskKind::classification, 0);
  teacher_trainer.train();

  auto student = make_bert_model(config(16, 2, 2), BertTask::sequence_classification, 2);
  auto hook = make_distillation_hook(teacher, student->config(), options(LayerMapKind::cofi));
  const std::vector<float> projection_before = hook->parameters()[0].second.to_vector<float>();
  TrainerOptions o = quiet(student_dir.path(), 30);
  o.task_loss_weight = 0.0;
  Trainer trainer(student, o);
  trainer.set_train_data(examples(64, 6), TaskKind::classification, 0);
  trainer.add_hook(hook);
  trainer.train();

  std::vector<double> logit, hidden;
  for (const auto& r : MetricsLog::read(student_dir.path() / "metrics.jsonl")) {
    if (r.at("type") != "train") continue;
    const auto& d = r.at("distill");
    for (const char* key : {"task_loss", "logit_loss", "hidden_loss"}) {
      EXPECT_TRUE(std::isfinite(d.at(key).get<double>())) << key << " in " << r;
    }
    logit.push_back(d.at("logit_loss").get<double>());
    hidden.push_back(d.at("hidden_loss").get<double>());
    // CoFi's default for a 3-layer teacher is its layer 3, matched to one of the 2 student layers.
    const auto& map = d.at("layer_map");
    ASSERT_EQ(map.size(), 2u) << r;
    EXPECT_EQ(static_cast<int>(map[0].is_null()) + static_cast<int>(map[1].is_null()), 1) << r;
    for (const auto& t : map) {
      if (!t.is_null()) {
        EXPECT_EQ(t.get<std::int64_t>(), 3) << r;
      }
    }
    // Without the task term, the logged loss is the weighted distillation.
    EXPECT_NEAR(r.at("loss").get<double>(), logit.back() + hidden.back(), 1e-4 * r.at("loss").get<double>());
  }
  ASSERT_EQ(logit.size(), 30u);
  auto mean = [](const std::vector<double>& v, std::size_t from, std::size_t to) {
    return std::accumulate(v.begin() + static_cast<std::ptrdiff_t>(from), v.begin() + static_cast<std::ptrdiff_t>(to),
                           0.0) /
           static_cast<double>(to - from);
  };
  EXPECT_LT(mean(logit, 25, 30), 0.7 * mean(logit, 0, 5));
  EXPECT_LT(mean(hidden, 25, 30), 0.7 * mean(hidden, 0, 5));
  // The projection trained with the student, and stays out of the exported model.
  EXPECT_NE(hook->parameters()[0].second.to_vector<float>(), projection_before);
  const SafetensorsFile saved = SafetensorsFile::open(student_dir.path() / "checkpoint" / "model.safetensors");
  for (const std::string& name : saved.names()) EXPECT_EQ(name.find("projection"), std::string::npos) << name;
  EXPECT_TRUE(SafetensorsFile::open(student_dir.path() / "checkpoint" / "hook_tensors.safetensors")
                  .contains("distill.projection.weight"));
}

}  // namespace
}  // namespace pare
