#!/usr/bin/env bash
# Times two pare builds side by side: `pare bench` for mini and base, infer and train, alternating
# the builds round by round so that both see the same machine load. Prints a markdown table of the
# median ms per step over the rounds and the peak tensor memory of each build.
#   scripts/bench-compare.sh BEFORE_PARE AFTER_PARE [ROUNDS]
# Each configuration runs once per round per build; the environment is passed through as it is
# (run it once as found and once with OPENBLAS_CORETYPE unset to see both).
set -euo pipefail
before=${1:?usage: bench-compare.sh BEFORE_PARE AFTER_PARE [ROUNDS]}
after=${2:?usage: bench-compare.sh BEFORE_PARE AFTER_PARE [ROUNDS]}
rounds=${3:-3}
configs=(
  "mini infer --steps 20 --warmup 3"
  "mini train --steps 10 --warmup 2"
  "base infer --steps 6 --warmup 2"
  "base train --steps 3 --warmup 1"
)
field() { grep -o "\"$1\": [0-9.e+-]*" | head -n 1 | awk '{print $2}'; }
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for ((r = 1; r <= rounds; ++r)); do
  for i in "${!configs[@]}"; do
    read -r size mode rest <<<"${configs[$i]}"
    for build in before after; do
      binary=$before
      [ "$build" = after ] && binary=$after
      # shellcheck disable=SC2086
      json=$("$binary" bench --size "$size" --mode "$mode" --batch 8 --seq 128 $rest)
      echo "$json" | field ms_per_step >>"$scratch/$i.$build.ms"
      echo "$json" | field peak_memory_bytes >"$scratch/$i.$build.peak"
    done
  done
done
echo "| model, mode (batch 8, seq 128) | before ms/step | after ms/step | after/before | peak MiB before | peak MiB after |"
echo "| --- | --- | --- | --- | --- | --- |"
for i in "${!configs[@]}"; do
  read -r size mode _ <<<"${configs[$i]}"
  b=$(median <"$scratch/$i.before.ms")
  a=$(median <"$scratch/$i.after.ms")
  pb=$(cat "$scratch/$i.before.peak")
  pa=$(cat "$scratch/$i.after.peak")
  awk -v s="$size $mode" -v b="$b" -v a="$a" -v pb="$pb" -v pa="$pa" \
    'BEGIN {printf "| %s | %.1f | %.1f | %.3f | %.1f | %.1f |\n", s, b, a, a / b, pb / 1048576, pa / 1048576}'
done
