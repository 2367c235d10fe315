// Sparsity schedules against the formulas written out here, at chosen steps.
#include "prune/sparsity_schedule.h"

#include <gtest/gtest.h>

#include <cmath>

#include "runtime/error.h"  // pare::Error

namespace pare {
namespace {

double cube(double x) { return x * x * x; }

TEST(SparsitySchedule, CubicFollowsNniFormula) {
  // warm-up 10, cool-down from 50, final 0.8.
  EXPECT_EQ(cubic_sparsity(0, 0.8, 10, 50), 0.0);
  EXPECT_EQ(cubic_sparsity(9, 0.8, 10, 50), 0.0);
  EXPECT_EQ(cubic_sparsity(10, 0.8, 10, 50), 0.0);
  EXPECT_DOUBLE_EQ(cubic_sparsity(20, 0.8, 10, 50), 0.8 * (1 - cube(1 - 10.0 / 40)));  // 0.4625
  EXPECT_DOUBLE_EQ(cubic_sparsity(20, 0.8, 10, 50), 0.4625);
  EXPECT_DOUBLE_EQ(cubic_sparsity(30, 0.8, 10, 50), 0.8 * (1 - 0.125));
  EXPECT_DOUBLE_EQ(cubic_sparsity(49, 0.8, 10, 50), 0.8 * (1 - cube(1.0 / 40)));
  EXPECT_DOUBLE_EQ(cubic_sparsity(50, 0.8, 10, 50), 0.8);
  EXPECT_DOUBLE_EQ(cubic_sparsity(1000, 0.8, 10, 50), 0.8);
}

TEST(SparsitySchedule, CubicRisesMonotonicallyAndFastestEarly) {
  double previous = 0.0, previous_gain = 1.0;
  for (std::int64_t step = 1; step <= 100; ++step) {
    const double s = cubic_ramp(step, 0, 100);
    EXPECT_GT(s, previous) << step;
    EXPECT_LT(s - previous, previous_gain) << step;  // concave: each step adds less
    previous_gain = s - previous;
    previous = s;
  }
}

TEST(SparsitySchedule, AgpFollowsZhuGupta) {
  // s_i 0.1, s_f 0.9, start 100, every 20 steps, 4 times: updates at 100, 120, 140, 160, 180.
  auto agp = [](std::int64_t t) { return agp_sparsity(t, 0.1, 0.9, 100, 20, 4); };
  auto formula = [](int k) { return 0.9 + (0.1 - 0.9) * cube(1 - k / 4.0); };
  EXPECT_EQ(agp(99), 0.0);
  EXPECT_DOUBLE_EQ(agp(100), 0.1);
  EXPECT_DOUBLE_EQ(agp(119), 0.1);
  EXPECT_DOUBLE_EQ(agp(120), formula(1));
  EXPECT_DOUBLE_EQ(agp(120), 0.9 - 0.8 * 27.0 / 64);
  EXPECT_DOUBLE_EQ(agp(159), formula(2));
  EXPECT_DOUBLE_EQ(agp(160), formula(3));
  EXPECT_DOUBLE_EQ(agp(180), 0.9);
  EXPECT_DOUBLE_EQ(agp(10000), 0.9);
}

TEST(SparsitySchedule, ScheduleUsesConfigFields) {
  PruneSchedule s;
  s.warmup_steps = 4;
  s.interval_steps = 3;
  // No cooldown_begin_step: the ramp ends with training (step 16); masks recomputed at 4, 7, 10, 13.
  EXPECT_EQ(scheduled_sparsity(s, 0.5, 3, 16), 0.0);
  EXPECT_DOUBLE_EQ(scheduled_sparsity(s, 0.5, 8, 16), 0.5 * (1 - cube(1 - 3.0 / 12)));
  EXPECT_DOUBLE_EQ(scheduled_sparsity(s, 0.5, 9, 16), scheduled_sparsity(s, 0.5, 7, 16));
  EXPECT_DOUBLE_EQ(scheduled_sparsity(s, 0.5, 15, 16), 0.5 * (1 - cube(1 - 9.0 / 12)));
  EXPECT_DOUBLE_EQ(scheduled_sparsity(s, 0.5, 16, 16), 0.5);
  s.cooldown_begin_step = 10;
  EXPECT_DOUBLE_EQ(scheduled_sparsity(s, 0.5, 7, 16), 0.5 * (1 - cube(1 - 3.0 / 6)));
  EXPECT_DOUBLE_EQ(scheduled_sparsity(s, 0.5, 10, 16), 0.5);
  s.total_times = 2;  // AGP from 0: 4 -> 0, 7 -> 0.5 * (1 - 1/8), 10 -> 0.5
  EXPECT_DOUBLE_EQ(scheduled_sparsity(s, 0.5, 4, 16), 0.0);
  EXPECT_DOUBLE_EQ(scheduled_sparsity(s, 0.5, 8, 16), 0.5 * (1 - 0.125));
  EXPECT_DOUBLE_EQ(scheduled_sparsity(s, 0.5, 11, 16), 0.5);
}

TEST(SparsitySchedule, RegularizationRampHasTheCubicShape) {
  PruneSchedule s;
  s.warmup_steps = 2;
  s.cooldown_begin_step = 12;
  s.regular_scale = 10.0;
  EXPECT_EQ(regularization_scale(s, 1, 100), 0.0);
  EXPECT_DOUBLE_EQ(regularization_scale(s, 7, 100), 10.0 * (1 - 0.125));
  EXPECT_DOUBLE_EQ(regularization_scale(s, 12, 100), 10.0);
  EXPECT_DOUBLE_EQ(regularization_scale(s, 99, 100), 10.0);
}

TEST(SparsitySchedule, BadArgumentsThrow) {
  EXPECT_THROW(cubic_ramp(0, 10, 10), Error);
  EXPECT_THROW(cubic_ramp(0, -1, 10), Error);
  EXPECT_THROW(cubic_sparsity(0, 1.0, 0, 10), Error);
  EXPECT_THROW(cubic_sparsity(0, std::nan(""), 0, 10), Error);
  EXPECT_THROW(agp_sparsity(0, 0.0, 0.5, 0, 0, 4), Error);
  EXPECT_THROW(agp_sparsity(0, 0.0, 0.5, 0, 1, 0), Error);
  EXPECT_THROW(agp_sparsity(0, -0.1, 0.5, 0, 1, 1), Error);
  PruneSchedule s;
  s.warmup_steps = 20;
  EXPECT_THROW(scheduled_sparsity(s, 0.5, 0, 20), Error);  // training ends before the ramp starts
  try {
    scheduled_sparsity(s, 0.5, 0, 20);
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("warmup_steps 20"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace pare
