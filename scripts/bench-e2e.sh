#!/usr/bin/env bash
# End-to-end: pvelog on the generator's bundle against what an SRE would run instead, side by
# side in one hyperfine run, with peak memory, throughput and the ratios BENCHMARKS.md reports.
#
#   scripts/bench-e2e.sh [WORKDIR] [SIZE]        (SIZE: 1GiB by default; 64MiB for a quick look)
#
# PVELOG=path times another pvelog build; PVELOG_BASE=path adds that build's diagnose and
# timeline rows to the same hyperfine run, so two builds are compared side by side. RUNS=n sets
# hyperfine's runs (3).
#
# Needs hyperfine and lnav (Debian: apt-get install hyperfine lnav), python3, a release build
# (cargo build --release); journalctl and systemd-journal-remote (apt-get install
# systemd-journal-remote) for the journal-file row, which is left out without them.
#
# What it does, in WORKDIR (kept between runs: the bundle is written once per SIZE):
#  1. writes the bundle with `examples/gen-bundle` (deterministic) as DIR and x.tgz, and fails
#     unless gzip compresses it 8-12x, as real logs compress;
#  2. converts the host's journal export into journal files (systemd-journal-remote), for the
#     journalctl row;
#  3. times every command in one hyperfine run (warm cache, output to /dev/null, medians);
#  4. measures each command's peak RSS once with /usr/bin/time -f %M;
#  5. prints a Markdown table: median, peak RSS, MB/s of uncompressed input, events/s for the
#     timelines, and the ratios the performance targets are stated in.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-$(mktemp -d)}
size=${2:-1GiB}
runs=${RUNS:-3}
mkdir -p "$work"
work=$(cd "$work" && pwd)
pvelog=${PVELOG:-$PWD/target/release/pvelog}
base=${PVELOG_BASE:-}
for tool in hyperfine lnav python3 gzip "$pvelog"; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "$tool" ] || { echo "missing: $tool" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "missing: /usr/bin/time (apt-get install time)" >&2; exit 2; }

dir=$work/bundle-$size
tgz=$work/bundle-$size.tgz
if [ ! -s "$tgz" ]; then
  rm -rf "$dir"
  cargo run --quiet --release --example gen-bundle -- --size "$size" --out "$dir" --tgz "$tgz"
fi
raw=$(find "$dir" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
packed=$(stat -c %s "$tgz")
ratio=$(python3 -c "print(f'{$raw / $packed:.2f}')")
echo "bundle: $raw bytes in $dir, $packed bytes packed: ratio $ratio"
python3 -c "import sys; r = $raw / $packed; sys.exit(0 if 8 <= r <= 12 else 1)" \
  || { echo "the bundle compresses ${ratio}x, outside 8-12x: not like real logs" >&2; exit 1; }

# The text logs lnav reads (syslog, kern.log, dmesg) at their paths in a folder of their own
# (hard links), so that both tools read the same files and pvelog keeps their machines apart.
textdir=$work/text-$size
if [ ! -d "$textdir" ]; then
  mkdir -p "$textdir"
  (cd "$dir" && find . -type f \( -name syslog -o -name kern.log -o -name dmesg.txt \) \
    -exec cp -l --parents {} "$textdir" \;)
fi
mapfile -t texts < <(find "$textdir" -type f | sort)
text_bytes=$(cat "${texts[@]}" | wc -c)
textlist=$(printf '%q ' "${texts[@]}")

# The host's journal as journal files, for journalctl and pvelog on the same files.
remote=/lib/systemd/systemd-journal-remote
journal=$work/journal-$size
if command -v journalctl >/dev/null 2>&1 && [ -x "$remote" ] && [ -z "$(ls -A "$journal" 2>/dev/null)" ]; then
  mkdir -p "$journal"
  "$remote" --output="$journal/system.journal" "$dir/host/pve1/journal.export" >/dev/null 2>&1 || true
fi
have_journal=$([ -n "$(ls -A "$journal" 2>/dev/null)" ] && echo 1 || echo 0)

pattern='(oom-killer|Out of memory|killed process)'
common="--reference-time 2030-01-01 -q"
names=() cmds=()
add() { names+=("$1"); cmds+=("$2"); }
add "gzip -dc x.tgz" "gzip -dc $tgz > /dev/null"
add "zcat x.tgz | grep -E" "zcat $tgz | grep -E '$pattern' > /dev/null"
add "LC_ALL=C grep -rcE DIR" "LC_ALL=C grep -rcE '$pattern' $dir > /dev/null"
add "pvelog diagnose x.tgz" "$pvelog diagnose $common $tgz > /dev/null"
add "pvelog diagnose DIR --format json" "$pvelog diagnose $common --format json $dir > /dev/null"
add "pvelog timeline --format jsonl DIR" "$pvelog timeline $common --format jsonl $dir > /dev/null"
add "pvelog timeline --format jsonl DIR --threads 1" "$pvelog timeline $common --format jsonl --threads 1 $dir > /dev/null"
add "pvelog timeline --format jsonl DIR --threads 2" "$pvelog timeline $common --format jsonl --threads 2 $dir > /dev/null"
add "lnav -n (text logs)" "lnav -n $textlist > /dev/null"
add "pvelog timeline --format jsonl (text logs)" "$pvelog timeline $common --format jsonl $textdir > /dev/null"
if [ -n "$base" ]; then
  # Builds from before the bundle cap change stop a 1 GiB .tgz at --max-member-bytes.
  add "base: pvelog diagnose x.tgz" "$base diagnose $common --max-member-bytes 4294967296 $tgz > /dev/null"
  add "base: pvelog diagnose DIR --format json" "$base diagnose $common --format json $dir > /dev/null"
  add "base: pvelog timeline --format jsonl DIR" "$base timeline $common --format jsonl $dir > /dev/null"
fi
if [ "$have_journal" = 1 ]; then
  add "journalctl -D J -o export" "journalctl -D $journal -o export > /dev/null"
  add "pvelog timeline --format jsonl J" "$pvelog timeline $common --format jsonl $journal > /dev/null"
fi

args=()
for i in "${!names[@]}"; do args+=(-n "${names[$i]}" "${cmds[$i]}"); done
hyperfine --warmup 1 --runs "$runs" --ignore-failure --export-json "$work/bench-e2e.json" "${args[@]}"

# Peak RSS, one run each.
: > "$work/rss.txt"
for i in "${!names[@]}"; do
  kb=$( { /usr/bin/time -f '%M' bash -c "${cmds[$i]}" 2>&1 >/dev/null; } | tail -1)
  printf '%s\t%s\n' "${names[$i]}" "$kb" >> "$work/rss.txt"
done

# Events in each timeline's input (the sources view counts them exactly).
events_of() { "$pvelog" sources $common --format json "$@" | python3 -c 'import json,sys; print(sum(s["events"] for s in json.load(sys.stdin)["sources"]))'; }
ev_dir=$(events_of "$dir")
ev_text=$(events_of "$textdir")
ev_journal=0
[ "$have_journal" = 1 ] && ev_journal=$(events_of "$journal")
journal_bytes=0
[ "$have_journal" = 1 ] && journal_bytes=$(find "$journal" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')

python3 - "$work/bench-e2e.json" "$work/rss.txt" "$raw" "$text_bytes" "$journal_bytes" \
  "$ev_dir" "$ev_text" "$ev_journal" > "$work/bench-e2e.md" <<'EOF'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
rss = dict(line.rstrip("\n").split("\t") for line in open(sys.argv[2]))
raw, text_bytes, journal_bytes, ev_dir, ev_text, ev_journal = map(int, sys.argv[3:9])
med = {name: r["median"] for name, r in results.items()}
inputs = {"DIR": raw, "x.tgz": raw, "text logs": text_bytes, " J": journal_bytes}
events = {"DIR": ev_dir, "text logs": ev_text, " J": ev_journal}
def cell(text):
    return text.replace("|", "\\|")
print("| command | median | peak RSS | MB/s | events/s |")
print("|---|---:|---:|---:|---:|")
for name, t in med.items():
    size = next((v for k, v in inputs.items() if k in name), raw)
    evs = next((v for k, v in events.items() if k in name and "timeline" in name), None)
    kb = int(rss.get(name, "0") or 0)
    eps = f"{evs / t / 1e6:.2f} M" if evs else ""
    print(f"| `{cell(name)}` | {t:.2f} s | {kb / 1024:.0f} MiB | {size / t / 1e6:.0f} | {eps} |")
def ratio(a, b):
    return med[a] / med[b] if a in med and b in med else float("nan")
print()
print("| ratio | measured | target |")
print("|---|---:|---|")
rows = [
    ("pvelog diagnose x.tgz", "gzip -dc x.tgz", "<= 0.6"),
    ("pvelog diagnose DIR --format json", "LC_ALL=C grep -rcE DIR", "<= 1.0"),
    ("pvelog diagnose x.tgz", "zcat x.tgz | grep -E", "(reference)"),
    ("pvelog timeline --format jsonl (text logs)", "lnav -n (text logs)", "<= 0.2"),
    ("pvelog timeline --format jsonl J", "journalctl -D J -o export", "(reference)"),
    ("pvelog timeline --format jsonl DIR --threads 1", "pvelog timeline --format jsonl DIR --threads 2", ">= 1.7 (speed-up)"),
    ("base: pvelog diagnose x.tgz", "pvelog diagnose x.tgz", "(speed-up over the base build)"),
    ("base: pvelog diagnose DIR --format json", "pvelog diagnose DIR --format json", "(speed-up over the base build)"),
    ("base: pvelog timeline --format jsonl DIR", "pvelog timeline --format jsonl DIR", "(speed-up over the base build)"),
]
for a, b, target in rows:
    if a in med and b in med:
        print(f"| `{cell(a)}` / `{cell(b)}` | {ratio(a, b):.2f} | {target} |")
d = med.get("pvelog diagnose DIR --format json")
t = med.get("pvelog timeline --format jsonl DIR")
print()
if d:
    print(f"diagnose DIR: {raw / d / 1e9:.2f} GB/s (target >= 1.5 GB/s)")
if t:
    print(f"timeline DIR: {ev_dir / t / 1e6:.2f} M events/s (target >= 3 M/s)")
tl_rss = int(rss.get("pvelog timeline --format jsonl DIR", "0") or 0) * 1024
dx_rss = int(rss.get("pvelog diagnose x.tgz", "0") or 0) * 1024
print(f"diagnose x.tgz peak RSS: {dx_rss / 2**20:.0f} MiB (target <= 300 MB)")
print(f"timeline DIR peak RSS: {tl_rss / raw:.2f}x the uncompressed input (target <= 1.3x)")
EOF
echo
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB"
echo "input: $raw bytes uncompressed ($ratio x packed), $ev_dir events; text logs $text_bytes bytes, $ev_text events"
cat "$work/bench-e2e.md"
