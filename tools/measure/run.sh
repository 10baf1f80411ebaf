#!/usr/bin/env bash
# Measures schedlab's cost parameters on this machine and prints one JSON object.
#
#   tools/measure/run.sh [--quick] [--reps N] [--wait-idle S]
#   npm run measure -- [same options]
#
#   --quick        fewer iterations (about 5x faster, noisier)
#   --reps N       repetitions of every figure (default 11)
#   --wait-idle S  first wait up to S seconds for the machine to be idle (other processes using
#                  under 10% of the CPUs over one second)
#
# Run it on an otherwise idle machine: other processes' CPU use shows up as longer wake-ups.
# The CPU use of other processes just before and just after the measurement is recorded in
# `machine.otherCpuBefore` / `otherCpuAfter` (fraction of all CPUs, from /proc/stat).
#
# Needs gcc (build-essential) for the OS costs and, optionally, Go (golang-go) for the Go
# runtime costs; node merges the results. Both programs are built into tools/measure/bin/
# (ignored by git). Output on stdout:
#
#   { "contextSwitch", "wakeupIpi", "threadCreate", "syscall", "timerSlack"   <- machine.costs
#     "go": { "goroutineSwitch", "goStatement", "chanOp", ... , "gomaxprocs2": {...} },
#     "machine": { facts about this machine },
#     "spread": { every figure as median/min/p25/p75/max and the value of each repetition } }
#
# The five top-level cost figures can be pasted as they are under `machine.costs` in a scenario
# file; a ready-made YAML snippet is printed on stderr. See docs/costs.md for what each figure
# means and how it is measured.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BIN="$HERE/bin"
ARGS_C=()
ARGS_GO=()
WAIT_IDLE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) ARGS_C+=(--quick); ARGS_GO+=(-quick); shift ;;
    --reps) ARGS_C+=(--reps "$2"); ARGS_GO+=(-reps "$2"); shift 2 ;;
    --wait-idle) WAIT_IDLE="$2"; shift 2 ;;
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument '$1' (allowed: --quick, --reps N, --wait-idle S)" >&2; exit 2 ;;
  esac
done

mkdir -p "$BIN"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

command -v gcc >/dev/null || { echo "run.sh: gcc not found (apt-get install build-essential)" >&2; exit 1; }
gcc -O2 -Wall -pthread -o "$BIN/os_costs" "$HERE/os_costs.c"

HAVE_GO=0
if command -v go >/dev/null; then
  (cd "$HERE/gocosts" && go build -o "$BIN/gocosts" .) && HAVE_GO=1
else
  echo "run.sh: go not found (apt-get install golang-go): skipping the Go runtime costs" >&2
fi

# shellcheck source=lib.sh
source "$HERE/lib.sh"
wait_for_idle "$WAIT_IDLE"
{
  print_facts
  echo "otherCpuBefore=$BUSY"
} >"$TMP/facts"

echo "run.sh: measuring OS costs (${ARGS_C[*]:-default}) ..." >&2
"$BIN/os_costs" "${ARGS_C[@]}" >"$TMP/os.json"
if [ $HAVE_GO = 1 ]; then
  echo "run.sh: measuring Go runtime costs ..." >&2
  "$BIN/gocosts" "${ARGS_GO[@]}" >"$TMP/go.json"
fi
echo "loadavgAfter=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$TMP/facts"
echo "otherCpuAfter=$(cpu_busy)" >>"$TMP/facts"

node --input-type=module - "$TMP" <<'EOF'
// Merges the two programs' output and the machine facts into one JSON object.
import { readFileSync, existsSync } from 'node:fs';
const dir = process.argv[2];
const os = JSON.parse(readFileSync(`${dir}/os.json`, 'utf8'));
const facts = {};
for (const line of readFileSync(`${dir}/facts`, 'utf8').split('\n')) {
  const i = line.indexOf('=');
  if (i > 0) {
    const k = line.slice(0, i), v = line.slice(i + 1).trim();
    facts[k] = v === '' ? null : /^\d+(\.\d+)?$/.test(v) ? Number(v) : v;
  }
}
const out = { ...os.costs };
const spread = { ...os.detail };
if (existsSync(`${dir}/go.json`)) {
  const g = JSON.parse(readFileSync(`${dir}/go.json`, 'utf8'));
  const medians = (d) => Object.fromEntries(Object.entries(d).map(([k, s]) => [k, Math.round(s.median)]));
  const go = { ...medians(g.detail.gomaxprocs1 ?? {}) };
  for (const [k, d] of Object.entries(g.detail)) if (k !== 'gomaxprocs1') go[k] = medians(d);
  out.go = go;
  spread.go = g.detail;
}
out.machine = { ...facts, osCostReps: os.reps, cpusUsed: os.cpusUsed };
out.spread = spread;
process.stdout.write(JSON.stringify(out, null, 2) + '\n');
const c = os.costs;
process.stderr.write(
  `\nPaste into a scenario file:\nmachine:\n  costs:\n` +
    ['contextSwitch', 'wakeupIpi', 'threadCreate', 'syscall', 'timerSlack']
      .filter((k) => c[k] !== null)
      .map((k) => `    ${k}: ${fmt(c[k])}\n`)
      .join(''),
);
function fmt(ns) { // a duration string schedlab accepts, e.g. "1.4us"
  if (ns >= 1e6 && ns % 1e3 === 0) return `"${ns / 1e6}ms"`;
  if (ns >= 1e3) return `"${Math.round(ns / 100) / 10}us"`;
  return `"${ns}ns"`;
}
EOF
