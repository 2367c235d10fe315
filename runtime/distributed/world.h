// The job's communicator, for code that trains, evaluates or writes results: a single process
// unless the executable connected it to the job it was launched in (mpirun). Like MPI_COMM_WORLD,
// there is one per process.
#pragma once

#include <memory>

#include "runtime/distributed/communicator.h"

namespace pare {

Communicator& world();
// Replaces the world (the executable's start-up and end); null restores the single process.
void set_world(std::unique_ptr<Communicator> comm);
// Replaces the world and hands back the one it replaces, alive: how a test of a job runs the same
// work as a single process for reference, then puts the job back.
std::unique_ptr<Communicator> exchange_world(std::unique_ptr<Communicator> comm);

// How many ranks the launcher started, from the environment Open MPI, MPICH and Slurm's PMI set
// for each process (OMPI_COMM_WORLD_SIZE, PMI_SIZE); 1 when started directly.
int launched_ranks();
// This process's index among the ranks on its machine (OMPI_COMM_WORLD_LOCAL_RANK, MPI_LOCALRANKID,
// SLURM_LOCALID); 0 when started directly. Picks the GPU of a rank.
int local_rank();

// Under a launcher, connects world() to the job (MPI); otherwise leaves the single process. Throws
// when launched with several ranks by a pare built without MPI.
void connect_world_from_environment();

// True on the rank that writes results (checkpoints, logs, reports, progress): rank 0.
inline bool writes_results() { return world().rank() == 0; }

// Work one rank does for the whole job (model surgery, measurements, reports): rank 0 runs `work` as
// a single process, so that its collectives (a sharded evaluation) reach no other rank, while the
// other ranks wait for it. An exception leaves rank 0 with the job's world back; the executable then
// ends the job (the others would wait forever).
template <typename Work>
void on_rank_zero_alone(Work&& work) {
  if (world().size() == 1) {
    work();
    return;
  }
  if (world().rank() == 0) {
    std::unique_ptr<Communicator> job = exchange_world(nullptr);
    try {
      work();
    } catch (...) {
      exchange_world(std::move(job));
      throw;
    }
    exchange_world(std::move(job));
  }
  world().barrier();
}

}  // namespace pare
