#include "runtime/optim/lr_schedule.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "runtime/error.h"

namespace pare {
namespace {

// transformers.get_linear_schedule_with_warmup's lr_lambda, times the base rate.
double hf_linear_schedule(double base, std::int64_t step, std::int64_t warmup, std::int64_t total) {
  if (step < warmup) return base * double(step) / double(std::max<std::int64_t>(1, warmup));
  return base * std::max(0.0, double(total - step) / double(std::max<std::int64_t>(1, total - warmup)));
}

TEST(LinearWarmupDecay, MatchesHuggingFaceFormula) {
  struct Case {
    double base;
    std::int64_t warmup, total;
  };
  for (const Case c : {Case{1e-3, 10, 100}, Case{5e-5, 0, 37}, Case{2e-5, 3, 3}, Case{1.0, 7, 5}, Case{0.1, 1, 2}}) {
    const LinearWarmupDecay schedule(c.base, c.warmup, c.total);
    for (std::int64_t step = 0; step <= c.total + 5; ++step) {
      EXPECT_DOUBLE_EQ(schedule.lr(step), hf_linear_schedule(c.base, step, c.warmup, c.total))
          << "step " << step << " warmup " << c.warmup << " total " << c.total;
    }
  }
}

TEST(LinearWarmupDecay, ShapeOfTheCurve) {
  const LinearWarmupDecay schedule(1e-3, 10, 110);
  EXPECT_EQ(schedule.lr(0), 0.0);
  EXPECT_DOUBLE_EQ(schedule.lr(5), 0.5e-3);
  EXPECT_DOUBLE_EQ(schedule.lr(10), 1e-3);  // peak right after warm-up
  EXPECT_DOUBLE_EQ(schedule.lr(60), 0.5e-3);
  EXPECT_EQ(schedule.lr(110), 0.0);
  EXPECT_EQ(schedule.lr(500), 0.0);  // never negative past the end
  const LinearWarmupDecay no_warmup(2e-5, 0, 4);
  EXPECT_DOUBLE_EQ(no_warmup.lr(0), 2e-5);
  EXPECT_DOUBLE_EQ(no_warmup.lr(1), 1.5e-5);
}

TEST(LinearWarmupDecay, RejectsNegativeArguments) {
  EXPECT_THROW(LinearWarmupDecay(-1.0, 0, 10), Error);
  EXPECT_THROW(LinearWarmupDecay(1.0, -1, 10), Error);
  EXPECT_THROW(LinearWarmupDecay(1.0, 0, -10), Error);
  EXPECT_THROW(LinearWarmupDecay(1.0, 0, 10).lr(-1), Error);
}

}  // namespace
}  // namespace pare
