#!/usr/bin/env bash
# libpare as its users get it. Builds pare for inference alone (-DPARE_INFERENCE_ONLY=ON) into
# build-lib/, installs it under build-lib/prefix, checks what libpare.so exports and links, builds
# examples/classify.c against the installed prefix (CMake package: shared and static; pkg-config:
# shared; each as C99 with every warning an error) and runs every build on tests/data/libpare/lines.txt,
# comparing its output with what PyTorch computed (expected.tsv).
#   scripts/libpare-check.sh                    all of that (scripts/test.sh runs it)
#   scripts/libpare-check.sh --run-example EXE  only the last step, for one classify program
set -euo pipefail
cd "$(dirname "$0")/.."

data=tests/data/libpare
# Runs a classify program on the fixture and compares label by label, probability by probability.
run_example() {
  local exe=$1 out
  out=$(mktemp)
  "$exe" "$data/classifier" <"$data/lines.txt" >"$out"
  if ! awk -F'\t' 'NR == FNR { want[FNR] = $0; rows = FNR; next }
      { split(want[FNR], w, "\t")
        if (NF != length(w)) { print "line " FNR ": " NF " fields, expected " length(w); bad = 1; next }
        for (i = 1; i <= NF; ++i) {
          if (FNR == 1 || i == 1) { if ($i != w[i]) { print "line " FNR " field " i ": " $i " != " w[i]; bad = 1 } }
          else if ($i - w[i] > 1e-5 || w[i] - $i > 1e-5) { print "line " FNR ": " $i " != " w[i]; bad = 1 }
        } }
      END { if (FNR != rows) { print FNR " lines, expected " rows; bad = 1 } exit bad }' "$data/expected.tsv" "$out"; then
    echo "libpare: $exe disagrees with $data/expected.tsv" >&2
    rm -f "$out"
    return 1
  fi
  rm -f "$out"
  echo "libpare: $exe agrees with PyTorch on $(($(wc -l <"$data/lines.txt"))) lines"
}

if [ "${1:-}" = --run-example ]; then
  run_example "$2"
  exit
fi

build=build-lib
prefix=$PWD/$build/prefix
jobs=${PARE_JOBS:-$(nproc)}
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true  # as scripts/build.sh
mkdir -p "$build"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPARE_INFERENCE_ONLY=ON -DCMAKE_INSTALL_PREFIX="$prefix" \
  >"$build/configure.log" || { cat "$build/configure.log"; exit 1; }
cmake --build "$build" -j "$jobs"
rm -rf "$prefix"
cmake --install "$build" >/dev/null

lib=$(find "$prefix" -name 'libpare.so.1' | head -1)
[ -n "$lib" ] || { echo "libpare: no libpare.so.1 under $prefix" >&2; exit 1; }
readelf -d "$lib" | grep -q 'SONAME.*\[libpare\.so\.1\]' || { echo "libpare: SONAME is not libpare.so.1" >&2; exit 1; }
others=$(nm -D --defined-only "$lib" | awk '$3 !~ /^pare_/ && $3 !~ /^PARE_1$/ { print $3 }')
[ -z "$others" ] || { echo "libpare: exports more than the C API:" >&2; echo "$others" | head >&2; exit 1; }
if ldd "$lib" | grep -E 'libmpi|libre2|sentencepiece_train|libgtest|libcudart|libcublas'; then
  echo "libpare: links what inference does not need (above)" >&2
  exit 1
fi
echo "libpare: $(basename "$lib") $(($(stat -L -c %s "$lib") / 1024)) KiB, exports $(nm -D --defined-only "$lib" | grep -c ' pare_') functions;" \
  "needs $(readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')"

examples=$build/examples
cmake -S examples -B "$examples/cmake" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >"$build/examples.log" ||
  { cat "$build/examples.log"; exit 1; }
cmake --build "$examples/cmake"
pkg_config() { PKG_CONFIG_PATH=$(dirname "$lib")/pkgconfig pkg-config "$@"; }
# shellcheck disable=SC2046  # pkg-config's output is words
cc -std=c99 -Wall -Wextra -pedantic -Werror $(pkg_config --cflags pare) examples/classify.c $(pkg_config --libs pare) -lm \
  -o "$examples/classify-pkg-config"
LD_LIBRARY_PATH=$(dirname "$lib") run_example "$examples/cmake/classify"
run_example "$examples/cmake/classify-static"
LD_LIBRARY_PATH=$(dirname "$lib") run_example "$examples/classify-pkg-config"
