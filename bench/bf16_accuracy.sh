#!/usr/bin/env bash
# bf16 against f32 on accuracy: one pretrained mini BERT (f32), then the same fine-tuning (brown-pos,
# part-of-speech tagging, where the encoder matters) and the same head pruning with distillation from
# each precision's own teacher, once with --precision f32 and once with --precision bf16. Prints the
# dev and test accuracy of every stage and the training throughput. About 15 minutes on 2 cores.
#   bench/bf16_accuracy.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
pare=build/cli/pare
out=${1:-runs/bf16-accuracy-$(date +%Y%m%d-%H%M%S)}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
mkdir -p "$out"
[ -d "$out/tokenizer" ] || "$pare" tokenizer train --corpus brown --vocab-size 8000 --out "$out/tokenizer"
[ -d "$out/pretrain/best" ] || "$pare" pretrain --size mini --tokenizer "$out/tokenizer" --corpus brown \
  --out "$out/pretrain" --steps 600 --batch 32 --seq 128 --lr 1e-3
for precision in f32 bf16; do
  run="$out/$precision"
  "$pare" finetune --model "$out/pretrain/best" --task brown-pos --out "$run/pos" --steps 300 --batch 32 --seq 64 \
    --lr 5e-4 --precision "$precision"
  "$pare" prune --model "$run/pos/best" --teacher "$run/pos/best" --task brown-pos \
    --config prune/configs/attention_heads_hard.json --out "$run/heads" --steps 300 --batch 32 --seq 64 --lr 1e-4 \
    --log-every 50 --precision "$precision"
  "$pare" speedup --model "$run/heads/model" --masks "$run/heads/masks.safetensors" --out "$run/heads-compact"
  for stage in pos/best heads-compact; do
    for split in dev test; do
      "$pare" eval --model "$run/$stage" --task brown-pos --split "$split" --seq 64 >"$run/${stage%/best}-$split.json"
    done
  done
done
echo "| precision | stage | dev accuracy | test accuracy | training seq/s (last log window) |"
echo "| --- | --- | --- | --- | --- |"
for precision in f32 bf16; do
  for stage in pos heads-compact; do
    dir=$stage
    [ "$stage" = heads-compact ] && dir=heads
    dev=$(grep -o '"accuracy": [0-9.e-]*' "$out/$precision/$stage-dev.json" | awk '{printf "%.4f", $2}')
    test=$(grep -o '"accuracy": [0-9.e-]*' "$out/$precision/$stage-test.json" | awk '{printf "%.4f", $2}')
    speed=$(grep '"type":"train"' "$out/$precision/$dir/metrics.jsonl" | tail -1 | grep -o '"seq_per_s":[0-9.e+-]*' |
      cut -d: -f2 | awk '{printf "%.1f", $1}')
    echo "| $precision | $stage | $dev | $test | $speed |"
  done
done
