#!/usr/bin/env bash
# Shell helpers shared by tools/measure/run.sh and validation/run.sh (source this file).
#   print_facts       facts about this machine as key=value lines (best effort: a value that
#                     cannot be read is left empty); the callers' node step turns them into JSON
#   cpu_busy          fraction of all CPUs busy over the next second (from /proc/stat)
#   wait_for_idle S   sets BUSY to cpu_busy; with S > 0 first waits up to S seconds for it to
#                     drop under 0.10, and warns on stderr if it stays above

kconf() { # value of a kernel config option, from /proc/config.gz or /boot/config-$(uname -r)
  { zcat /proc/config.gz 2>/dev/null || cat "/boot/config-$(uname -r)" 2>/dev/null || true; } |
    sed -n "s/^$1=//p" | head -1
}

kconf_preempt() { # the configured preemption model(s)
  { zcat /proc/config.gz 2>/dev/null || cat "/boot/config-$(uname -r)" 2>/dev/null || true; } |
    grep -E '^CONFIG_PREEMPT(_NONE|_VOLUNTARY|_LAZY|_RT)?=y|^CONFIG_PREEMPT_DYNAMIC=y' |
    sed 's/^CONFIG_//; s/=y$//' | paste -sd, -
}

print_facts() {
  local virt hyp
  virt="$(systemd-detect-virt 2>/dev/null || true)"
  hyp="$( (dmesg 2>/dev/null || true) | sed -n 's/.*Hypervisor detected: //p' | head -1)"
  if [ -z "$hyp" ] && grep -qw hypervisor /proc/cpuinfo; then hyp="yes (cpuinfo flag)"; fi
  echo "nproc=$(nproc)"
  echo "model=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)"
  echo "kernel=$(uname -r)"
  echo "kernelVersion=$(uname -v)"
  echo "arch=$(uname -m)"
  echo "virtualization=$virt"
  echo "hypervisor=$hyp"
  echo "configHz=$(kconf CONFIG_HZ)"
  echo "configPreempt=$(kconf_preempt)"
  echo "preemptMode=$(cat /sys/kernel/debug/sched/preempt 2>/dev/null || true)"
  echo "clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null || true)"
  echo "timerslackNs=$(cat /proc/self/timerslack_ns 2>/dev/null || true)"
  echo "gcc=$(gcc -dumpfullversion 2>/dev/null || gcc -dumpversion 2>/dev/null || true)"
  echo "go=$(go version 2>/dev/null | awk '{print $3}' || true)"
  echo "loadavgBefore=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
}

cpu_busy() { # everything but idle + iowait, over one second
  local a b
  read -ra a < <(head -1 /proc/stat); sleep 1; read -ra b < <(head -1 /proc/stat)
  awk -v a="${a[*]}" -v b="${b[*]}" 'BEGIN {
    n = split(a, x, " "); split(b, y, " "); tot = 0
    for (i = 2; i <= n; i++) tot += y[i] - x[i]
    idle = (y[5] - x[5]) + (y[6] - x[6])
    printf "%.2f", (tot > 0 ? (tot - idle) / tot : 0) }'
}

wait_for_idle() {
  local limit="${1:-0}" end
  BUSY="$(cpu_busy)"
  if [ "$limit" -gt 0 ]; then
    end=$((SECONDS + limit))
    while awk -v b="$BUSY" 'BEGIN { exit !(b >= 0.10) }' && [ $SECONDS -lt $end ]; do
      echo "other processes use $BUSY of the CPUs; waiting for an idle machine ..." >&2
      sleep 4
      BUSY="$(cpu_busy)"
    done
  fi
  if awk -v b="$BUSY" 'BEGIN { exit !(b >= 0.10) }'; then
    echo "warning: other processes use $BUSY of the CPUs; timings will be inflated" >&2
  fi
}

# load_mark: prints "busy total children" — jiffies over all CPUs from /proc/stat (busy =
# everything but idle and iowait) and the CPU time of this shell's finished children
# (cutime + cstime of /proc/$$/stat, the same clock ticks).
load_mark() {
  local c f
  read -ra c < <(head -1 /proc/stat)
  read -ra f < <(sed 's/.*) //' "/proc/$$/stat")
  # after the command name: f[0] is state (field 3), so cutime (16) is f[13], cstime (17) f[14]
  echo "$((c[1] + c[2] + c[3] + c[6] + c[7] + c[8])) $((c[1] + c[2] + c[3] + c[4] + c[5] + c[6] + c[7] + c[8])) $((f[13] + f[14]))"
}

# other_share "MARK_BEFORE" "MARK_AFTER": the share of all CPU time between the two marks that
# other processes used (this shell's children excluded), e.g. 0.03.
other_share() {
  awk -v a="$1" -v b="$2" 'BEGIN {
    split(a, x, " "); split(b, y, " ")
    tot = y[2] - x[2]; other = (y[1] - x[1]) - (y[3] - x[3])
    if (other < 0) other = 0
    printf "%.2f", (tot > 0 ? other / tot : 0) }'
}
