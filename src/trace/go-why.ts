/**
 * Why a goroutine waited while Grunnable, from the Go runtime's events: for how long every P
 * was busy (no idle P: it had to wait for a P to finish or be preempted), and for how long a
 * P sat idle while it waited (the runtime had not yet created, woken or spun up an M to take
 * it), and for how long the M that took it paid its search and switch costs. Used by the
 * Perfetto sink and by `schedlab explain`, so both say the same. O(1) per event: running
 * integrals of "some P is idle" and "some P is in a syscall" over time.
 */
import { Lit, type TextOut, type TextSource } from './encoder.js';
import type { TraceEvent } from './events.js';
import { StringOut } from './timeline.js';

const L_RUN_AT_ONCE = new Lit('run at once');
const L_WAITED = new Lit('waited ');
const L_COLON = new Lit(': ');
const L_NO_IDLE_P_FOR = new Lit('no idle P for ');
const L_EVERY_P_HELD = new Lit(' (every P was held by an M');
const L_CLOSE = new Lit(')');
const L_IN_SYSCALL_ALL = new Lit(', at least one in a syscall and not yet retaken by sysmon)');
const L_FOR = new Lit('; for ');
const L_IN_SYSCALL_PART = new Lit(' of it at least one was in a syscall and not yet retaken by sysmon)');
const L_SEMI = new Lit('; ');
const L_P_IDLE_FOR = new Lit('a P was idle for ');
const L_OF_IT = new Lit(' of it (no M had taken it yet: M creation, wake-up or spinning delay)');
const L_TAKEN_AT_ONCE = new Lit('taken at once; ');
const L_THEN = new Lit('; then ');
const L_SWITCH_FOR = new Lit('its M\'s search and switch took ');
const L_IO_READY = new Lit('IO ready ');
const L_BEFORE_POLLED = new Lit(' before netpoll returned it (an M blocked in netpoll had to wake)');
const L_BEFORE_UNPOLLED = new Lit(' before netpoll returned it (no M was blocked in netpoll: it waited for one to poll)');

/**
 * GoWhy is also the TextSource of the cause it last closed (closeRunnable): an encoder writes
 * it straight into its output, as the OS timeline's causes are.
 */
export class GoWhy implements TextSource {
  private idleP = 0;
  /** Ps in _Psyscall (held by an M blocked in a system call). */
  private syscallP = 0;
  private readonly seenP: boolean[] = [];
  /** ∫ [idleP > 0] dt up to `mark`. */
  private idleTime = 0;
  /** ∫ [idleP = 0 and syscallP > 0] dt up to `mark`: no P to take, and one of them only held by a blocked M. */
  private syscallTime = 0;
  private mark = 0;
  /** The Grunnable interval closeRunnable closed last: its length and idle part (ns). */
  private total = 0;
  private idle = 0;
  private syscall = 0;
  /** What writeText tells: the Grunnable interval closed last (closeRunnable) or a netpoll wake-up (closeWaiting). */
  private told: 'runnable' | 'netpoll' = 'runnable';
  /** The netpoll wake-up closeWaiting closed last: how long the IO was ready, and whether an M was blocked in netpoll then. */
  private late = 0;
  private polled = false;
  private readonly strings = new StringOut();
  /** By goroutine id: when it became Grunnable (-1: it is not) and idleTime then. */
  private readonly sinceT: number[] = [];
  private readonly sinceIdle: number[] = [];
  private readonly sinceSyscall: number[] = [];
  /** By goroutine id: when an M took it off its queue (gtake; -1: not taken), and the integrals then. */
  private readonly takenT: number[] = [];
  private readonly takenIdle: number[] = [];
  private readonly takenSyscall: number[] = [];
  /** Of the interval closed last: the part after an M took it (its search and switch costs). */
  private switching = 0;

  private advance(t: number): void {
    if (this.idleP > 0) this.idleTime += t - this.mark;
    else if (this.syscallP > 0) this.syscallTime += t - this.mark;
    this.mark = t;
  }

  /** Feed every Go event (pstate and gstate are used). */
  emit(ev: TraceEvent): void {
    if (ev.k === 'pstate') {
      this.advance(ev.t);
      if (this.seenP[ev.p] !== true) {
        this.seenP[ev.p] = true;
        if (ev.from === 'Pidle') this.idleP++;
        else if (ev.from === 'Psyscall') this.syscallP++;
      }
      if (ev.from !== ev.to) {
        if (ev.to === 'Pidle') this.idleP++;
        else if (ev.from === 'Pidle') this.idleP--;
        if (ev.to === 'Psyscall') this.syscallP++;
        else if (ev.from === 'Psyscall') this.syscallP--;
      }
    } else if (ev.k === 'gstate') {
      this.advance(ev.t);
      if (ev.to === 'Grunnable') {
        while (this.sinceT.length <= ev.g) {
          this.sinceT.push(-1);
          this.sinceIdle.push(0);
          this.sinceSyscall.push(0);
        }
        this.sinceT[ev.g] = ev.t;
        this.sinceIdle[ev.g] = this.idleTime;
        this.sinceSyscall[ev.g] = this.syscallTime;
      }
    } else if (ev.k === 'gtake') {
      this.advance(ev.t);
      while (this.takenT.length <= ev.g) {
        this.takenT.push(-1);
        this.takenIdle.push(0);
        this.takenSyscall.push(0);
      }
      this.takenT[ev.g] = ev.t;
      this.takenIdle[ev.g] = this.idleTime;
      this.takenSyscall[ev.g] = this.syscallTime;
    }
  }

  /**
   * The cause text of the Grunnable interval goroutine `g` leaves at `t` ('' if it was not
   * runnable). Call before emit() of the gstate event that ends it.
   */
  leaveRunnable(g: number, t: number): string {
    if (!this.closeRunnable(g, t)) return '';
    this.writeText(this.strings);
    return this.strings.take();
  }

  /**
   * Closes the Grunnable interval goroutine `g` leaves at `t`, as leaveRunnable does, without
   * building its text: false if it was not runnable; else writeText tells the cause until the
   * next call.
   */
  closeRunnable(g: number, t: number): boolean {
    const since = g < this.sinceT.length ? this.sinceT[g]! : -1;
    if (since < 0) return false;
    this.told = 'runnable';
    this.sinceT[g] = -1;
    this.advance(t);
    this.total = t - since;
    // Up to the moment an M took it, if one did (gtake): the wait in a queue, then the M's costs.
    const taken = g < this.takenT.length ? this.takenT[g]! : -1;
    if (taken >= since) {
      this.takenT[g] = -1;
      this.switching = t - taken;
      this.idle = this.takenIdle[g]! - this.sinceIdle[g]!;
      this.syscall = this.takenSyscall[g]! - this.sinceSyscall[g]!;
    } else {
      this.switching = 0;
      this.idle = this.idleTime - this.sinceIdle[g]!;
      this.syscall = this.syscallTime - this.sinceSyscall[g]!;
    }
    return true;
  }

  /**
   * A Gwaiting interval ended by the netpoller after its IO had been ready for a while (the
   * gstate event's `late` > 0): writeText then tells how long, and why (false for any other end
   * of a wait, and writeText is left as it was).
   */
  closeWaiting(ev: { from: string; late: number; polled: boolean }): boolean {
    if (ev.from !== 'Gwaiting' || ev.late <= 0) return false;
    this.told = 'netpoll';
    this.late = ev.late;
    this.polled = ev.polled;
    return true;
  }

  /** The text of closeWaiting for `ev` ('' if the wait was not ended by the netpoller). */
  leaveWaiting(ev: { from: string; late: number; polled: boolean }): string {
    if (!this.closeWaiting(ev)) return '';
    this.writeText(this.strings);
    return this.strings.take();
  }

  /** The cause of the interval closeRunnable (or closeWaiting) closed last. */
  writeText(out: TextOut): void {
    if (this.told === 'netpoll') {
      out.lit(L_IO_READY);
      out.dur(this.late);
      out.lit(this.polled ? L_BEFORE_POLLED : L_BEFORE_UNPOLLED);
      return;
    }
    const total = this.total;
    if (total === 0) {
      out.lit(L_RUN_AT_ONCE);
      return;
    }
    const idle = this.idle;
    const switching = this.switching;
    const busy = total - switching - idle;
    out.lit(L_WAITED);
    out.dur(total);
    out.lit(L_COLON);
    if (busy === 0 && idle === 0) {
      out.lit(L_TAKEN_AT_ONCE);
      out.lit(L_SWITCH_FOR);
      out.dur(switching);
      return;
    }
    if (busy > 0) {
      out.lit(L_NO_IDLE_P_FOR);
      out.dur(busy);
      out.lit(L_EVERY_P_HELD);
      const sys = this.syscall;
      if (sys <= 0) out.lit(L_CLOSE);
      else if (sys >= busy) out.lit(L_IN_SYSCALL_ALL);
      else {
        out.lit(L_FOR);
        out.dur(sys);
        out.lit(L_IN_SYSCALL_PART);
      }
    }
    if (idle > 0) {
      if (busy > 0) out.lit(L_SEMI);
      out.lit(L_P_IDLE_FOR);
      out.dur(idle);
      out.lit(L_OF_IT);
    }
    if (switching > 0) {
      out.lit(L_THEN);
      out.lit(L_SWITCH_FOR);
      out.dur(switching);
    }
  }
}
