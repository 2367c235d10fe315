// What this machine lets pare hold in memory, for checks made before work begins: a model or a file
// larger than that is refused with the amounts named, instead of ending in std::bad_alloc or the
// kernel's out-of-memory killer.
#pragma once

#include <cstdint>
#include <string>

namespace pare {

// Physical memory, or the container's limit (cgroup v2 memory.max, v1 memory.limit_in_bytes) when
// that is smaller.
std::uint64_t host_memory_bytes();

// "1.5 GiB", "12.0 MiB", "512 bytes".
std::string format_bytes(double bytes);

}  // namespace pare
