#!/usr/bin/env bash
# Scaling: does pvelog's cost grow linearly with its input? Times, side by side in one run, each
# hard input against an easy one of the same size, and each input against four times as much:
#
#   flood   `diagnose` on a kern.log flood of "VM … not running" and machine-check lines, against
#           `timeline` on the same file and `diagnose` on as many ordinary lines;
#   oom     the same three for a kern.log of OOM-kill pairs (task_memcg=/qemu.slice/<vmid>.scope);
#   files   `sources`, `timeline` and `diagnose` on many small files of one host (half without a
#           year or zone), against the same lines in one file;
#
# and each command at scale 1 against scale 4. It prints the ratios and flags any hard/easy
# case above 3x (a hard diagnosis: against both of its twins), or any 4x input that takes more
# than 5x the time.
#
#   scripts/bench-scaling.sh [WORKDIR]
#
# PVELOG=path times that binary instead of building this checkout (run twice with the same
# WORKDIR to compare two binaries on the same inputs); SCALES (default "1 4") and RUNS (default
# 3) change the sizes and the repetitions. The inputs come from `examples/gen-scaling.rs` (scale 4
# is the size quoted in the architecture issue: 40 k + 40 k flood lines, 20 k OOM pairs, 3 000
# files of 120 k lines). Uses hyperfine when installed (apt-get install hyperfine), else a loop
# with /usr/bin/time; needs cargo for the generator. Exit status 1 when a ratio is flagged.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-$(mktemp -d)}
scales=${SCALES:-1 4}
runs=${RUNS:-3}
mkdir -p "$work"
if [ -z "${PVELOG:-}" ]; then
  cargo build --release --quiet
  pvelog=./target/release/pvelog
  label="$pvelog ($(git rev-parse --short HEAD 2>/dev/null || echo unknown))"
else
  pvelog=$PVELOG
  label=$pvelog
fi
cargo build --release --quiet --example gen-scaling
gen=./target/release/examples/gen-scaling
[ -x "$pvelog" ] || { echo "missing: $pvelog" >&2; exit 2; }
for k in $scales; do
  [ -d "$work/x$k" ] || "$gen" --scale "$k" "$work/x$k"
done
du -sh --apparent-size "$work"/x*/* | sed "s|$work/||"

# The cases: name, then the command (its output goes to /dev/null).
names=()
commands=()
add() { names+=("$1"); commands+=("$2 > /dev/null"); }
for k in $scales; do
  d=$work/x$k
  add "flood-diagnose-x$k" "$pvelog diagnose $d/flood/hard"
  add "flood-timeline-x$k" "$pvelog timeline $d/flood/hard"
  add "flood-easy-diagnose-x$k" "$pvelog diagnose $d/flood/easy"
  add "oom-diagnose-x$k" "$pvelog diagnose $d/oom/hard"
  add "oom-timeline-x$k" "$pvelog timeline $d/oom/hard"
  add "oom-easy-diagnose-x$k" "$pvelog diagnose $d/oom/easy"
  for cmd in sources timeline diagnose; do
    add "files-$cmd-x$k" "$pvelog $cmd $d/files"
    add "onefile-$cmd-x$k" "$pvelog $cmd $d/onefile"
  done
done

# Median seconds of each case, as "name seconds" lines.
times=$work/times.txt
if command -v hyperfine >/dev/null 2>&1; then
  args=()
  for i in "${!names[@]}"; do args+=(-n "${names[$i]}" "${commands[$i]}"); done
  hyperfine --style basic --warmup 1 --runs "$runs" --export-csv "$work/bench-scaling.csv" \
    --export-markdown "$work/bench-scaling.md" "${args[@]}"
  # columns: command,mean,stddev,median,user,system,min,max
  awk -F, 'NR > 1 { print $1, $4 }' "$work/bench-scaling.csv" > "$times"
else
  [ -x /usr/bin/time ] || { echo "missing: hyperfine or /usr/bin/time" >&2; exit 2; }
  : > "$times"
  for i in "${!names[@]}"; do
    for ((r = 0; r < runs; r++)); do
      /usr/bin/time -f %e -a -o "$work/run.txt" sh -c "${commands[$i]}"
    done
    printf '%s %s\n' "${names[$i]}" "$(sort -n "$work/run.txt" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')" >> "$times"
    rm -f "$work/run.txt"
  done
fi

# The ratio table: hard against easy (limit 3x), and the largest scale against the smallest
# (limit: the size ratio plus a quarter).
echo
echo "binary: $label   runs: $runs   median seconds"
flagged=0
ratio() { # name-of-numerator name-of-denominator limit
  awk -v a="$1" -v b="$2" -v limit="$3" '
    $1 == a { x = $2 } $1 == b { y = $2 }
    END {
      r = (y > 0) ? x / y : 0
      printf "%-26s %8.3f s   %-26s %8.3f s   %6.2fx %s\n", a, x, b, y, r, (r > limit) ? "  ABOVE " limit "x" : ""
      exit (r > limit)
    }' "$times" || flagged=1
}
# A hard diagnosis passes when it is within 3x of either twin (the issue's "the same lines in
# one easy file or the timeline of the same input"): both ratios are shown, the better one counts.
either() { # hard twin1 twin2 limit
  local f=$flagged
  ratio "$1" "$2" 1e9
  ratio "$1" "$3" 1e9
  flagged=$f
  awk -v a="$1" -v b="$2" -v c="$3" -v limit="$4" '
    $1 == a { x = $2 } $1 == b { y = $2 } $1 == c { z = $2 }
    END {
      r1 = (y > 0) ? x / y : 0; r2 = (z > 0) ? x / z : 0
      r = (r1 < r2) ? r1 : r2
      if (r > limit) { printf "%-26s above %sx against both twins\n", a, limit; exit 1 }
    }' "$times" || flagged=1
}
printf '%-26s %10s   %-26s %10s   %7s\n' case time "against" time ratio
for k in $scales; do
  for c in flood oom; do
    either "$c-diagnose-x$k" "$c-timeline-x$k" "$c-easy-diagnose-x$k" 3
  done
  for cmd in sources timeline diagnose; do
    ratio "files-$cmd-x$k" "onefile-$cmd-x$k" 3
  done
done
read -r lo hi <<< "$(printf '%s\n' $scales | sort -n | sed -n '1p;$p' | xargs)"
if [ -n "${hi:-}" ] && [ "$hi" != "$lo" ]; then
  limit=$(awk -v a="$hi" -v b="$lo" 'BEGIN { print a / b * 1.25 }')
  for i in "${!names[@]}"; do
    case ${names[$i]} in
      *-x"$hi") base=${names[$i]%-x"$hi"}; ratio "$base-x$hi" "$base-x$lo" "$limit" ;;
    esac
  done
fi
exit "$flagged"
