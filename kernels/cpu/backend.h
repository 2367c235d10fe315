// The CPU backend: the reference kernels and host memory. The host-guarded test device uses it too
// (its memory is host memory; only the runtime's rules about reading it differ).
#pragma once

#include "kernels/backend.h"

namespace pare::kernels::cpu {

Backend& backend();

}  // namespace pare::kernels::cpu
