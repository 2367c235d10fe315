#include "runtime/distributed/world.h"

#include <cstdlib>
#include <string>

#include "runtime/error.h"
#ifdef PARE_HAVE_MPI
#include "runtime/distributed/mpi_communicator.h"
#endif

namespace pare {
namespace {

class SingleProcess final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::string backend() const override { return "single process"; }
  void all_reduce(void*, std::size_t, CollectiveElement, ReduceOp, Device) override {}
  void broadcast(void*, std::size_t, int, Device) override {}
  void barrier() override {}
  [[noreturn]] void abort(int status) override { std::exit(status); }
};

std::unique_ptr<Communicator>& world_slot() {
  static std::unique_ptr<Communicator> comm = std::make_unique<SingleProcess>();
  return comm;
}

// The first of `names` set in the environment, as a number; `fallback` when none is.
int environment_number(std::initializer_list<const char*> names, int fallback) {
  for (const char* name : names) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') continue;
    char* end = nullptr;
    const long number = std::strtol(value, &end, 10);
    PARE_CHECK(*end == '\0' && number >= 0 && number < (1L << 24), "the launcher set ", name, "='", value,
               "', which is not a rank count or index");
    return static_cast<int>(number);
  }
  return fallback;
}

}  // namespace

Communicator& world() { return *world_slot(); }

void set_world(std::unique_ptr<Communicator> comm) { exchange_world(std::move(comm)); }

std::unique_ptr<Communicator> exchange_world(std::unique_ptr<Communicator> comm) {
  std::unique_ptr<Communicator> previous = std::move(world_slot());
  world_slot() = comm ? std::move(comm) : std::make_unique<SingleProcess>();
  return previous;
}

int launched_ranks() { return environment_number({"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"}, 1); }

int local_rank() {
  return environment_number({"OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "PMI_LOCAL_RANK", "SLURM_LOCALID"}, 0);
}

void connect_world_from_environment() {
  const bool launched = std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMI_SIZE") != nullptr ||
                        std::getenv("PMIX_RANK") != nullptr;
  if (!launched) return;
#ifdef PARE_HAVE_MPI
  set_world(std::make_unique<MpiCommunicator>());
#else
  PARE_CHECK(launched_ranks() == 1, "launched as one of ", launched_ranks(),
             " ranks, but this pare was built without MPI (install libopenmpi-dev and rebuild)");
#endif
}

}  // namespace pare
