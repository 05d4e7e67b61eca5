#!/usr/bin/env bash
# End-to-end: pvelog on a compressed kern.log of about 100 MB against what an SRE would run
# instead (`zcat | grep`, and plain decompression), side by side in one hyperfine run.
#
#   scripts/bench-e2e.sh [WORKDIR]
#
# Needs hyperfine (apt-get install hyperfine) and a release build (cargo build --release). The
# input is the corpus kern.log repeated to about 100 MB, then gzipped.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-$(mktemp -d)}
mkdir -p "$work"
pvelog=./target/release/pvelog
for tool in hyperfine gzip "$pvelog"; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "$tool" ] || { echo "missing: $tool" >&2; exit 2; }
done
log="$work/kern.log"
if [ ! -s "$log.gz" ]; then
  : > "$log"
  while [ "$(stat -c %s "$log")" -lt 100000000 ]; do
    cat corpora/bundles/pve-oom/host/pve1/var/log/kern.log >> "$log"
  done
  gzip -kf "$log"
fi
ls -l "$log" "$log.gz"
hyperfine --warmup 1 --runs 5 --export-markdown "$work/bench-e2e.md" \
  -n "gzip -dc" "gzip -dc $log.gz > /dev/null" \
  -n "zcat | grep -c" "zcat $log.gz | grep -cE 'oom-killer|Out of memory|Killed process'" \
  -n "pvelog timeline --format jsonl" "$pvelog timeline --format jsonl --reference-time 2025-08-01 --tz Europe/Berlin $log.gz > /dev/null" \
  -n "pvelog diagnose" "$pvelog diagnose --reference-time 2025-08-01 --tz Europe/Berlin $log.gz > /dev/null"
cat "$work/bench-e2e.md"
