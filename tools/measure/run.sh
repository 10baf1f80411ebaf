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
# (ignored by git). Output on stdout (all figures in ns, medians over the repetitions):
#
#   { "contextSwitch", "wakeupIpi", "threadCreate", "syscall", "timerSlack",   <- machine.costs
#     "go": { "version", "costs": {...},                                       <- go.costs
#             "goroutineSwitch", "goStatement", "chanOp", "mutex", ...   (GOMAXPROCS=1)
#             "gomaxprocs2": {...} },
#     "machine": { facts about this machine, and the other processes' CPU use },
#     "scenario": { "machine": { "costs": {...} }, "go": { "costs": {...} } }  (duration strings)
#     "spread": { every figure as median/min/p25/p75/max and the value of each repetition } }
#
# `scenario` holds the figures as a scenario file takes them; the same is printed as YAML on
# stderr. See docs/costs.md for what each figure means and how it is measured.
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
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
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
// A duration string as scenario files take it: exact nanoseconds, e.g. "1089ns".
const dur = (ns) => `${Math.round(ns)}ns`;
const out = { ...os.costs };
const spread = { ...os.detail };
const scenario = { machine: { costs: {} } };
for (const [k, v] of Object.entries(os.costs)) if (v !== null) scenario.machine.costs[k] = dur(v);
if (existsSync(`${dir}/go.json`)) {
  const g = JSON.parse(readFileSync(`${dir}/go.json`, 'utf8'));
  const medians = (d) => Object.fromEntries(Object.entries(d).map(([k, s]) => [k, Math.round(s.median)]));
  const p1 = medians(g.detail.gomaxprocs1 ?? {});
  // go.costs: the keys of schedlab's Go model (src/go/params.ts GoCosts) that are measured here;
  // netpoll and asyncPreempt are the kernel's part, measured by os_costs (epollWait0, signal).
  const costs = {
    goroutineSwitch: p1.goroutineSwitch,
    goStatement: p1.goStatement,
    syncOp: p1.chanOp,
    netpoll: Math.round(os.detail.epollWait0.used),
    asyncPreempt: Math.round(os.detail.signal.used),
  };
  const go = { version: g.version, costs, ...p1 };
  for (const [k, d] of Object.entries(g.detail)) if (k !== 'gomaxprocs1') go[k] = medians(d);
  out.go = go;
  spread.go = g.detail;
  scenario.go = { costs: Object.fromEntries(Object.entries(costs).map(([k, v]) => [k, dur(v)])) };
}
out.machine = {
  ...facts,
  osCostReps: os.reps,
  quietReps: os.quietReps,
  costsFrom: os.costsFrom,
  otherCpuPerRep: os.otherCpuPerRep,
  cpusUsed: os.cpusUsed,
};
out.scenario = scenario;
out.spread = spread;
process.stdout.write(JSON.stringify(out, null, 2) + '\n');
// The same as YAML, on stderr, to paste into a scenario file.
let yaml = '\nPaste into a scenario file (keep your own cpus):\nmachine:\n  costs:\n';
for (const [k, v] of Object.entries(scenario.machine.costs)) yaml += `    ${k}: ${v}\n`;
if (scenario.go) {
  yaml += 'go:\n  costs:\n';
  for (const [k, v] of Object.entries(scenario.go.costs)) yaml += `    ${k}: ${v}\n`;
}
if (os.quietReps < 3) {
  yaml += `\nwarning: only ${os.quietReps} of ${os.reps} repetitions ran on a quiet machine (other processes under 10% of the CPUs);\n` +
    'wakeupIpi and threadCreate are unreliable: run again on an idle machine (--wait-idle 300).\n';
}
process.stderr.write(yaml);
EOF
