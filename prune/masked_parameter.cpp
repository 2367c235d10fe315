#include "prune/masked_parameter.h"

#include <vector>

#include "runtime/autograd.h"
#include "runtime/error.h"            // PARE_CHECK
#include "runtime/ops/elementwise.h"  // mul

namespace pare {

Tensor masked_parameter(const Tensor& weight, const Tensor& expanded_mask,
                        const std::shared_ptr<const MaskLayout>& layout, const Tensor& scores) {
  PARE_CHECK(weight.shape() == layout->shape() && expanded_mask.shape() == layout->shape(), "masked_parameter: weight ",
             shape_str(weight.shape()), " and mask ", shape_str(expanded_mask.shape()), " must have shape ",
             shape_str(layout->shape()));
  PARE_CHECK(!scores.defined() || scores.shape() == layout->mask_shape(), "masked_parameter: scores of shape ",
             shape_str(scores.shape()), " do not fit the mask shape ", shape_str(layout->mask_shape()));
  const Tensor w = weight.detach();
  const Tensor out = mul(w, expanded_mask);
  std::vector<Tensor> inputs{weight};
  if (scores.defined()) inputs.push_back(scores);
  return record(out, "masked_parameter", inputs,
                [w, expanded_mask, layout, with_scores = scores.defined()](const Tensor& g, const NeedsGrad& needs) {
                  std::vector<Tensor> grads(with_scores ? 2 : 1);
                  if (needs[0]) grads[0] = mul(g, expanded_mask);
                  if (with_scores && needs[1]) grads[1] = layout->reduce(mul(g, w));
                  return grads;
                });
}

}  // namespace pare
