#!/usr/bin/env bash
# The one command to run first whenever a GPU is at hand: builds pare on the GPU machine, runs every
# test there (the CUDA ones against their CPU twins), the GPU benchmarks, a comparison with PyTorch on
# the same card and a check of pare's Hugging Face export with transformers, and prints one table.
#
#   scripts/gpu-check.sh prepare   here (Debian 12 with apt and a network): downloads the .deb files pare
#                                  builds with into .gpu-check/debs (git-ignored; about 9 MB)
#   scripts/gpu-check.sh run       there (no apt, no network; nvcc, CMake, ninja, Python with PyTorch and
#                                  transformers): unpacks them into a private prefix, configures and builds
#                                  build-gpu/ against it, then tests, times and compares
#
# Without a GPU, `run` does everything but the GPU work (unpack, configure, build, the check that every
# dependency came from the prefix, the test binary's CUDA label) and says so: the dry run that proves
# the first GPU minute is not spent on a missing library. Results go to $PARE_GPU_CHECK_OUT (default
# .gpu-check/out): summary.md (the table), the logs and the JSON they were made from.
set -euo pipefail
cd "$(dirname "$0")/.."

state=.gpu-check
debs=$state/debs
prefix=${PARE_GPU_CHECK_PREFIX:-/tmp/pare-gpu-check/prefix}
build=${PARE_GPU_CHECK_BUILD:-build-gpu}
out=${PARE_GPU_CHECK_OUT:-$state/out}
jobs=${PARE_JOBS:-$(nproc)}
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true  # as scripts/build.sh

# What scripts/setup.sh installs to build pare, with the shared libraries they pull in that a machine
# with a C++ compiler may lack. libc, libstdc++, libgcc and libgomp come with the compiler there.
packages=(
  libdnnl-dev libdnnl2 ocl-icd-libopencl1
  nlohmann-json3-dev libcli11-dev
  libsentencepiece-dev libsentencepiece0
  libutf8proc-dev libutf8proc2
  libre2-dev libre2-9
  libgtest-dev googletest
  libbenchmark-dev libbenchmark1debian
)

say() { printf 'gpu-check: %s\n' "$*"; }
fail() {
  printf 'gpu-check: error: %s\n' "$*" >&2
  exit 1
}

prepare() {
  command -v apt-get >/dev/null || fail "prepare needs apt-get (run it on a Debian 12 machine)"
  mkdir -p "$debs"
  rm -f "$debs"/*.deb
  # apt-get download writes into the current folder; as root it warns that _apt cannot write there and
  # downloads unsandboxed, which is what we want, so that one warning is dropped.
  (cd "$debs" && apt-get download "${packages[@]}" 2> >(grep -v 'unsandboxed as root' >&2))
  say "$(ls "$debs"/*.deb | wc -l) packages, $(du -sh "$debs" | cut -f1) in $debs; carry $state to the GPU machine"
}

unpack() {
  local count
  count=$(ls "$debs"/*.deb 2>/dev/null | wc -l)
  [ "$count" -eq "${#packages[@]}" ] ||
    fail "$debs holds $count of ${#packages[@]} packages: run 'scripts/gpu-check.sh prepare' where apt works, and carry $state"
  rm -rf "$prefix"
  mkdir -p "$prefix"
  local deb
  for deb in "$debs"/*.deb; do
    if command -v dpkg-deb >/dev/null; then
      dpkg-deb -x "$deb" "$prefix"
    else
      # A .deb is an ar archive whose data member is a compressed tar; tar tells the compression apart.
      local member scratch archive
      archive=$(realpath "$deb")
      member=$(ar t "$archive" | grep '^data\.tar')
      scratch=$(mktemp -d)
      (cd "$scratch" && ar x "$archive" "$member")
      tar -xf "$scratch/$member" -C "$prefix"
      rm -rf "$scratch"
    fi
  done
  say "unpacked $count packages into $prefix"
}

nvcc_path() {
  if [ -n "${CUDACXX:-}" ]; then
    echo "$CUDACXX"
  elif command -v nvcc >/dev/null; then
    command -v nvcc
  elif [ -x /usr/local/cuda/bin/nvcc ]; then
    echo /usr/local/cuda/bin/nvcc
  else
    fail "no nvcc on PATH or in /usr/local/cuda/bin"
  fi
}

# NCCL for the multi-GPU collectives (tests/cuda/nccl_test.cpp): the toolkit's when it has one, else
# the one PyTorch's wheels bring (nvidia/nccl: include/nccl.h, lib/libnccl.so.2).
# The GPU machine has no MPI and no libonnx (no apt there): its build leaves the MPI communicator and
# pare export out, as one here does with -DPARE_WITH_MPI=OFF -DPARE_WITH_ONNX=OFF.
nccl_flags=()
find_nccl() {
  local toolkit wheel
  toolkit=$(dirname "$(dirname "$(nvcc_path)")")
  [ -f "$toolkit/include/nccl.h" ] && return 0
  wheel=$(python3 -c 'import nvidia.nccl as n; print(list(n.__path__)[0])' 2>/dev/null || true)
  if [ -n "$wheel" ] && [ -f "$wheel/include/nccl.h" ]; then
    export LD_LIBRARY_PATH="$wheel/lib:$LD_LIBRARY_PATH"
    nccl_flags=(-DPARE_NCCL_INCLUDE="$wheel/include")
    say "NCCL from PyTorch's wheel: $wheel"
  else
    say "no NCCL in the toolkit or PyTorch's wheels: the multi-GPU collectives will say so"
  fi
}

configure_and_build() {
  local libs=$prefix/usr/lib/x86_64-linux-gnu
  export LD_LIBRARY_PATH="$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  find_nccl
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix/usr" \
    -DCMAKE_CUDA_COMPILER="$(nvcc_path)" -DPARE_WITH_MPI=OFF -DPARE_WITH_ONNX=OFF "${nccl_flags[@]}" \
    >"$out/configure.log" 2>&1 ||
    {
      tail -30 "$out/configure.log"
      fail "configure failed (log: $out/configure.log)"
    }
  # Every third-party path CMake settled on must lie in the prefix: one found in /usr instead means a
  # package is missing from the list above, which the GPU machine (no /usr copy) would fail on.
  local entry path outside=()
  for entry in PARE_DNNL_INCLUDE PARE_DNNL PARE_SENTENCEPIECE PARE_SENTENCEPIECE_TRAIN PARE_UTF8PROC \
    PARE_SENTENCEPIECE_INCLUDE PARE_UTF8PROC_INCLUDE PARE_RE2 PARE_RE2_INCLUDE nlohmann_json_DIR CLI11_DIR GTest_DIR benchmark_DIR; do
    path=$(grep -E "^$entry:[A-Z]+=" "$build/CMakeCache.txt" | head -1 | cut -d= -f2-)
    case "$path" in
      "$prefix"/*) ;;
      *) outside+=("$entry=$path") ;;
    esac
  done
  ((${#outside[@]} == 0)) || fail "found outside $prefix: ${outside[*]}"
  say "configured $build against $prefix"
  cmake --build "$build" -j "$jobs" >"$out/build.log" 2>&1 || {
    grep -E "error|FAILED" "$out/build.log" | head -30
    fail "build failed (log: $out/build.log)"
  }
  if ldd "$build/cli/pare" | grep -q "not found"; then
    ldd "$build/cli/pare" | grep "not found"
    fail "$build/cli/pare has unresolved libraries"
  fi
  say "built $build ($(grep -c . "$out/build.log") lines of build log)"
}

# A GPU is present when nvidia-smi lists one or the kernel made a device node for one.
gpu_present() {
  { command -v nvidia-smi >/dev/null && nvidia-smi -L 2>/dev/null | grep -q '^GPU'; } ||
    compgen -G '/dev/nvidia[0-9]*' >/dev/null
}

# The GPUs pare sees (pare selftest's count). A GPU that is present but unseen (a driver older than the
# CUDA runtime, a container without the device) would make every CUDA test skip and this check pass
# having run nothing: that is a failure.
check_pare_sees_the_gpu() {
  local report visible
  report=$("$build/cli/pare" selftest 2>&1) || true
  visible=$(sed -n 's/.*; \([0-9][0-9]*\) device(s) visible.*/\1/p' <<<"$report" | head -n 1)
  [ "${visible:-0}" -gt 0 ] ||
    fail "this machine has a GPU but pare sees none, so no CUDA test would run: $(grep -i -m 3 'cuda\|error' <<<"$report" | tr '\n' ' ')"
  say "pare sees $visible GPU(s)"
}

# pare bench on the GPU, one JSON per case: name, bench arguments, then the environment it runs with.
bench_cases=(
  "layer_train|--size base --layers 1 --mode train --batch 32 --seq 128"
  "base_train|--size base --mode train --batch 32 --seq 128"
  "base_infer|--size base --mode infer --batch 32 --seq 128"
  "mini_train|--size mini --mode train --batch 32 --seq 128"
  "base_train_bf16|--size base --mode train --batch 32 --seq 128 --precision bf16"
  "base_train_fused|--size base --mode train --batch 32 --seq 128|PARE_CUDA_ATTENTION=fused"
)

run_gpu_work() {
  local pare=$build/cli/pare
  check_pare_sees_the_gpu
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv >"$out/gpu.csv"
  say "GPU: $(tail -1 "$out/gpu.csv")"
  local status=0
  # Every test: the CUDA ones compare each kernel, op, BERT step and pipeline stage with the CPU.
  ctest --test-dir "$build" -j "$jobs" --output-on-failure --timeout 300 >"$out/ctest.log" 2>&1 || status=1
  grep -E "tests passed|tests failed" "$out/ctest.log" | tail -1 | sed 's/^/gpu-check: ctest: /'
  ctest --test-dir "$build" -L cuda -N | tail -1 | sed 's/^/gpu-check: CUDA-labelled: /'
  "$pare" selftest >"$out/selftest.log" 2>&1 || status=1
  local case name args environment
  for case in "${bench_cases[@]}"; do
    IFS='|' read -r name args environment <<<"$case"
    # shellcheck disable=SC2086
    env $environment "$pare" bench $args --device cuda:0 --steps 20 --warmup 5 >"$out/pare_$name.json" \
      2>"$out/pare_$name.err" ||
      {
        status=1
        say "pare bench $name failed: $(tail -1 "$out/pare_$name.err")"
      }
  done
  if [ -x "$build/bench/pare_cuda_kernels_bench" ]; then
    "$build/bench/pare_cuda_kernels_bench" --benchmark_format=json --benchmark_min_time=0.2s \
      >"$out/kernels.json" 2>"$out/kernels.err" || status=1
  fi
  PYTHONUNBUFFERED=1 python3 scripts/gpu_check/torch_reference.py --out "$out" >"$out/torch.log" 2>&1 ||
    {
      status=1
      say "PyTorch reference failed: $(tail -1 "$out/torch.log")"
    }
  PYTHONUNBUFFERED=1 python3 scripts/gpu_check/hf_export_check.py --pare "$pare" --work "$state/hf" \
    --out "$out" >"$out/hf.log" 2>&1 || {
    status=1
    say "HF export check failed: $(tail -1 "$out/hf.log")"
  }
  python3 scripts/gpu_check/summary.py --out "$out" | tee "$out/summary.md"
  return $status
}

run() {
  mkdir -p "$out"
  unpack
  configure_and_build
  if ! gpu_present; then
    # The test binary still runs here: the CUDA-labelled tests skip, saying why.
    ctest --test-dir "$build" -L cuda --output-on-failure >"$out/ctest.log" 2>&1 ||
      fail "the CUDA-labelled tests failed without a GPU (log: $out/ctest.log)"
    say "no GPU on this machine: unpack, configure and build checked; the GPU runs are skipped"
    return 0
  fi
  run_gpu_work
}

case "${1:-}" in
  prepare) prepare ;;
  run) run ;;
  *)
    echo "usage: scripts/gpu-check.sh prepare|run" >&2
    exit 2
    ;;
esac
