// DeviceCollectives over libnccl.so.2, opened with dlopen at the first group (kernels/cuda/nccl.h).
#include <nccl.h>

#include <cstring>
#include <stdexcept>
#include <string>

#include "kernels/cuda/check.h"
#include "kernels/cuda/launch.h"  // stream_of
#include "kernels/cuda/nccl.h"
#include "kernels/cuda/shared_library.h"

namespace pare::kernels::cuda {
namespace {

static_assert(sizeof(ncclUniqueId) == kCollectiveGroupIdBytes, "NCCL's unique id changed size");

struct NcclLibrary {
  decltype(&ncclGetUniqueId) get_unique_id;
  decltype(&ncclCommInitRank) comm_init_rank;
  decltype(&ncclCommDestroy) comm_destroy;
  decltype(&ncclAllReduce) all_reduce;
  decltype(&ncclBroadcast) broadcast;
  decltype(&ncclGetErrorString) error_string;
};

const NcclLibrary& nccl() {
  static const NcclLibrary library = [] {
    const char* name = "libnccl.so.2";
    void* handle = open_shared_library(name, "multi-GPU training needs NCCL 2");
    NcclLibrary l{};
    resolve_symbol(handle, name, "ncclGetUniqueId", l.get_unique_id);
    resolve_symbol(handle, name, "ncclCommInitRank", l.comm_init_rank);
    resolve_symbol(handle, name, "ncclCommDestroy", l.comm_destroy);
    resolve_symbol(handle, name, "ncclAllReduce", l.all_reduce);
    resolve_symbol(handle, name, "ncclBroadcast", l.broadcast);
    resolve_symbol(handle, name, "ncclGetErrorString", l.error_string);
    return l;
  }();
  return library;
}

void check_nccl(ncclResult_t result, const char* stmt, const char* file, int line) {
  if (result == ncclSuccess) return;
  throw std::runtime_error(std::string("NCCL error ") + nccl().error_string(result) + " in " + stmt + " at " + file +
                           ":" + std::to_string(line));
}

#define PARE_NCCL_CHECK(stmt) ::pare::kernels::cuda::check_nccl((stmt), #stmt, __FILE__, __LINE__)

ncclDataType_t nccl_type(CollectiveElement element) {
  switch (element) {
    case CollectiveElement::f32:
      return ncclFloat32;
    case CollectiveElement::f64:
      return ncclFloat64;
    case CollectiveElement::i64:
      return ncclInt64;
  }
  throw std::runtime_error("NCCL: unknown element type");
}

class NcclCommunicatorGroup final : public DeviceCollectives {
 public:
  NcclCommunicatorGroup(const CollectiveGroupId& id, int rank, int size, int cuda_device) {
    ncclUniqueId unique{};
    std::memcpy(&unique, id.data(), sizeof unique);
    PARE_CUDA_CHECK(cudaSetDevice(cuda_device));
    PARE_NCCL_CHECK(nccl().comm_init_rank(&comm_, size, unique, rank));
  }
  ~NcclCommunicatorGroup() override { nccl().comm_destroy(comm_); }
  NcclCommunicatorGroup(const NcclCommunicatorGroup&) = delete;
  NcclCommunicatorGroup& operator=(const NcclCommunicatorGroup&) = delete;

  const char* library() const override { return "NCCL"; }

  void all_reduce(void* data, std::size_t count, CollectiveElement element, bool max, const Context& context) override {
    PARE_NCCL_CHECK(
        nccl().all_reduce(data, data, count, nccl_type(element), max ? ncclMax : ncclSum, comm_, stream_of(context)));
  }
  void broadcast(void* data, std::size_t bytes, int root, const Context& context) override {
    PARE_NCCL_CHECK(nccl().broadcast(data, data, bytes, ncclUint8, root, comm_, stream_of(context)));
  }

 private:
  ncclComm_t comm_ = nullptr;
};

}  // namespace

CollectiveGroupId new_nccl_id() {
  ncclUniqueId unique{};
  PARE_NCCL_CHECK(nccl().get_unique_id(&unique));
  CollectiveGroupId id{};
  std::memcpy(id.data(), &unique, sizeof unique);
  return id;
}

std::unique_ptr<DeviceCollectives> join_nccl(const CollectiveGroupId& id, int rank, int size, int device) {
  return std::make_unique<NcclCommunicatorGroup>(id, rank, size, device);
}

}  // namespace pare::kernels::cuda
