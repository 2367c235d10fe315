#!/usr/bin/env bash
# Installs ONNX Runtime for Node.js (npm package onnxruntime-node, a fixed version) into the
# git-ignored .onnxruntime/ at the repository root, for the tests that run pare's ONNX exports
# (export/onnxruntime_run.js). --ignore-scripts: its CPU library ships inside the package, and the
# install script would only download GPU ones. Does nothing when that version is there.
set -euo pipefail

version=1.31.1
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/.onnxruntime"
installed="$dest/node_modules/onnxruntime-node/package.json"

if [ -f "$installed" ] && grep -q "\"version\": \"$version\"" "$installed"; then
  echo "fetch-onnxruntime: onnxruntime-node $version already in $dest"
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "fetch-onnxruntime: npm is needed to fetch onnxruntime-node; install it with: apt-get install npm" >&2
  exit 1
fi
echo "fetch-onnxruntime: npm install onnxruntime-node@$version"
mkdir -p "$dest"
npm install --silent --ignore-scripts --no-audit --no-fund --prefix "$dest" "onnxruntime-node@$version" >/dev/null
[ -f "$installed" ] || { echo "fetch-onnxruntime: the install left no $installed" >&2; exit 1; }
