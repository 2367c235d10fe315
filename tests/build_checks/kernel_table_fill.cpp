// Compiled by ctest alone (tests/CMakeLists.txt), never linked: a backend whose namespace lacks a
// kernel of kernels/kernel_list.h must not build. The backend `incomplete` below has every CPU kernel
// but gemm_packed. Built as it is, its table fill fails naming gemm_packed
// (KernelTableFill.BackendMissingAKernelDoesNotBuild); with PARE_MARK_ABSENT it marks gemm_packed
// Absent, builds, and its entry is null while the others are the CPU's
// (KernelTableFill.KernelMarkedAbsentIsNull).
#include "kernels/kernel_table.h"

// IS_OMITTED(name) is 1 for gemm_packed and 0 for every other kernel: PROBE_gemm_packed expands to two
// arguments, shifting the 1 into second place.
#define PROBE_gemm_packed ~, 1
#define SECOND_ARGUMENT(a, b, ...) b
#define EXPAND_SECOND_ARGUMENT(...) SECOND_ARGUMENT(__VA_ARGS__)
#define IS_OMITTED(name) EXPAND_SECOND_ARGUMENT(PROBE_##name, 0, ~)
#define CONCATENATE(a, b) a##b
#define EXPAND_CONCATENATE(a, b) CONCATENATE(a, b)

#define DECLARE_0(name) using ::pare::kernels::cpu::name;
#ifdef PARE_MARK_ABSENT
#define DECLARE_1(name) inline constexpr ::pare::kernels::Absent name{};
#else
#define DECLARE_1(name)
#endif
#define DECLARE_KERNEL(name, ...) EXPAND_CONCATENATE(DECLARE_, IS_OMITTED(name))(name)

namespace pare::kernels::incomplete {
PARE_KERNELS(DECLARE_KERNEL, )
}  // namespace pare::kernels::incomplete

namespace {

constexpr pare::kernels::KernelTable incomplete_table() {
  pare::kernels::KernelTable table{};
  table.backend = "incomplete";
  PARE_FILL_KERNEL_TABLE(table, ::pare::kernels::incomplete)
  return table;
}

static_assert(incomplete_table().gemm_packed == nullptr, "a kernel marked absent has a null entry");
static_assert(incomplete_table().gemm == &pare::kernels::cpu::gemm, "the other entries are the backend's kernels");
static_assert(incomplete_table().adamw_update == &pare::kernels::cpu::adamw_update, "the list's last entry is filled");

}  // namespace
