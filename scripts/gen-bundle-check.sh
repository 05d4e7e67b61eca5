#!/usr/bin/env bash
# The large-bundle generator's compression check: writes a 64 MiB bundle with
# examples/gen-bundle.rs, packs it as .tgz, prints the ratio and fails unless it is 8–12×
# (real logs; a generator whose lines repeat too much compresses 25× and flatters every
# benchmark that reads the .tgz).
#
#   scripts/gen-bundle-check.sh [WORKDIR] [SIZE]      # SIZE defaults to 64MiB
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-$(mktemp -d)}
size=${2:-64MiB}
mkdir -p "$work"
cargo build --quiet --release --example gen-bundle
gen=${CARGO_TARGET_DIR:-target}/release/examples/gen-bundle
out=$("$gen" --size "$size" --out "$work/bundle" --tgz "$work/bundle.tgz")
echo "$out"
ratio=$(printf '%s\n' "$out" | sed -n 's/.*ratio \([0-9.]*\).*/\1/p')
[ -n "$ratio" ] || { echo "no ratio in the generator's output" >&2; exit 2; }
if awk -v r="$ratio" 'BEGIN { exit !(r >= 8 && r <= 12) }'; then
  echo "ok: gzip ratio $ratio is within 8-12x"
else
  echo "FAIL: gzip ratio $ratio is outside 8-12x" >&2
  exit 1
fi
