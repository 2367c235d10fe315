// HiddenProjection: maps student hidden states to the teacher's width for the layer-wise loss. The
// identity while the widths agree; otherwise a learned linear map (weight [teacher, student], bias
// [teacher]) that the distillation hook trains with the student and that is never part of the
// exported model.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/named_tensors.h"
#include "runtime/random.h"

namespace pare {

class HiddenProjection {
 public:
  // A learned map when the widths differ, with BERT's initialisation (weight ~ Normal(0, 0.02) from
  // `gen`, bias zero). Equal widths give the fixed identity, or with `learned_when_equal` (CoFi's
  // form) a learned map that starts as the identity (weight I, bias zero). Its tensors live on `device`.
  HiddenProjection(std::int64_t student_hidden, std::int64_t teacher_hidden, Generator& gen,
                   bool learned_when_equal = false, Device device = Device::cpu());

  bool is_identity() const { return !weight_.defined(); }
  std::int64_t student_hidden() const { return student_hidden_; }
  std::int64_t teacher_hidden() const { return teacher_hidden_; }

  // x [..., student_hidden] -> [..., teacher_hidden].
  Tensor forward(const Tensor& x) const;
  // {"projection.weight", "projection.bias"}, leaves that require grad; empty for the identity.
  NamedTensors parameters() const;

  // Follows surgery that kept only the student's hidden dims `kept_dims` (ascending, in the current
  // numbering): the map keeps its columns for those dims. The identity becomes the identity's kept
  // columns, so states whose removed dims were zero (masked) have the same loss as before. The
  // tensors are new: a trainer built before this call still holds the old ones.
  void restrict_input(const std::vector<std::int64_t>& kept_dims);

  // Copies saved values into the map; throws naming the tensor when one is missing or its shape
  // differs (a checkpoint of another projection).
  void load(const StateDict& tensors);

 private:
  std::int64_t student_hidden_;
  std::int64_t teacher_hidden_;
  Device device_;
  Tensor weight_;  // undefined for the identity
  Tensor bias_;
};

}  // namespace pare
