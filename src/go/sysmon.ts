/**
 * sysmon (proc.go:sysmon): the runtime's monitor thread. It runs on its own M without a P, as
 * an OS thread of the kernel model, so its wake-ups compete for CPUs like any thread.
 *
 * Loop: sleep `delay` (20 µs, doubling after 50 idle loops, at most 10 ms); if every P is idle,
 * sleep deeply until the next timer (at most forcegcperiod/2 = 60 s) unless a syscall wakes
 * it; poll the network if nobody has for 10 ms; retake Ps (preempt Gs that ran 10 ms, hand off
 * Ps stuck in syscalls). A loop that retook a P from a syscall resets the back-off.
 *
 * SIM: no forced GC, scavenger wake-ups or (Go 1.25) periodic GOMAXPROCS updates; the deep
 * sleep is woken only by entersyscall and exitsyscall's pidleget (as in the runtime).
 */
import type { Thread } from '../os/thread.js';
import {
  FORCEGC_PERIOD_NS,
  SYSMON_IDLE_LOOPS_BEFORE_BACKOFF,
  SYSMON_MAX_DELAY_NS,
  SYSMON_MIN_DELAY_NS,
  SYSMON_NETPOLL_NS,
} from './params.js';
import type { GoRuntime } from './proc.js';
import type { M } from './runtime2.js';

export class Sysmon {
  m: M | null = null;
  /** Ms created by this loop (startm → newm on sysmon's thread), each spawned once sysmon has paid for it, in order. */
  readonly newms: M[] = [];
  idle = 0;
  delay = 0;
  loops = 0;
  private phase: 'start' | 'usleep' | 'deep' | 'work' = 'start';
  private wokenByNote = false;

  constructor(private readonly rt: GoRuntime) {}

  run(t: Thread): void {
    const rt = this.rt;
    const k = rt.kernel;
    switch (this.phase) {
      case 'start':
      case 'work': {
        if (this.newms.length > 0) {
          // newm's clone for the first M has returned: its thread starts now, and sysmon goes
          // on to the next one (retake hands the Ps off one after another).
          rt.spawnNewMs(this.newms, 1);
          if (this.newms.length > 0) {
            k.compute(t, Math.max(1, k.costs.threadCreate));
            return;
          }
        }
        if (this.idle === 0) this.delay = SYSMON_MIN_DELAY_NS;
        else if (this.idle > SYSMON_IDLE_LOOPS_BEFORE_BACKOFF) this.delay *= 2;
        if (this.delay > SYSMON_MAX_DELAY_NS) this.delay = SYSMON_MAX_DELAY_NS;
        this.phase = 'usleep';
        k.sleep(t, this.delay, 'sysmon usleep', true);
        return;
      }
      case 'usleep': {
        const now = rt.now;
        if (rt.npidle === rt.gomaxprocs) {
          let next = 0;
          for (const pp of rt.allp) {
            const w = pp.timers.wakeTime();
            if (w !== 0 && (next === 0 || w < next)) next = w;
          }
          if (next === 0 || next > now) {
            let sleep = FORCEGC_PERIOD_NS / 2;
            if (next !== 0 && next - now < sleep) sleep = next - now;
            rt.sysmonwait = true;
            this.wokenByNote = false;
            this.phase = 'deep';
            k.sleep(t, sleep, 'sysmon deep sleep (all Ps idle)', true);
            return;
          }
        }
        this.work(t);
        return;
      }
      case 'deep':
        rt.sysmonwait = false;
        if (this.wokenByNote) {
          this.idle = 0;
          this.delay = SYSMON_MIN_DELAY_NS;
        }
        this.work(t);
        return;
    }
  }

  private work(t: Thread): void {
    const rt = this.rt;
    const now = rt.now;
    this.loops++;
    if (rt.netpollInited && rt.pollerM === null && rt.lastpoll + SYSMON_NETPOLL_NS < now) rt.sysmonNetpoll(now);
    if (rt.retake(now) !== 0) this.idle = 0;
    else this.idle++;
    this.phase = 'work';
    // The loop's work, and newm's (allocm, clone) for the first M its handoffs started; each
    // further one is paid after the one before has its thread (run, 'work').
    rt.kernel.compute(t, Math.max(1, rt.costs.sysmonLoop + (this.newms.length > 0 ? rt.kernel.costs.threadCreate : 0)));
  }

  /** notewakeup(&sched.sysmonnote): end a deep sleep early. */
  wake(why: string): void {
    const m = this.m;
    if (m === null || this.phase !== 'deep' || m.thread.state !== 'waiting') return;
    this.wokenByNote = true;
    this.rt.kernel.wake(m.thread, this.rt.curM?.thread ?? null, `sysmon woken: ${why}`);
  }
}
