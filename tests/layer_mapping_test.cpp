// Dynamic layer mapping: on constructed hidden states with a known best match, each form picks it;
// CoFi keeps the order of layers and skips layers without attention; NNI takes the minimum.
#include "distill/layer_mapping.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "distill/distillation_losses.h"
#include "runtime/error.h"
#include "runtime/ops/elementwise.h"  // add, scale
#include "runtime/random.h"

namespace pare {
namespace {

using Pairs = std::vector<LayerPair>;

// Teacher states 0..teacher_layers (random), and student states where student layer s is teacher
// layer closest[s] plus noise of size noise[s], so closest[s] is its best match by a margin.
struct ConstructedStates {
  std::vector<Tensor> teacher, student;
  LayerDistance distance() const {
    return [this](std::int64_t s, std::int64_t t) {
      return hidden_state_mse(student[static_cast<std::size_t>(s)], teacher[static_cast<std::size_t>(t)], Tensor())
          .item();
    };
  }
};

ConstructedStates construct(std::int64_t teacher_layers, const std::map<std::int64_t, std::int64_t>& closest,
                            const std::map<std::int64_t, double>& noise = {}) {
  Generator gen(17);
  ConstructedStates states;
  for (std::int64_t t = 0; t <= teacher_layers; ++t) states.teacher.push_back(Tensor::randn({2, 3, 4}, gen));
  states.student.push_back(Tensor::randn({2, 3, 4}, gen));  // embeddings: never compared
  for (const auto& [s, t] : closest) {
    EXPECT_EQ(static_cast<std::int64_t>(states.student.size()), s);
    const double size = noise.count(s) ? noise.at(s) : 0.05;
    states.student.push_back(
        add(states.teacher[static_cast<std::size_t>(t)], scale(Tensor::randn({2, 3, 4}, gen), size)));
  }
  return states;
}

// Records which pairs a mapping asked about.
struct CountingDistance {
  explicit CountingDistance(LayerDistance d) : inner(std::move(d)) {}
  LayerDistance inner;
  std::set<std::pair<std::int64_t, std::int64_t>> asked;
  LayerDistance fn() {
    return [this](std::int64_t s, std::int64_t t) {
      asked.insert({s, t});
      return inner(s, t);
    };
  }
};

TEST(LayerMapping, IndicesAndNames) {
  EXPECT_EQ(default_cofi_teacher_layers(12), (std::vector<std::int64_t>{3, 6, 9, 12}));
  EXPECT_EQ(default_cofi_teacher_layers(24), (std::vector<std::int64_t>{3, 6, 9, 12, 15, 18, 21, 24}));
  EXPECT_EQ(default_cofi_teacher_layers(8), (std::vector<std::int64_t>{2, 4, 6, 8}));
  EXPECT_EQ(default_cofi_teacher_layers(6), (std::vector<std::int64_t>{2, 3, 5, 6}));
  EXPECT_EQ(default_cofi_teacher_layers(4), (std::vector<std::int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(default_cofi_teacher_layers(2), (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(default_cofi_teacher_layers(1), (std::vector<std::int64_t>{1}));
  for (const char* name : {"fixed", "nni", "cofi"}) EXPECT_EQ(layer_map_name(parse_layer_map(name)), name);
  EXPECT_THROW(parse_layer_map("tinybert"), Error);
}

TEST(LayerMapping, FixedMapsLayerToLayerOrToTheList) {
  const std::vector<bool> attention(3, true);
  const LayerDistance never = [](std::int64_t, std::int64_t) -> double { throw Error("fixed asked a distance"); };
  EXPECT_EQ(map_layers({LayerMapKind::fixed, {}}, 3, 4, attention, never), (Pairs{{1, 1}, {2, 2}, {3, 3}}));
  EXPECT_EQ(map_layers({LayerMapKind::fixed, {2, 4, 6}}, 3, 6, attention, never), (Pairs{{1, 2}, {2, 4}, {3, 6}}));
  EXPECT_THROW(map_layers({LayerMapKind::fixed, {2, 4}}, 3, 6, attention, never), Error);
  EXPECT_THROW(map_layers({LayerMapKind::fixed, {}}, 5, 4, std::vector<bool>(5, true), never), Error);
  EXPECT_THROW(map_layers({LayerMapKind::fixed, {1, 2, 7}}, 3, 6, attention, never), Error);
}

TEST(LayerMapping, NniTakesTheClosestTeacherLayerAtOrAbove) {
  // Student layer 1 resembles teacher layer 3, layer 2 teacher 2, layer 3 teacher 1 (below it: not
  // allowed, so it gets the closest of 3 and 4).
  const ConstructedStates states = construct(4, {{1, 3}, {2, 2}, {3, 1}});
  CountingDistance counting{states.distance()};
  const Pairs pairs = map_layers({LayerMapKind::nni, {}}, 3, 4, std::vector<bool>(3, true), counting.fn());
  ASSERT_EQ(pairs.size(), 3u);
  EXPECT_EQ(pairs[0], (LayerPair{1, 3}));
  EXPECT_EQ(pairs[1], (LayerPair{2, 2}));
  EXPECT_EQ(pairs[2].student, 3);
  const LayerDistance d = states.distance();
  EXPECT_EQ(pairs[2].teacher, d(3, 3) <= d(3, 4) ? 3 : 4);
  // The minimum over the links, and only links at or above the student layer were compared.
  for (const LayerPair& p : pairs) {
    for (std::int64_t t = p.student; t <= 4; ++t) EXPECT_LE(d(p.student, p.teacher), d(p.student, t));
  }
  for (const auto& [s, t] : counting.asked) EXPECT_GE(t, s);
  EXPECT_EQ(counting.asked.size(), 4u + 3u + 2u);

  // A candidate list restricts the links; a student layer above every candidate gets no pair.
  const Pairs listed = map_layers({LayerMapKind::nni, {2}}, 3, 4, std::vector<bool>(3, true), states.distance());
  EXPECT_EQ(listed, (Pairs{{1, 2}, {2, 2}}));
}

TEST(LayerMapping, CofiMatchesChosenTeacherLayersToTheClosestStudentLayers) {
  // Teacher layers 3, 6, 9, 12 of 12; student layers 2, 3, 5, 6 resemble them, the others are
  // near teacher layers nobody asks about.
  const ConstructedStates states = construct(12, {{1, 1}, {2, 3}, {3, 6}, {4, 7}, {5, 9}, {6, 12}});
  const Pairs pairs = map_layers({LayerMapKind::cofi, {}}, 6, 12, std::vector<bool>(6, true), states.distance());
  EXPECT_EQ(pairs, (Pairs{{2, 3}, {3, 6}, {5, 9}, {6, 12}}));
}

TEST(LayerMapping, CofiKeepsTheOrderOfLayers) {
  // Student layer 3 is the closest to both teacher 6 and teacher 3 (closer to 3). Searching from the
  // top, teacher 6 takes layer 3, so teacher 3 must go to a layer strictly below it, though layer 3
  // fits it better.
  ConstructedStates states = construct(6, {{1, 2}, {2, 1}, {3, 6}});
  states.student[3] = add(scale(states.teacher[6], 0.5), scale(states.teacher[3], 0.5));
  const LayerDistance d = states.distance();
  ASSERT_LT(d(3, 3), d(1, 3));
  ASSERT_LT(d(3, 3), d(2, 3));
  ASSERT_LT(d(3, 6), d(1, 6));
  const Pairs pairs = map_layers({LayerMapKind::cofi, {3, 6}}, 3, 6, std::vector<bool>(3, true), d);
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[1], (LayerPair{3, 6}));
  EXPECT_LT(pairs[0].student, 3);
  EXPECT_EQ(pairs[0].teacher, 3);
  EXPECT_EQ(pairs[0].student, d(1, 3) <= d(2, 3) ? 1 : 2);

  // When the top teacher layer takes the lowest student layer, the layers below get nothing.
  ConstructedStates low = construct(6, {{1, 6}, {2, 1}, {3, 2}}, {{1, 0.0}, {2, 3.0}, {3, 3.0}});
  EXPECT_EQ(map_layers({LayerMapKind::cofi, {3, 6}}, 3, 6, std::vector<bool>(3, true), low.distance()),
            (Pairs{{1, 6}}));
}

// Equal distances go to the lower layer, as torch.argmin picks the first minimum.
TEST(LayerMapping, TiesGoToTheLowerLayer) {
  const LayerDistance flat = [](std::int64_t, std::int64_t) { return 1.0; };
  EXPECT_EQ(map_layers({LayerMapKind::nni, {}}, 2, 3, std::vector<bool>(2, true), flat), (Pairs{{1, 1}, {2, 2}}));
  EXPECT_EQ(map_layers({LayerMapKind::cofi, {2, 3}}, 3, 3, std::vector<bool>(3, true), flat), (Pairs{{1, 3}}));
}

TEST(LayerMapping, CofiSkipsLayersWithoutAttention) {
  // Student layer 2 is the exact copy of teacher 6, but its heads are all gone; layer 3 is the next
  // closest to it.
  const ConstructedStates states = construct(6, {{1, 3}, {2, 6}, {3, 6}}, {{2, 0.0}, {3, 0.5}});
  const std::vector<bool> attention{true, false, true};
  CountingDistance counting{states.distance()};
  const Pairs pairs = map_layers({LayerMapKind::cofi, {3, 6}}, 3, 6, attention, counting.fn());
  EXPECT_EQ(pairs, (Pairs{{1, 3}, {3, 6}}));
  for (const auto& [s, t] : counting.asked) EXPECT_NE(s, 2);
  EXPECT_THROW(map_layers({LayerMapKind::cofi, {3, 6}}, 3, 6, std::vector<bool>(2, true), counting.fn()), Error);
  EXPECT_THROW(map_layers({LayerMapKind::cofi, {6, 3}}, 3, 6, attention, counting.fn()), Error);
  EXPECT_THROW(map_layers({LayerMapKind::cofi, {0, 3}}, 3, 6, attention, counting.fn()), Error);
}

}  // namespace
}  // namespace pare
