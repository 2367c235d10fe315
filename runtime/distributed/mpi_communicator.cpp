#include "runtime/distributed/mpi_communicator.h"

#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>  // _Exit

#include "runtime/backends.h"
#include "runtime/dispatch.h"  // kernel_context
#include "runtime/error.h"

namespace pare {
namespace {

void check_mpi(int status, const char* stmt, const char* file, int line) {
  if (status == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(status, text, &length) != MPI_SUCCESS)
    length = std::snprintf(text, sizeof text, "code %d", status);
  throw Error(detail::concat("MPI error ", std::string(text, static_cast<std::size_t>(length)), " in ", stmt, " at ",
                             file, ":", line));
}

#define PARE_MPI_CHECK(stmt) check_mpi((stmt), #stmt, __FILE__, __LINE__)

MPI_Datatype mpi_type(CollectiveElement element) {
  switch (element) {
    case CollectiveElement::f32:
      return MPI_FLOAT;
    case CollectiveElement::f64:
      return MPI_DOUBLE;
    case CollectiveElement::i64:
      return MPI_INT64_T;
  }
  throw Error("MPI: unknown element type");
}

std::size_t element_bytes(CollectiveElement element) { return element == CollectiveElement::f32 ? 4 : 8; }

// MPI counts are ints: larger buffers go in pieces of at most 2^30 elements.
constexpr std::size_t kMaxPiece = std::size_t{1} << 30;

}  // namespace

MpiCommunicator::MpiCommunicator() {
  int initialised = 0;
  PARE_MPI_CHECK(MPI_Initialized(&initialised));
  if (!initialised) {
    int provided = 0;
    PARE_MPI_CHECK(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided));
    initialised_here_ = true;
  }
  PARE_MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
  PARE_MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &rank_));
  PARE_MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &size_));
}

MpiCommunicator::~MpiCommunicator() {
  device_group_.reset();
  int finalised = 0;
  MPI_Finalized(&finalised);
  if (initialised_here_ && !finalised) MPI_Finalize();
}

kernels::DeviceCollectives& MpiCommunicator::device_group(Device device) {
  if (device_group_) {
    PARE_CHECK(device == group_device_, "MPI: this rank's device collectives run on ", group_device_.str(), ", not on ",
               device.str(), " (one device per rank)");
    return *device_group_;
  }
  kernels::Backend& owner = pare::backend(device);
  kernels::CollectiveGroupId id{};
  if (rank_ == 0) id = owner.new_collective_group_id();
  broadcast(id.data(), id.size(), 0, Device::cpu());
  try {
    device_group_ = owner.join_collectives(id, rank_, size_, device.index);
  } catch (const std::exception& e) {
    throw Error(detail::concat("rank ", rank_, " cannot join the collectives of ", device.str(), ": ", e.what()));
  }
  group_device_ = device;
  return *device_group_;
}

void MpiCommunicator::all_reduce(void* data, std::size_t count, CollectiveElement element, ReduceOp op, Device device) {
  if (!pare::backend(device).host_memory()) {
    device_group(device).all_reduce(data, count, element, op == ReduceOp::max, kernel_context(device));
    return;
  }
  auto* bytes = static_cast<std::uint8_t*>(data);
  for (std::size_t done = 0; done < count;) {
    const std::size_t piece = std::min(kMaxPiece, count - done);
    PARE_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, bytes + done * element_bytes(element), static_cast<int>(piece),
                                 mpi_type(element), op == ReduceOp::max ? MPI_MAX : MPI_SUM, MPI_COMM_WORLD));
    done += piece;
  }
}

void MpiCommunicator::broadcast(void* data, std::size_t bytes, int root, Device device) {
  if (!pare::backend(device).host_memory()) {
    device_group(device).broadcast(data, bytes, root, kernel_context(device));
    return;
  }
  auto* base = static_cast<std::uint8_t*>(data);
  for (std::size_t done = 0; done < bytes;) {
    const std::size_t piece = std::min(kMaxPiece, bytes - done);
    PARE_MPI_CHECK(MPI_Bcast(base + done, static_cast<int>(piece), MPI_BYTE, root, MPI_COMM_WORLD));
    done += piece;
  }
}

void MpiCommunicator::barrier() { PARE_MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD)); }

void MpiCommunicator::abort(int status) {
  MPI_Abort(MPI_COMM_WORLD, status);
  std::_Exit(status);
}

}  // namespace pare
