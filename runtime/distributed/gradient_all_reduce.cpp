#include "runtime/distributed/gradient_all_reduce.h"

#include <algorithm>
#include <chrono>

#include "runtime/dtype.h"  // dtype_name
#include "runtime/error.h"

namespace pare {

GradientAllReduce::GradientAllReduce(std::vector<Tensor> params, Communicator& comm, GradientAllReduceOptions options)
    : params_(std::move(params)), comm_(comm), options_(options) {
  for (const Tensor& p : params_) {
    PARE_CHECK(p.dtype() == DType::f32, "GradientAllReduce: parameters must be f32, got ", dtype_name(p.dtype()));
    PARE_CHECK(p.device() == params_.front().device(), "GradientAllReduce: parameters on ", p.device().str(), " and ",
               params_.front().device().str());
  }
}

void GradientAllReduce::reduce() {
  last_bytes_ = 0;
  last_seconds_ = 0.0;
  if (comm_.size() == 1 || params_.empty()) return;
  const auto start = std::chrono::steady_clock::now();
  std::vector<double> present(params_.size());
  for (std::size_t i = 0; i < params_.size(); ++i) present[i] = params_[i].grad().defined() ? 1.0 : 0.0;
  all_reduce(comm_, present, ReduceOp::max);

  const Device device = params_.front().device();
  std::vector<Tensor> packed;  // the small gradients of the bucket being filled
  std::int64_t packed_elements = 0;
  const auto flush = [&] {
    if (packed.empty()) return;
    Tensor bucket = Tensor::empty({packed_elements}, DType::f32, device);
    std::int64_t offset = 0;
    for (const Tensor& g : packed) {
      bucket.slice(0, offset, offset + g.numel()).copy_(g.reshape({-1}));
      offset += g.numel();
    }
    all_reduce(comm_, bucket);
    offset = 0;
    for (const Tensor& g : packed) {
      Tensor(g).copy_(bucket.slice(0, offset, offset + g.numel()).reshape(g.shape()));
      offset += g.numel();
    }
    packed.clear();
    packed_elements = 0;
  };
  for (std::size_t i = 0; i < params_.size(); ++i) {
    if (present[i] == 0.0) continue;
    const Tensor& p = params_[i];
    if (!p.grad().defined()) p.set_grad(Tensor::zeros(p.shape(), DType::f32, device));
    Tensor grad = p.grad();
    if (!grad.is_contiguous()) {
      grad = grad.contiguous();
      p.set_grad(grad);
    }
    last_bytes_ += grad.nbytes();
    if (grad.nbytes() >= options_.pack_below) {
      const Tensor flat = grad.reshape({-1});
      const auto piece = static_cast<std::int64_t>(std::max<std::size_t>(options_.piece_bytes / sizeof(float), 1));
      for (std::int64_t start = 0; start < flat.numel(); start += piece) {
        all_reduce(comm_, flat.slice(0, start, std::min(flat.numel(), start + piece)));
      }
      continue;
    }
    if (static_cast<std::size_t>(packed_elements + grad.numel()) * sizeof(float) > options_.bucket_bytes) flush();
    packed.push_back(grad);
    packed_elements += grad.numel();
  }
  flush();
  last_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace pare
