// Host rules of the CUDA backend, checked where no GPU is: the operand alignment cuBLASLt's algorithm
// choice is told (kernels/cuda/alignment.h): views at the offsets the runtime makes (a batch entry, a
// pruned width, one float in) get their real alignment, not the 256 bytes cuBLASLt assumes, and a bias
// one float off an aligned start is not taken by the epilogue; and how copy_rows copies
// (kernels/cuda/copy_plan.h): never a pitch cudaMemcpy2DAsync refuses; and a driver too old for the
// runtime is an error naming both versions, not "no GPU" (kernels/cuda/driver_version.h).
#include <gtest/gtest.h>

#include "kernels/cuda/alignment.h"
#include "kernels/cuda/copy_plan.h"
#include "kernels/cuda/driver_version.h"

namespace pare::kernels::cuda {
namespace {

TEST(CudaAlignment, ViewsAtOddOffsetsGetTheirRealAlignment) {
  constexpr std::uintptr_t allocation = 0x7f0000000000;  // cudaMalloc's: 256-byte aligned at least
  EXPECT_EQ(address_alignment(allocation), 256u);
  EXPECT_EQ(address_alignment(allocation + 4), 4u);             // one float in
  EXPECT_EQ(address_alignment(allocation + 4 * 11), 4u);        // a hidden-pruned width of 11
  EXPECT_EQ(address_alignment(allocation + 4 * 12), 16u);       // 12 floats
  EXPECT_EQ(address_alignment(allocation + 4 * 64 * 3), 256u);  // a head of 64 floats, third one
  EXPECT_EQ(address_alignment(allocation + 4 * 64 * 5), 256u);
  EXPECT_EQ(address_alignment(allocation + 4 * 32), 128u);
  EXPECT_EQ(address_alignment(allocation + 2), 2u);  // a bf16 element in
  EXPECT_EQ(address_alignment(std::uintptr_t{0}), 256u);
  EXPECT_LT(address_alignment(allocation + 4), kBiasEpilogueAlignment);
  EXPECT_GE(address_alignment(allocation + 16), kBiasEpilogueAlignment);
}

TEST(CudaCopyRows, PitchesOf2GiBOrMoreNeverReachCudaMemcpy2D) {
  const std::int64_t logits_row = 30522 * 4;
  EXPECT_EQ(row_copy_kind(1, logits_row, 3 * logits_row), RowCopy::contiguous);  // one row: plain copy
  EXPECT_EQ(row_copy_kind(32768, logits_row, logits_row), RowCopy::contiguous);  // same pitch
  EXPECT_EQ(row_copy_kind(32768, logits_row, 2 * logits_row), RowCopy::pitched);
  // Two batches of [32768, 30522] logits concatenated along the last axis: the destination's rows are
  // 244 KB, fine; the same along a first axis of 1 with rows of 4 GB: one row, plain.
  const std::int64_t whole = std::int64_t{32768} * logits_row;
  EXPECT_EQ(row_copy_kind(1, whole, 2 * whole), RowCopy::contiguous);
  EXPECT_EQ(row_copy_kind(2, whole, 2 * whole), RowCopy::row_by_row);
  EXPECT_EQ(row_copy_kind(2, 1024, kMaxCopyPitch + 1), RowCopy::row_by_row);
  EXPECT_EQ(row_copy_kind(2, 1024, kMaxCopyPitch), RowCopy::pitched);
}

TEST(CudaDriver, AMissingDriverMeansNoGpuAndAnOldOneIsAnErrorNamingBothVersions) {
  EXPECT_EQ(insufficient_driver_message(0, 13000), "");
  const std::string old = insufficient_driver_message(12040, 13000);
  EXPECT_NE(old.find("supports CUDA up to 12.4"), std::string::npos) << old;
  EXPECT_NE(old.find("built with (13.0)"), std::string::npos) << old;
  EXPECT_EQ(cuda_version_string(12080), "12.8");
}

}  // namespace
}  // namespace pare::kernels::cuda
