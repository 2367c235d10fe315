#!/usr/bin/env bash
# Configures and builds pare (Release) into build/. Extra arguments go to CMake,
# e.g. scripts/build.sh -DPARE_NATIVE=ON.
set -euo pipefail
cd "$(dirname "$0")/.."

# The CUDA toolkit lives outside PATH on many machines; CMake compiles kernels/cuda when it finds nvcc.
if [ -z "${CUDACXX:-}" ] && ! command -v nvcc >/dev/null && [ -x /usr/local/cuda/bin/nvcc ]; then
  export CUDACXX=/usr/local/cuda/bin/nvcc
fi
# ccache keys on paths relative to the checkout, so that a clone in another folder (each CI run, a
# git worktree) reuses the cache.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
jobs=${PARE_JOBS:-$(nproc)}
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build build -j "$jobs"
