#!/usr/bin/env bash
# End-to-end: reading a journal of several hundred MB with pvelog versus journalctl, side by side
# in one hyperfine run.
#
#   scripts/bench-journal.sh [ENTRIES] [WORKDIR]
#
# Needs: python3, systemd-journal-remote and journalctl (Debian: apt-get install
# systemd-journal-remote), hyperfine (apt-get install hyperfine), and a release build
# (cargo build --release). journald and journal-remote cap a journal file at 128 MiB, so a
# journal of this size is a directory of rotated files, as on a real host; both tools read the
# same directory.
set -euo pipefail
cd "$(dirname "$0")/.."
entries=${1:-3200000}
work=${2:-$(mktemp -d)}
pvelog=./target/release/pvelog
remote=/lib/systemd/systemd-journal-remote
for tool in python3 journalctl hyperfine "$remote" "$pvelog"; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "$tool" ] || { echo "missing: $tool" >&2; exit 2; }
done
mkdir -p "$work/journal"
if [ -z "$(ls -A "$work/journal")" ]; then
  python3 scripts/gen-journal-export.py "$entries" 10000 | "$remote" --output="$work/journal/system.journal" - >/dev/null 2>&1
fi
du -sh --apparent-size "$work/journal"
hyperfine --warmup 1 --runs 5 --export-markdown "$work/bench-journal.md" \
  -n "journalctl -o export" "journalctl -D $work/journal -o export > /dev/null" \
  -n "pvelog timeline --format jsonl" "$pvelog timeline --format jsonl $work/journal > /dev/null"
cat "$work/bench-journal.md"
