#include "kernels/norm.h"

#include <vector>

namespace pare::kernels::cpu {

void sum_of_squares(const Context&, const float* x, std::int64_t n, double* accumulator) {
  constexpr std::int64_t kBlock = 16384;
  const std::int64_t blocks = (n + kBlock - 1) / kBlock;
  std::vector<double> partial(static_cast<std::size_t>(blocks));
#pragma omp parallel for schedule(static) if (blocks > 4)
  for (std::int64_t b = 0; b < blocks; ++b) {
    const std::int64_t end = b + 1 == blocks ? n : (b + 1) * kBlock;
    double acc = 0.0;
    for (std::int64_t i = b * kBlock; i < end; ++i) acc += static_cast<double>(x[i]) * x[i];
    partial[static_cast<std::size_t>(b)] = acc;
  }
  double total = 0.0;
  for (double p : partial) total += p;
  *accumulator += total;
}

}  // namespace pare::kernels::cpu
