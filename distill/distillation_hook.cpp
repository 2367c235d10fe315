#include "distill/distillation_hook.h"

#include <cmath>
#include <map>
#include <utility>

#include "distill/distillation_losses.h"
#include "models/bert_heads.h"  // BertForSequenceClassification::is_regression
#include "runtime/autograd.h"   // NoGradGuard
#include "runtime/distributed/world.h"
#include "runtime/error.h"
#include "runtime/ops/elementwise.h"  // add, scale, sub
#include "runtime/ops/indexing.h"     // concat

namespace pare {
namespace {

std::int64_t num_layers(const BertTaskModel& model) {
  return static_cast<std::int64_t>(model.config().layer_shapes.size());
}

// Mean of the step so far after adding `value` as micro-batch number `count` (1-based), on the device.
Tensor running_mean(const Tensor& mean, const Tensor& value, std::int64_t count) {
  if (!mean.defined()) return value.detach();
  return add(mean, scale(sub(value.detach(), mean), 1.0 / static_cast<double>(count)));
}

double host_value(const Tensor& t) { return t.defined() ? t.item() : 0.0; }

}  // namespace

DistillationHook::DistillationHook(std::shared_ptr<const Teacher> teacher, std::int64_t student_hidden_size,
                                   DistillationOptions options)
    : teacher_(std::move(teacher)), options_(std::move(options)), projection_([&] {
        PARE_CHECK(teacher_ != nullptr, "distillation: no teacher");
        options_.validate();
        Generator gen(options_.seed);
        return HiddenProjection(student_hidden_size, teacher_->model().config().hidden_size, gen,
                                options_.learned_projection, options_.device);
      }()) {}

void DistillationHook::on_train_begin(BertTaskModel& student, const TrainingPlan&) {
  const BertTaskModel& teacher = teacher_->model();
  if (options_.logit_weight > 0) {
    PARE_CHECK(student.task() == teacher.task() && student.task() != BertTask::base, "distillation: the student is a ",
               architecture_name(student.task()), " and the teacher a ", architecture_name(teacher.task()),
               "; prediction-layer distillation needs the same task head");
    PARE_CHECK(student.config().num_labels() == teacher.config().num_labels() || student.task() == BertTask::masked_lm,
               "distillation: the student has ", student.config().num_labels(), " labels and the teacher ",
               teacher.config().num_labels());
  }
  const auto* classifier = dynamic_cast<const BertForSequenceClassification*>(&student);
  prediction_kind_ = classifier != nullptr && classifier->is_regression() ? PredictionLossKind::mse
                                                                          : PredictionLossKind::kl_divergence;
  answer_spans_ = student.task() == BertTask::question_answering;
  PARE_CHECK(student.config().hidden_size == projection_.student_hidden(), "distillation: the student's hidden size ",
             student.config().hidden_size, " differs from the projection's input ", projection_.student_hidden(),
             " (after removing hidden dims, call restrict_student_hidden)");
  if (options_.hidden_weight > 0) validate_layer_map(options_.layer_map, num_layers(student), num_layers(teacher));
  student_has_attention_.clear();
  for (const BertLayerShape& shape : student.config().layer_shapes) student_has_attention_.push_back(shape.heads > 0);
  started_ = true;
}

Tensor DistillationHook::hidden_loss(const MicroBatchView& batch, const TeacherOutputs& teacher,
                                     std::vector<LayerPair>& pairs) {
  const std::vector<Tensor>& student_states = batch.outputs.hidden_states;
  if (attention_source_) {
    std::vector<bool> alive = attention_source_();
    PARE_CHECK(alive.size() == student_has_attention_.size(), "distillation: the attention source reports ",
               alive.size(), " layers for a student of ", student_has_attention_.size());
    student_has_attention_ = std::move(alive);
  }
  const auto student_layers = static_cast<std::int64_t>(student_has_attention_.size());
  const auto teacher_layers = static_cast<std::int64_t>(teacher.hidden_states.size()) - 1;
  PARE_CHECK(static_cast<std::int64_t>(student_states.size()) == student_layers + 1,
             "distillation: the student returned ", student_states.size(), " hidden states for ", student_layers,
             " layers");
  const Tensor& mask = batch.inputs.attention_mask;
  // Each student state is projected once, recording the graph, and serves both the search and the loss.
  std::vector<Tensor> projected(student_states.size());
  auto project = [&](std::int64_t s) -> const Tensor& {
    Tensor& p = projected[static_cast<std::size_t>(s)];
    if (!p.defined()) p = projection_.forward(student_states[static_cast<std::size_t>(s)]);
    return p;
  };
  // Every distance the map may ask for, computed on the device and read back in one transfer.
  const std::vector<LayerPair> asked =
      distance_pairs(options_.layer_map, student_layers, teacher_layers, student_has_attention_);
  std::map<std::pair<std::int64_t, std::int64_t>, double> distances;
  if (!asked.empty()) {
    std::vector<Tensor> values;
    for (const LayerPair& pair : asked) {
      const Tensor& p = project(pair.student);  // recorded: the loss reuses it
      NoGradGuard no_grad;
      values.push_back(hidden_state_mse(p.detach(), teacher.hidden_states[static_cast<std::size_t>(pair.teacher)], mask)
                           .reshape({1}));
    }
    const std::vector<float> host = concat(values, 0).to_vector<float>();
    // Data parallelism: each rank's distances are means over its tokens; weighted by its share they
    // add up to the micro-batch's, so every rank picks the pairs one process would.
    std::vector<double> summed(host.begin(), host.end());
    if (world().size() > 1) {
      for (double& d : summed) d *= batch.share.tokens;
      all_reduce(world(), summed);
    }
    for (std::size_t i = 0; i < asked.size(); ++i) distances[{asked[i].student, asked[i].teacher}] = summed[i];
  }
  const LayerDistance distance = [&](std::int64_t s, std::int64_t t) {
    const auto found = distances.find({s, t});
    PARE_CHECK(found != distances.end(), "distillation: the layer map asked for the distance of student layer ", s,
               " to teacher layer ", t, ", which distance_pairs did not list");
    return found->second;
  };
  pairs = map_layers(options_.layer_map, student_layers, teacher_layers, student_has_attention_, distance);
  Tensor total;
  for (const LayerPair& pair : pairs) {
    const Tensor loss =
        hidden_state_mse(project(pair.student), teacher.hidden_states[static_cast<std::size_t>(pair.teacher)], mask);
    total = total.defined() ? add(total, loss) : loss;
  }
  return total;
}

Tensor DistillationHook::extra_loss(const MicroBatchView& batch) {
  PARE_CHECK(started_, "distillation: extra_loss before on_train_begin (add the hook to a Trainer)");
  const TeacherOutputs teacher = teacher_->forward(batch.inputs);
  if (terms_.step != batch.step) {
    terms_ = DistillationStepTerms{};
    terms_.step = batch.step;
  }
  const std::int64_t count = ++terms_.micro_batches;
  if (batch.outputs.loss.defined()) terms_.task_loss = running_mean(terms_.task_loss, batch.outputs.loss, count);

  // This rank's part of each term (the whole term in one process): token-level logits and hidden
  // states are means over tokens, sentence-level logits over rows.
  const auto part = [](const Tensor& loss, double share) { return share == 1.0 ? loss : scale(loss, share); };
  Tensor total;
  if (options_.logit_weight > 0) {
    const Tensor loss =
        answer_spans_ ? answer_span_distillation_loss(batch.outputs.logits, teacher.logits, batch.inputs.attention_mask,
                                                      options_.temperature)
                      : prediction_distillation_loss(batch.outputs.logits, teacher.logits, batch.inputs.attention_mask,
                                                     prediction_kind_, options_.temperature);
    terms_.logit_loss = running_mean(terms_.logit_loss, loss, count);
    // Means over tokens for token heads; over sequences for sentence heads and answer spans.
    const double share = batch.outputs.logits.dim() == 3 && !answer_spans_ ? batch.share.tokens : batch.share.rows;
    total = scale(part(loss, share), options_.logit_weight);
  }
  if (options_.hidden_weight > 0) {
    const Tensor loss = hidden_loss(batch, teacher, terms_.layer_map);
    terms_.hidden_loss =
        running_mean(terms_.hidden_loss, loss.defined() ? loss : Tensor::zeros({}, DType::f32, options_.device), count);
    if (loss.defined()) {
      const Tensor weighted = scale(part(loss, batch.share.tokens), options_.hidden_weight);
      total = total.defined() ? add(total, weighted) : weighted;
    }
  }
  return total;
}

nlohmann::json DistillationHook::log_fields() const {
  if (terms_.micro_batches == 0) return nullptr;
  nlohmann::json fields = {{"task_loss", host_value(terms_.task_loss)}};
  if (options_.logit_weight > 0) fields["logit_loss"] = host_value(terms_.logit_loss);
  if (options_.hidden_weight > 0) {
    fields["hidden_loss"] = host_value(terms_.hidden_loss);
    nlohmann::json map = nlohmann::json::array();
    for (std::size_t s = 0; s < student_has_attention_.size(); ++s) map.push_back(nullptr);
    for (const LayerPair& pair : terms_.layer_map) map[static_cast<std::size_t>(pair.student - 1)] = pair.teacher;
    fields["layer_map"] = std::move(map);
  }
  return fields;
}

std::string DistillationHook::explain_non_finite_loss() const {
  if (terms_.micro_batches == 0) return {};
  std::string out;
  const auto add = [&](const char* term, const Tensor& value, const std::string& cause) {
    const double v = host_value(value);
    if (!std::isfinite(v))
      out += detail::concat(out.empty() ? "distillation: " : "; ", term, " is ", v, " (", cause, ")");
  };
  if (options_.logit_weight > 0) {
    add(prediction_kind_ == PredictionLossKind::mse ? "the prediction-layer MSE" : "the prediction-layer KL x T^2",
        terms_.logit_loss,
        detail::concat("temperature ", options_.temperature,
                       "; the student's or the teacher's logits are not finite: lower the learning rate, or check "
                       "the teacher"));
  }
  if (options_.hidden_weight > 0) {
    add("the hidden-state MSE", terms_.hidden_loss,
        detail::concat("hidden_weight ", options_.hidden_weight,
                       "; the student's or the teacher's hidden states are not finite: lower the learning rate or "
                       "hidden_weight, or check the teacher"));
  }
  return out;
}

StateDict DistillationHook::state_tensors() const {
  StateDict tensors;
  for (const auto& [name, t] : projection_.parameters()) tensors[name] = t.detach();
  return tensors;
}

void DistillationHook::load_state_tensors(const StateDict& tensors) { projection_.load(tensors); }

void DistillationHook::restrict_student_hidden(const std::vector<std::int64_t>& kept_dims) {
  projection_.restrict_input(kept_dims);
}

std::shared_ptr<DistillationHook> make_distillation_hook(const std::filesystem::path& teacher_dir,
                                                         const BertConfig& student,
                                                         const DistillationOptions& options) {
  return std::make_shared<DistillationHook>(Teacher::load(teacher_dir, options.device), student.hidden_size, options);
}

std::shared_ptr<DistillationHook> make_distillation_hook(std::shared_ptr<BertTaskModel> teacher,
                                                         const BertConfig& student,
                                                         const DistillationOptions& options) {
  return std::make_shared<DistillationHook>(std::make_shared<Teacher>(std::move(teacher), options.device),
                                            student.hidden_size, options);
}

}  // namespace pare
