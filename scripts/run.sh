#!/usr/bin/env bash
# The main job: build, check the installation, then the whole flow on the Brown corpus:
#   1. a sentencepiece vocabulary and masked-LM pretraining of a mini BERT;
#   2. fine-tuning on brown-genre (the teacher) and on brown-pos;
#   3. NNI's pruning stages on the genre model, each retrained with dynamic distillation from the
#      fine-tuned teacher and then compacted by pare speedup: attention heads (movement, half the
#      heads of each layer), FFN units (Taylor, 1 - heads kept / heads / 2 per layer), hidden
#      dimensions (Taylor, a quarter);
#   4. test-split accuracy, parameters, FLOPs and inference speed of every stage in summary.md.
# About 30 minutes on 2 cores. The run goes to runs/brown-<time>/ (PARE_RUN_DIR overrides).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
pare=build/cli/pare
"$pare" --help
"$pare" selftest
# OpenMP threads that spin while waiting starve each other on a shared 2-core machine.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}

run=${PARE_RUN_DIR:-runs/brown-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$run"
"$pare" tokenizer train --corpus brown --vocab-size 8000 --out "$run/tokenizer"
"$pare" pretrain --size mini --tokenizer "$run/tokenizer" --corpus brown --out "$run/pretrain" \
  --steps 600 --batch 32 --seq 128 --lr 1e-3
"$pare" finetune --model "$run/pretrain/best" --task brown-genre --out "$run/genre" \
  --steps 400 --batch 32 --seq 128 --lr 2e-4
"$pare" finetune --model "$run/pretrain/best" --task brown-pos --out "$run/pos" \
  --steps 300 --batch 32 --seq 64 --lr 5e-4
"$pare" eval --model "$run/pos/best" --task brown-pos --split test --seq 64 | tee "$run/pos/test_metrics.json"

teacher="$run/genre/best"
# prune_stage NAME MODEL CONFIG STEPS: prune with distillation, then compact into $run/NAME.
prune_stage() {
  "$pare" prune --model "$2" --teacher "$teacher" --task brown-genre --config "$3" --out "$run/prune-$1" \
    --steps "$4" --batch 32 --seq 128 --lr 1e-4 --log-every 50
  "$pare" speedup --model "$run/prune-$1/model" --masks "$run/prune-$1/masks.safetensors" --out "$run/$1"
}
prune_stage heads "$teacher" prune/configs/attention_heads_hard.json 300
prune_stage ffn "$run/heads" prune/configs/ffn_follow_heads.json 300
prune_stage hidden "$run/ffn" prune/configs/embedding.json 300

summary="$run/summary.md"
{
  echo "| stage | test accuracy | parameters | FLOPs/token | inference seq/s (batch 8, seq 128) | speed-up |"
  echo "| --- | --- | --- | --- | --- | --- |"
} >"$summary"
for stage in genre/best heads ffn hidden; do
  "$pare" eval --model "$run/$stage" --task brown-genre --split test >"$run/$stage/test_metrics.json"
  "$pare" inspect --model "$run/$stage" --json >"$run/$stage/inspect.json"
  "$pare" bench --model "$run/$stage" --mode infer --batch 8 --seq 128 --steps 20 --warmup 3 >"$run/$stage/bench.json"
  accuracy=$(grep -o '"accuracy": [0-9.e-]*' "$run/$stage/test_metrics.json" | awk '{printf "%.4f", $2}')
  params=$(awk '/"parameters"/{p=1} p && /"total"/{gsub(/[^0-9]/, ""); print; exit}' "$run/$stage/inspect.json")
  flops=$(awk '/"flops_per_token"/{p=1} p && /"total"/{gsub(/[^0-9.e+]/, ""); printf "%.0f", $0; exit}' \
    "$run/$stage/inspect.json")
  speed=$(grep -o '"seq_per_s": [0-9.e+-]*' "$run/$stage/bench.json" | awk '{printf "%.1f", $2}')
  base_speed=${base_speed:-$speed}
  speedup=$(awk -v s="$speed" -v b="$base_speed" 'BEGIN {printf "%.2fx", s / b}')
  echo "| ${stage%/best} | $accuracy | $params | $flops | $speed | $speedup |" >>"$summary"
done
"$pare" inspect --model "$run/hidden" --original "$teacher" | tee "$run/hidden/inspect.txt"
cat "$summary"
echo "run: $run"
