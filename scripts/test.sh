#!/usr/bin/env bash
# Installs what is missing, builds everything and runs every test (CUDA tests skip without a GPU).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
ctest --test-dir build --output-on-failure -j "${PARE_JOBS:-$(nproc)}"
build/cli/pare selftest
# libpare built for inference alone, installed, and examples/classify.c built against it three ways.
scripts/libpare-check.sh
# Every fuzz target for a few seconds from its seed corpus (scripts/fuzz.sh --help to run longer).
scripts/fuzz.sh
# The GPU check's path up to the GPU work: its packages, a build against them alone (README "GPU check").
scripts/gpu-check.sh prepare
scripts/gpu-check.sh run
