#!/usr/bin/env bash
# The main job. Until the pruning pipeline lands it builds pare and checks the installation.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
build/cli/pare --help
build/cli/pare selftest
