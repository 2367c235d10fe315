#include "distill/hidden_projection.h"

#include "runtime/autograd.h"  // NoGradGuard
#include "runtime/error.h"
#include "runtime/ops/indexing.h"  // index_select
#include "runtime/ops/matmul.h"    // linear

namespace pare {
namespace {

constexpr const char* kWeight = "projection.weight";
constexpr const char* kBias = "projection.bias";
constexpr float kInitStd = 0.02f;

}  // namespace

namespace {

// The columns `kept` of the teacher_hidden x student_hidden identity, [teacher_hidden, kept.size()].
Tensor identity_columns(std::int64_t teacher_hidden, const std::vector<std::int64_t>& kept, Device device) {
  const auto cols = static_cast<std::int64_t>(kept.size());
  std::vector<float> values(static_cast<std::size_t>(teacher_hidden * cols), 0.0f);
  for (std::int64_t j = 0; j < cols; ++j)
    values[static_cast<std::size_t>(kept[static_cast<std::size_t>(j)] * cols + j)] = 1.0f;
  return Tensor::from_vector(values, {teacher_hidden, cols}, device);
}

}  // namespace

HiddenProjection::HiddenProjection(std::int64_t student_hidden, std::int64_t teacher_hidden, Generator& gen,
                                   bool learned_when_equal, Device device)
    : student_hidden_(student_hidden), teacher_hidden_(teacher_hidden), device_(device) {
  PARE_CHECK(student_hidden >= 1 && teacher_hidden >= 1,
             "HiddenProjection: hidden sizes must be positive, got student ", student_hidden, " and teacher ",
             teacher_hidden);
  if (student_hidden == teacher_hidden) {
    if (!learned_when_equal) return;
    std::vector<std::int64_t> all(static_cast<std::size_t>(student_hidden));
    for (std::int64_t i = 0; i < student_hidden; ++i) all[static_cast<std::size_t>(i)] = i;
    weight_ = identity_columns(teacher_hidden, all, device);
  } else {
    weight_ = Tensor::randn({teacher_hidden, student_hidden}, gen, 0.0f, kInitStd, device);
  }
  weight_.requires_grad_(true);
  bias_ = Tensor::zeros({teacher_hidden}, DType::f32, device);
  bias_.requires_grad_(true);
}

Tensor HiddenProjection::forward(const Tensor& x) const {
  PARE_CHECK(x.dim() >= 1 && x.size(-1) == student_hidden_, "HiddenProjection: student states ", shape_str(x.shape()),
             " do not end in the student's hidden size ", student_hidden_);
  return is_identity() ? x : linear(x, weight_, bias_);
}

NamedTensors HiddenProjection::parameters() const {
  if (is_identity()) return {};
  return {{kWeight, weight_}, {kBias, bias_}};
}

void HiddenProjection::restrict_input(const std::vector<std::int64_t>& kept_dims) {
  PARE_CHECK(!kept_dims.empty(), "HiddenProjection: no student hidden dim kept (of ", student_hidden_, ")");
  for (std::size_t i = 0; i < kept_dims.size(); ++i) {
    PARE_CHECK(kept_dims[i] >= 0 && kept_dims[i] < student_hidden_, "HiddenProjection: kept dim ", kept_dims[i],
               " is outside 0..", student_hidden_ - 1);
    PARE_CHECK(i == 0 || kept_dims[i - 1] < kept_dims[i], "HiddenProjection: kept dims must be strictly ascending; ",
               kept_dims[i - 1], " comes before ", kept_dims[i]);
  }
  const auto kept = static_cast<std::int64_t>(kept_dims.size());
  Tensor weight, bias;
  if (is_identity()) {
    weight = identity_columns(teacher_hidden_, kept_dims, device_);
    bias = Tensor::zeros({teacher_hidden_}, DType::f32, device_);
  } else {
    NoGradGuard no_grad;
    weight = index_select(weight_.detach(), 1, Tensor::from_vector(kept_dims, {kept}, device_)).contiguous();
    bias = bias_.detach().clone();
  }
  weight_ = weight.requires_grad_(true);
  bias_ = bias.requires_grad_(true);
  student_hidden_ = kept;
}

void HiddenProjection::load(const StateDict& tensors) {
  if (is_identity()) {
    PARE_CHECK(!tensors.count(kWeight), "HiddenProjection: the saved state has a projection, but the student's width ",
               student_hidden_, " equals the teacher's");
    return;
  }
  for (const auto& [name, target] : {std::pair<const char*, Tensor>{kWeight, weight_}, {kBias, bias_}}) {
    const auto found = tensors.find(name);
    PARE_CHECK(found != tensors.end(), "HiddenProjection: the saved state lacks '", name, "'");
    PARE_CHECK(found->second.shape() == target.shape(), "HiddenProjection: saved '", name, "' has shape ",
               shape_str(found->second.shape()), ", expected ", shape_str(target.shape()));
    target.detach().copy_(found->second);
  }
}

}  // namespace pare
