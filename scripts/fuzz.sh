#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang, AddressSanitizer and UBSan into build-fuzz/
# and runs each from its committed seed corpus (tests/fuzz/corpus/<target>) for a budget:
#   scripts/fuzz.sh                          every target for 6 s (what CI runs)
#   scripts/fuzz.sh --seconds 600            every target for 10 minutes
#   scripts/fuzz.sh --runs 1000000 TARGET..  the named targets for 10^6 executions each
# Inputs that reach new code are kept in build-fuzz/corpus/<target> (the committed seeds are only
# read), so later runs start where earlier ones stopped. A finding (crash, sanitizer report, leak,
# uncaught exception, an input taking over 10 s or 2 GiB) is written to build-fuzz/findings/ and
# fails the script; rerun one with build-fuzz/tests/fuzz/<target> <file>.
set -euo pipefail
cd "$(dirname "$0")/.."

budget=(-max_total_time=6)
targets=()
while (($#)); do
  case "$1" in
    --seconds) budget=(-max_total_time="$2"); shift 2 ;;
    --runs) budget=(-runs="$2"); shift 2 ;;
    -h | --help) sed -n '2,11p' "$0"; exit 0 ;;
    *) targets+=("${1%_fuzzer}_fuzzer"); shift ;;
  esac
done
if ((${#targets[@]} == 0)); then
  for source in tests/fuzz/*_fuzzer.cpp; do targets+=("$(basename "$source" .cpp)"); done
fi

build=build-fuzz
jobs=${PARE_JOBS:-$(nproc)}
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true  # as scripts/build.sh
mkdir -p "$build"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DPARE_BUILD_FUZZERS=ON -DPARE_WITH_CUDA=OFF -DPARE_WITH_MPI=OFF -DPARE_BUILD_TESTS=OFF -DPARE_BUILD_BENCH=OFF >"$build/configure.log" ||
  { cat "$build/configure.log"; exit 1; }
cmake --build "$build" -j "$jobs" --target pare_fuzzers

mkdir -p "$build/findings"
failed=()
for target in "${targets[@]}"; do
  seeds=tests/fuzz/corpus/${target%_fuzzer}
  [ -d "$seeds" ] || { echo "fuzz: no seed corpus $seeds" >&2; exit 1; }
  corpus=$build/corpus/${target%_fuzzer}
  mkdir -p "$corpus"
  log=$build/findings/$target.log
  # One thread: the runtime's OpenMP pool would only add noise to a single input's run.
  if OMP_NUM_THREADS=1 "$build/tests/fuzz/$target" "${budget[@]}" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$build/findings/$target-" "$corpus" "$seeds" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    seconds=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log")
    printf 'fuzz: %-28s %10s executions in %4s s, corpus %5s inputs, no finding\n' "$target" "$runs" "${seconds:-?}" \
      "$(ls "$corpus" | wc -l)"
  else
    failed+=("$target")
    echo "fuzz: $target FOUND A DEFECT (log: $log):" >&2
    grep -E "ERROR|SUMMARY|terminate|what\(\)|Test unit written" "$log" | head -8 >&2
  fi
done
((${#failed[@]} == 0)) || { echo "fuzz: findings in ${failed[*]}" >&2; exit 1; }
