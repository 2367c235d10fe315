// ThreadCountScope: the OpenMP threads this thread's parallel regions use, set for a scope and
// restored after it. OpenMP keeps the count per calling thread, so scopes on several threads (libpare
// serving concurrent calls) do not disturb each other.
#pragma once

#include <omp.h>

namespace pare {

class ThreadCountScope {
 public:
  // `threads` <= 0 leaves the count as it is.
  explicit ThreadCountScope(int threads) : saved_(omp_get_max_threads()) {
    if (threads > 0) omp_set_num_threads(threads);
  }
  ~ThreadCountScope() { omp_set_num_threads(saved_); }
  ThreadCountScope(const ThreadCountScope&) = delete;
  ThreadCountScope& operator=(const ThreadCountScope&) = delete;

 private:
  int saved_;
};

}  // namespace pare
