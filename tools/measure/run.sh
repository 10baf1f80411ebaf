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

# Fraction of all CPUs busy over the next second (from /proc/stat: everything but idle+iowait).
cpu_busy() {
  local a b
  a=($(head -1 /proc/stat)); sleep 1; b=($(head -1 /proc/stat))
  awk -v a="${a[*]}" -v b="${b[*]}" 'BEGIN {
    n = split(a, x, " "); split(b, y, " "); tot = 0
    for (i = 2; i <= n; i++) tot += y[i] - x[i]
    idle = (y[5] - x[5]) + (y[6] - x[6])
    printf "%.2f", tot > 0 ? (tot - idle) / tot : 0 }'
}
BUSY="$(cpu_busy)"
if [ "$WAIT_IDLE" -gt 0 ]; then
  end=$((SECONDS + WAIT_IDLE))
  while awk -v b="$BUSY" 'BEGIN { exit !(b >= 0.10) }' && [ $SECONDS -lt $end ]; do
    echo "run.sh: other processes use $BUSY of the CPUs; waiting for an idle machine ..." >&2
    sleep 4; BUSY="$(cpu_busy)"
  done
fi
if awk -v b="$BUSY" 'BEGIN { exit !(b >= 0.10) }'; then
  echo "run.sh: warning: other processes use $BUSY of the CPUs; the figures will be inflated" >&2
fi

# ---- machine facts ----
kconf() { # value of a kernel config option, from /proc/config.gz or /boot/config-$(uname -r)
  { zcat /proc/config.gz 2>/dev/null || cat "/boot/config-$(uname -r)" 2>/dev/null || true; } |
    sed -n "s/^$1=//p" | head -1
}
VIRT="$(systemd-detect-virt 2>/dev/null || true)"
HYPERVISOR="$( (dmesg 2>/dev/null || true) | sed -n 's/.*Hypervisor detected: //p' | head -1)"
if [ -z "$HYPERVISOR" ] && grep -qw hypervisor /proc/cpuinfo; then HYPERVISOR="yes (cpuinfo flag)"; fi
PREEMPT="$(cat /sys/kernel/debug/sched/preempt 2>/dev/null || true)"
[ -n "$PREEMPT" ] || PREEMPT="$(uname -v | grep -o 'PREEMPT[_A-Z]*' | head -1 || true)"
{
  echo "nproc=$(nproc)"
  echo "model=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)"
  echo "kernel=$(uname -r)"
  echo "kernelVersion=$(uname -v)"
  echo "arch=$(uname -m)"
  echo "virtualization=$VIRT"
  echo "hypervisor=$HYPERVISOR"
  echo "configHz=$(kconf CONFIG_HZ)"
  echo "preempt=$PREEMPT"
  echo "clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null || true)"
  echo "timerslackNs=$(cat /proc/self/timerslack_ns 2>/dev/null || true)"
  echo "gcc=$(gcc -dumpfullversion 2>/dev/null || gcc -dumpversion)"
  echo "go=$( [ $HAVE_GO = 1 ] && go version | awk '{print $3}' || true)"
  echo "loadavgBefore=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "otherCpuBefore=$BUSY"
  echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
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
