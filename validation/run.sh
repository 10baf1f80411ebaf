#!/usr/bin/env bash
# Runs schedlab's scenarios on the real Linux kernel and the real Go runtime, and prints one
# JSON object with what happened on stdout; then, on stderr, each measured figure next to
# what schedlab simulates for the same experiment (validation/compare.ts: the real figure,
# schedlab's, their ratio, the twin scenario). docs/validation.md explains every row.
#
#   validation/run.sh [--only NAME[,NAME...]] [--quick] [--wait-idle S]
#   npm run validate -- [same options]
#
#   NAME is one of: timeslices, pool, goBlocking, goHandoff, goPreemption, goPingPong, goQuota
#   --quick        shorter runs (noisier)
#   --wait-idle S  first wait up to S seconds for the machine to be idle
#
# Needs gcc, and Go (golang-go) for the Go experiments; goQuota also needs root and a cgroup
# file system (it is skipped with its reason otherwise). Each experiment runs under 30 s. The
# programs are built into validation/bin/ (ignored by git). Timings are real: run this on an
# otherwise idle machine. The share of the CPUs other processes used is recorded just before
# (`machine.otherCpuBefore`) and during each experiment (`otherCpu`).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
BIN="$HERE/bin"
ONLY="timeslices,pool,goBlocking,goHandoff,goPreemption,goPingPong,goQuota"
QUICK=0
WAIT_IDLE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --only) ONLY="$2"; shift 2 ;;
    --quick) QUICK=1; shift ;;
    --wait-idle) WAIT_IDLE="$2"; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "validate: unknown argument '$1' (allowed: --only NAMES, --quick, --wait-idle S)" >&2; exit 2 ;;
  esac
done
for name in ${ONLY//,/ }; do
  case "$name" in
    timeslices|pool|goBlocking|goHandoff|goPreemption|goPingPong|goQuota) ;;
    *) echo "validate: unknown experiment '$name' (allowed: timeslices, pool, goBlocking, goHandoff, goPreemption, goPingPong, goQuota)" >&2; exit 2 ;;
  esac
done
want() { [[ ",$ONLY," == *",$1,"* ]]; }

# shellcheck source=../tools/measure/lib.sh
source "$ROOT/tools/measure/lib.sh"
mkdir -p "$BIN"
TMP="$(mktemp -d)"
QDIR="" # the CPU-quota cgroup of goQuota, removed on exit
# Any process still in the quota cgroup (a server left by a failed run) is killed before the
# cgroup is removed.
cleanup_quota() {
  [ -n "$QDIR" ] || return 0
  local pid
  for pid in $(cat "$QDIR/cgroup.procs" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
  for _ in 1 2 3 4 5; do rmdir "$QDIR" 2>/dev/null && return 0; sleep 0.2; done
  echo "validate: could not remove the cgroup $QDIR" >&2
}
trap 'rm -rf "$TMP"; cleanup_quota' EXIT

command -v gcc >/dev/null || { echo "validate: gcc not found (apt-get install build-essential)" >&2; exit 1; }
gcc -O2 -Wall -pthread -o "$BIN/timeslice" "$HERE/timeslice.c"
gcc -O2 -Wall -pthread -o "$BIN/pool" "$HERE/pool.c"
HAVE_GO=0
if command -v go >/dev/null; then
  (cd "$HERE/go" && go build -o "$BIN/" ./...) && HAVE_GO=1
else
  echo "validate: go not found (apt-get install golang-go): skipping the Go experiments" >&2
fi

wait_for_idle "$WAIT_IDLE"
{
  print_facts
  echo "otherCpuBefore=$BUSY"
} >"$TMP/facts"

# ---- the kernel's scheduler settings ----
{
  for f in /proc/sys/kernel/sched_*; do
    [ -r "$f" ] && echo "proc:$(basename "$f")=$(tr '\n' ' ' <"$f" | sed 's/ $//')"
  done
  if [ -d /sys/kernel/debug/sched ]; then
    for f in /sys/kernel/debug/sched/*; do
      [ -f "$f" ] && [ -r "$f" ] && echo "debugfs:$(basename "$f")=$(head -c 2000 "$f" 2>/dev/null | tr '\n' ' ' | sed 's/ $//')"
    done
  fi
} >"$TMP/sched" 2>/dev/null || true

log() { echo "validate: $*" >&2; }

# Each experiment records the share of the machine's CPU time other processes used while it ran
# (`otherCpu` in its JSON): a figure taken on a busy machine is not a figure of this scheduler.
: >"$TMP/load"
MARK=""
begin() { MARK="$(load_mark)"; }
end() { echo "$1 $(other_share "$MARK" "$(load_mark)")" >>"$TMP/load"; }

# ---- (a) Linux time slices ----
if want timeslices; then
  : >"$TMP/timeslices"
  for spec in "2 2" "10 4" "100 8"; do
    set -- $spec
    n=$1; secs=$2
    [ $QUICK = 1 ] && secs=$(awk -v s="$secs" 'BEGIN { print s / 2 }')
    log "time slices: $n CPU-bound threads on one CPU for ${secs}s ..."
    begin
    "$BIN/timeslice" --threads "$n" --seconds "$secs" >>"$TMP/timeslices"
    end "timeslices.$n"
  done
fi

# ---- (e) the "magic number" of a thread pool ----
if want pool; then
  repeat=3
  [ $QUICK = 1 ] && repeat=1
  log "thread pool: 400 jobs (1 ms compute, then nanosleep 4 or 19 ms), 9 pool sizes, $repeat round(s) ..."
  begin
  "$BIN/pool" --threads 4,8,12,16,24,32,40,48,64 --wait-us 4000,19000 --repeat "$repeat" >"$TMP/pool.json"
  end pool
fi

if [ $HAVE_GO = 1 ]; then
  # ---- (b) blocking syscalls vs parked waits ----
  if want goBlocking; then
    log "Go: 1000 goroutines in blocking syscalls / sleeps / netpoller waits ..."
    begin
    "$BIN/blocking" -n 1000 -wait 1s >"$TMP/goBlocking.json"
    end goBlocking
  fi
  # ---- (b, continued) where one syscall handoff's time goes, from the runtime's own trace ----
  if want goHandoff; then
    n=200
    [ $QUICK = 1 ] && n=100
    log "Go: $n goroutines in blocking syscalls under runtime/trace, GOMAXPROCS 1 and 2 ..."
    begin
    # It reads the trace with `go tool trace -d`, whose dump format changed in Go 1.22: on a
    # toolchain it cannot read, the experiment is skipped with its reason, not the whole run.
    if ! "$BIN/handoff" -n "$n" -procs 1,2 >"$TMP/goHandoff.json"; then
      rm -f "$TMP/goHandoff.json"
      log "goHandoff skipped (see the message above); the other experiments go on"
    fi
    end goHandoff
  fi
  # ---- (c) preemption of a compute loop ----
  if want goPreemption; then
    samples=100
    [ $QUICK = 1 ] && samples=40
    log "Go: GOMAXPROCS=1, a compute loop and a 1 ms sleeper ($samples wake-ups) ..."
    begin
    "$BIN/preempt" -samples "$samples" >"$TMP/goPreemption.json"
    end goPreemption
    log "Go: the same with GODEBUG=asyncpreemptoff=1, stopped after 3 s ..."
    rc=0
    GODEBUG=asyncpreemptoff=1 timeout 3 "$BIN/preempt" -samples 20 >"$TMP/goPreemptionOff.json" || rc=$?
    echo "$rc" >"$TMP/goPreemptionOff.rc"
  fi
  # ---- (f) GOMAXPROCS against a CPU quota ----
  if want goQuota; then
    # A cgroup whose quota is one CPU's worth: 100 ms of CPU time per 100 ms period (cgroup v2
    # cpu.max, or v1 cpu.cfs_quota_us). Needs root and a writable cgroup file system; without
    # them the experiment is skipped with its reason.
    name="schedlab-validate-$$"
    why=""
    if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
      if ! grep -qw cpu /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null; then why="cgroup v2 without the cpu controller in /sys/fs/cgroup/cgroup.subtree_control"
      elif mkdir "/sys/fs/cgroup/$name" 2>/dev/null; then QDIR="/sys/fs/cgroup/$name"; CGV=2
        echo "100000 100000" >"$QDIR/cpu.max" || why="cannot write $QDIR/cpu.max"
      else why="cannot create a cgroup in /sys/fs/cgroup (not root, or read-only)"; fi
    elif [ -f /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]; then
      if mkdir "/sys/fs/cgroup/cpu/$name" 2>/dev/null; then QDIR="/sys/fs/cgroup/cpu/$name"; CGV=1
        { echo 100000 >"$QDIR/cpu.cfs_period_us" && echo 100000 >"$QDIR/cpu.cfs_quota_us"; } || why="cannot write the quota in $QDIR"
      else why="cannot create a cgroup in /sys/fs/cgroup/cpu (not root, or read-only)"; fi
    else
      why="no cgroup cpu controller (neither /sys/fs/cgroup/cgroup.controllers nor /sys/fs/cgroup/cpu)"
    fi
    if [ -n "$why" ]; then
      log "goQuota skipped: $why; the other experiments go on"
    else
      rounds=3
      [ $QUICK = 1 ] && rounds=1
      log "Go: a quota of one CPU (cgroup v$CGV), GOMAXPROCS 2 and 1, light and heavy load, $rounds round(s) of about 9 s ..."
      begin
      ok=1
      {
        echo "{\"cgroupVersion\": $CGV, \"quotaUs\": 100000, \"periodUs\": 100000, \"runs\": ["
        first=1
        for ((r = 0; r < rounds; r++)); do
          for mode in light heavy; do
            for procs in 2 1; do
              [ $first = 1 ] || echo ","
              first=0
              # The program starts its server in the cgroup and sends it requests from outside.
              timeout 90 "$BIN/quota" -cgroup "$QDIR" -procs "$procs" -mode "$mode" || ok=0
            done
          done
        done
        echo "]}"
      } >"$TMP/goQuota.json"
      end goQuota
      [ $ok = 1 ] || { rm -f "$TMP/goQuota.json"; log "goQuota failed (see above); the other experiments go on"; }
    fi
  fi
  # ---- (d) channel ping-pong ----
  if want goPingPong; then
    d=2s
    [ $QUICK = 1 ] && d=1s
    log "Go: unbuffered channel ping-pong, GOMAXPROCS 1 and 2 ($d each) ..."
    begin
    "$BIN/pingpong" -duration "$d" -procs 1,2 >"$TMP/goPingPong.json"
    end goPingPong
  fi
fi
echo "loadavgAfter=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$TMP/facts"

node --input-type=module - "$TMP" >"$TMP/out.json" <<'EOF'
// Assembles the experiments' JSON outputs and the machine facts into one object.
import { readFileSync, existsSync } from 'node:fs';
const dir = process.argv[2];
const read = (f) => readFileSync(`${dir}/${f}`, 'utf8');
const kv = (text) => {
  const o = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i <= 0) continue;
    const k = line.slice(0, i), v = line.slice(i + 1).trim();
    o[k] = v === '' ? null : /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
  }
  return o;
};
const out = { machine: kv(read('facts')) };
const load = {};
for (const line of read('load').split('\n')) {
  const [k, v] = line.trim().split(' ');
  if (k) load[k] = Number(v);
}
const sched = kv(read('sched'));
const kernel = String(out.machine.kernel ?? '');
const [maj, min] = kernel.split('.').map((x) => parseInt(x, 10));
const eevdf = maj > 6 || (maj === 6 && min >= 6);
const ncpu = Number(out.machine.nproc) || 1;
out.kernelScheduler = {
  fairClass: eevdf ? 'EEVDF (Linux 6.6 and later)' : 'CFS (before Linux 6.6)',
  configHz: out.machine.configHz,
  tickNs: out.machine.configHz ? Math.round(1e9 / out.machine.configHz) : null,
  settings: sched,
  debugfsReadable: Object.keys(sched).some((k) => k.startsWith('debugfs:')),
  // Not read from the kernel: the default base slice (EEVDF) or minimum granularity (CFS),
  // 0.75 ms, scaled by 1 + log2(min(CPUs, 8)) under the default tunable_scaling = 1 (log).
  derivedDefaultBaseSliceNs: 750000 * (1 + Math.floor(Math.log2(Math.min(ncpu, 8)))),
};
if (existsSync(`${dir}/timeslices`)) {
  // the timeslice program prints one JSON object per run, one after the other
  const text = read('timeslices');
  const runs = [];
  let depth = 0, start = -1;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '{') { if (depth++ === 0) start = i; }
    else if (text[i] === '}' && --depth === 0) runs.push(JSON.parse(text.slice(start, i + 1)));
  }
  for (const r of runs) r.otherCpu = load[`timeslices.${r.threads}`] ?? null;
  out.timeslices = runs;
}
if (existsSync(`${dir}/pool.json`)) out.pool = { otherCpu: load.pool ?? null, runs: JSON.parse(read('pool.json')) };
if (existsSync(`${dir}/goBlocking.json`)) out.goBlocking = { otherCpu: load.goBlocking ?? null, ...JSON.parse(read('goBlocking.json')) };
if (existsSync(`${dir}/goHandoff.json`)) out.goHandoff = { otherCpu: load.goHandoff ?? null, ...JSON.parse(read('goHandoff.json')) };
if (existsSync(`${dir}/goPreemption.json`)) {
  out.goPreemption = { otherCpu: load.goPreemption ?? null, ...JSON.parse(read('goPreemption.json')) };
  const rc = Number(read('goPreemptionOff.rc').trim());
  const off = read('goPreemptionOff.json').trim();
  out.goPreemption.asyncpreemptoff = rc === 124
    ? { timedOutAfterSeconds: 3, note: 'with asynchronous preemption off the compute loop never yields: the sleeper did not get its 20 wake-ups in 3 s' }
    : { exitCode: rc, result: off ? JSON.parse(off) : null };
}
if (existsSync(`${dir}/goQuota.json`)) out.goQuota = { otherCpu: load.goQuota ?? null, ...JSON.parse(read('goQuota.json')) };
if (existsSync(`${dir}/goPingPong.json`)) out.goPingPong = { otherCpu: load.goPingPong ?? null, ...JSON.parse(read('goPingPong.json')) };
process.stdout.write(JSON.stringify(out, null, 2) + '\n');
EOF
cat "$TMP/out.json"
log "real figures next to schedlab's twins (validation/compare.ts) ..."
# The measured JSON above stands on its own: a comparison that cannot run only warns.
(cd "$ROOT" && node --import tsx validation/compare.ts "$TMP/out.json") >&2 ||
  log "the comparison with schedlab's twins did not run (see above); the JSON on stdout is complete"
