#!/usr/bin/env bash
# Data-parallel scaling on this machine: masked-LM pretraining of a fresh BERT of one size on Brown,
# the same global batch as 1 process with every core and as N ranks (mpirun) with cores / N threads
# each. Prints, per layout, the median training throughput of the logged windows after the first, the
# all-reduce's share of a step and its bytes per step. Run from the repository root after
# scripts/build.sh:
#   bench/data_parallel_scaling.sh [SIZE=mini] [STEPS=40] [BATCH=32] [RANKS=2]
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-mini}
steps=${2:-40}
batch=${3:-32}
ranks=${4:-2}
pare=build/cli/pare
work=${PARE_BENCH_DIR:-/tmp/pare-data-parallel-bench}
cores=$(nproc)
mkdir -p "$work"
[ -f "$work/tokenizer/spiece.model" ] ||
  "$pare" tokenizer train --corpus brown --brown corpora/brown --vocab-size 8000 --out "$work/tokenizer" >/dev/null
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
args=(pretrain --size "$size" --tokenizer "$work/tokenizer" --brown corpora/brown --seq 128 --steps "$steps"
  --batch "$batch" --log-every 5 --seed 1)

rm -rf "$work/one" "$work/many"
OMP_NUM_THREADS=$cores "$pare" "${args[@]}" --out "$work/one" 2>/dev/null >/dev/null
OMP_NUM_THREADS=$((cores / ranks > 0 ? cores / ranks : 1)) mpirun -np "$ranks" --oversubscribe --bind-to none \
  --mca btl_vader_single_copy_mechanism none -x OMP_NUM_THREADS "$pare" "${args[@]}" --out "$work/many" \
  2>/dev/null >/dev/null

python3 - "$work" "$size" "$batch" "$ranks" "$cores" <<'PY'
import json, statistics, sys
work, size, batch, ranks, cores = sys.argv[1:]
def windows(run):
    rows = [json.loads(l) for l in open(f"{work}/{run}/metrics.jsonl") if '"train"' in l]
    return rows[1:]  # the first window holds the start-up
one, many = windows("one"), windows("many")
s1 = statistics.median(r["seq_per_s"] for r in one)
sn = statistics.median(r["seq_per_s"] for r in many)
step_s = int(batch) / sn
ar = statistics.median(r["all_reduce_s_per_step"] for r in many)
mib = many[-1]["all_reduce_bytes_per_step"] / 2**20
print(f"| layout ({size}, batch {batch}, seq 128, {cores} cores) | seq/s | step ms | all-reduce ms/step | share of step | all-reduce MiB/step |")
print("| --- | --- | --- | --- | --- | --- |")
print(f"| 1 process x {cores} threads | {s1:.1f} | {1000*int(batch)/s1:.0f} | - | - | - |")
print(f"| {ranks} ranks x {max(1, int(cores)//int(ranks))} threads | {sn:.1f} | {1000*step_s:.0f} | {1000*ar:.0f} | {100*ar/step_s:.1f}% | {mib:.1f} |")
print(f"\n{ranks} ranks / 1 process: {sn/s1:.3f}x")
PY
