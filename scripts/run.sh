#!/usr/bin/env bash
# The main job: build, check the installation, then `pare run`, the default pipeline on the Brown
# corpus (pipeline/recipes/default.json): a sentencepiece vocabulary and MLM pretraining of a mini
# BERT, the teacher fine-tuned on brown-order, NNI's three pruning stages (attention heads by
# movement, FFN units by Taylor with per-layer ratios from the heads kept, a quarter of the hidden
# dimensions), each retrained with dynamic distillation and compacted by speed-up surgery; then the
# report (report.md, report.json, figures/) in runs/brown-<time>/ (PARE_RUN_DIR overrides). About
# 15 minutes on 2 cores. Arguments go to `pare run` (e.g. --quick). Interrupted (Ctrl-C, kill, power
# loss), the same command with PARE_RUN_DIR set to the run continues it where it stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
pare=build/cli/pare
"$pare" selftest

run=${PARE_RUN_DIR:-runs/brown-$(date +%Y%m%d-%H%M%S)}
if [ -f "$run/run.json" ]; then
  "$pare" run --resume "$run"
else
  "$pare" run --out "$run" "$@"
fi
