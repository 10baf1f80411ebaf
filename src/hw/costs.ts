/**
 * Hardware and OS costs, in nanoseconds. Every figure is a parameter: scenario files set them
 * under `machine.costs`, and `schedlab measure` (see docs/costs.md) measures them on the user's
 * own machine. The defaults below were measured on the machine schedlab is developed on — a
 * 2-vCPU KVM guest — with the method in docs/costs.md.
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
  /** Timer slack added to every sleep (Linux default: 50 µs for normal threads). */
  timerSlack: Nanos;
}

export const DEFAULT_COSTS: Readonly<Costs> = {
  contextSwitch: 2_000,
  wakeupIpi: 8_000,
  threadCreate: 20_000,
  syscall: 200,
  timerSlack: 50_000,
};
