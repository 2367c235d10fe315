#include "runtime/distributed/communicator.h"

#include <vector>

#include "runtime/dtype.h"  // dtype_name
#include "runtime/error.h"

namespace pare {

void all_reduce(Communicator& comm, const Tensor& tensor, ReduceOp op) {
  PARE_CHECK(tensor.is_contiguous(), "all_reduce: the tensor must be contiguous");
  PARE_CHECK(tensor.dtype() == DType::f32 || tensor.dtype() == DType::i64, "all_reduce: tensors of ",
             dtype_name(tensor.dtype()), " are not reduced (f32 and i64 are)");
  if (comm.size() == 1 || tensor.numel() == 0) return;
  comm.all_reduce(tensor.device_raw_data(), static_cast<std::size_t>(tensor.numel()),
                  tensor.dtype() == DType::f32 ? CollectiveElement::f32 : CollectiveElement::i64, op, tensor.device());
}

void broadcast(Communicator& comm, const Tensor& tensor, int root) {
  PARE_CHECK(tensor.is_contiguous(), "broadcast: the tensor must be contiguous");
  if (comm.size() == 1 || tensor.numel() == 0) return;
  comm.broadcast(tensor.device_raw_data(), tensor.nbytes(), root, tensor.device());
}

void all_reduce(Communicator& comm, std::span<double> values, ReduceOp op) {
  if (comm.size() == 1 || values.empty()) return;
  comm.all_reduce(values.data(), values.size(), CollectiveElement::f64, op, Device::cpu());
}

double all_reduce(Communicator& comm, double value, ReduceOp op) {
  all_reduce(comm, std::span<double>(&value, 1), op);
  return value;
}

std::string broadcast(Communicator& comm, const std::string& text, int root) {
  if (comm.size() == 1) return text;
  double length = static_cast<double>(comm.rank() == root ? text.size() : 0);
  comm.broadcast(&length, sizeof length, root, Device::cpu());
  std::string out = comm.rank() == root ? text : std::string(static_cast<std::size_t>(length), '\0');
  if (!out.empty()) comm.broadcast(out.data(), out.size(), root, Device::cpu());
  return out;
}

}  // namespace pare
