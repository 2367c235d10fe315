#!/usr/bin/env bash
# The main job. Until the pruning pipeline lands (issues 4-5): build, check the installation, then
# the Brown flow that exists today: a sentencepiece vocabulary, masked-LM pretraining of a mini BERT,
# fine-tuning on brown-genre and brown-pos, and test-split metrics. About 15-20 minutes on 2 cores.
# The run goes to runs/brown-<time>/ (PARE_RUN_DIR overrides).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
pare=build/cli/pare
"$pare" --help
"$pare" selftest

run=${PARE_RUN_DIR:-runs/brown-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$run"
"$pare" tokenizer train --corpus brown --vocab-size 8000 --out "$run/tokenizer"
"$pare" pretrain --size mini --tokenizer "$run/tokenizer" --corpus brown --out "$run/pretrain" \
  --steps 600 --batch 32 --seq 128 --lr 1e-3
"$pare" finetune --model "$run/pretrain/best" --task brown-genre --out "$run/genre" \
  --steps 400 --batch 32 --seq 128 --lr 2e-4
"$pare" finetune --model "$run/pretrain/best" --task brown-pos --out "$run/pos" \
  --steps 300 --batch 32 --seq 64 --lr 5e-4
"$pare" eval --model "$run/genre/best" --task brown-genre --split test | tee "$run/genre/test_metrics.json"
"$pare" eval --model "$run/pos/best" --task brown-pos --split test --seq 64 | tee "$run/pos/test_metrics.json"
echo "run: $run"
