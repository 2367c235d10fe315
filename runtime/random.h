// Generator: a seeded source of random numbers whose whole state is (seed, offset), so it can be
// saved with a checkpoint and restored exactly.
#pragma once

#include <cstdint>

namespace pare {

class Generator {
 public:
  explicit Generator(std::uint64_t seed = 0) : seed_(seed) {}

  std::uint64_t seed() const { return seed_; }
  std::uint64_t offset() const { return offset_; }
  void set_state(std::uint64_t seed, std::uint64_t offset) {
    seed_ = seed;
    offset_ = offset;
  }
  // Reserves `count` counters; the caller draws value i of the block from counter start + i.
  std::uint64_t reserve(std::uint64_t count) {
    const std::uint64_t start = offset_;
    offset_ += count;
    return start;
  }

 private:
  std::uint64_t seed_;
  std::uint64_t offset_ = 0;
};

// The generator used when a caller passes none (tests and tools seed it explicitly).
Generator& default_generator();

}  // namespace pare
