/**
 * Hardware and OS costs, in nanoseconds. Every figure is a parameter: scenario files set them
 * under `machine.costs`, and `npm run measure` (tools/measure/, see docs/costs.md) measures them
 * on the user's own machine and prints them ready to paste.
 *
 * The defaults below are medians measured with tools/measure on the machine schedlab is
 * developed on — 2 vCPUs (AMD EPYC) of a PVM guest under Firecracker, Linux 6.18, HZ=250 — on
 * an otherwise idle machine; docs/costs.md gives the method, every run and the spread. That
 * guest makes system calls and cross-CPU wake-ups dear (about 1 µs and 5.6 µs); on bare metal
 * expect a syscall near 0.1 µs and a context switch near 1–2 µs.
 */
import type { Nanos } from '../engine/time.js';

export interface Costs {
  /** Direct cost of switching a CPU from one thread to another (same CPU). */
  contextSwitch: Nanos;
  /**
   * Extra latency when a thread running on one CPU wakes a thread onto another, idle CPU: an
   * inter-processor interrupt plus the idle exit. On virtual machines this is far dearer than a
   * same-CPU switch, because the IPI exits to the hypervisor.
   */
  wakeupIpi: Nanos;
  /** Creating an OS thread (clone, stack, first wake-up), charged as CPU time to the creator. */
  threadCreate: Nanos;
  /** Entering and leaving the kernel for one system call, charged as CPU time. */
  syscall: Nanos;
  /**
   * How late a sleep ends, added to every sleep: the timer slack (Linux default: 50 µs for
   * normal threads) plus the time to get the sleeper's idle CPU going again.
   */
  timerSlack: Nanos;
}

/** Measured defaults: see docs/costs.md (how, every run, the spread) and tools/measure/. */
export const DEFAULT_COSTS: Readonly<Costs> = {
  contextSwitch: 1_100, // same-CPU pipe ping-pong: round trip / 2 − write+read (1.02–1.75 µs over runs)
  wakeupIpi: 5_600, // the same across two CPUs, the woken CPU idle (5.3–19 µs)
  threadCreate: 22_000, // pthread_create seen by the creator, an idle CPU to wake (13–29 µs)
  syscall: 1_000, // syscall(SYS_getppid) (1.00–1.35 µs)
  timerSlack: 108_000, // nanosleep(50 µs … 1 ms) overshoot (101–110 µs)
};
