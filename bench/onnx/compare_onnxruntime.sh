#!/usr/bin/env bash
# pare against ONNX Runtime on the same models: each model directory exported with `pare export`,
# then `pare bench` (inference, weights packed once) and ONNX Runtime (bench/onnx/ort_bench.js, all
# graph optimisations) on the same batch, sequence length and threads, alternating round by round.
# Prints a markdown table of the medians over rounds of each run's median step.
#   bench/onnx/compare_onnxruntime.sh [--seq 64] [--rounds 3] [--steps 30] [--threads 2] [--batches "1 32"] DIR...
set -euo pipefail
cd "$(dirname "$0")/../.."
seq=64 rounds=3 steps=30 threads=$(nproc) batches="1 32"
models=()
while (($#)); do
  case "$1" in
    --seq) seq=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --batches) batches=$2; shift 2 ;;
    -h | --help) sed -n '2,6p' "$0"; exit 0 ;;
    *) models+=("$1"); shift ;;
  esac
done
((${#models[@]})) || { echo "usage: $0 [options] MODEL_DIR..." >&2; exit 1; }
pare=build/cli/pare
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
field() { grep -o "\"$1\": *[0-9.e+-]*" | head -n 1 | sed 's/.*: *//'; }
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

echo "seq $seq, $threads threads, $rounds rounds of $steps steps"
echo
echo "| model | batch | pare | ONNX Runtime | ONNX Runtime / pare |"
echo "| --- | --- | --- | --- | --- |"
for i in "${!models[@]}"; do
  "$pare" export --model "${models[$i]}" --out "$scratch/$i.onnx" >/dev/null
done
for ((r = 1; r <= rounds; ++r)); do
  for i in "${!models[@]}"; do
    vocab=$(grep -o '"vocab_size": *[0-9]*' "${models[$i]}/config.json" | sed 's/.*: *//')
    for b in $batches; do
      "$pare" bench --model "${models[$i]}" --batch "$b" --seq "$seq" --threads "$threads" --steps "$steps" >"$scratch/p.json"
      field ms_per_step <"$scratch/p.json" >>"$scratch/$i.$b.pare"
      node bench/onnx/ort_bench.js "$scratch/$i.onnx" "$b" "$seq" "$threads" "$steps" "$vocab" >"$scratch/o.json"
      field ms_per_step <"$scratch/o.json" >>"$scratch/$i.$b.ort"
    done
  done
done
for i in "${!models[@]}"; do
  for b in $batches; do
    p=$(median <"$scratch/$i.$b.pare") o=$(median <"$scratch/$i.$b.ort")
    awk -v m="${models[$i]}" -v b="$b" -v p="$p" -v o="$o" 'BEGIN { printf "| %s | %s | %.3f ms | %.3f ms | %.2f |\n", m, b, p, o, o / p }'
  done
done
