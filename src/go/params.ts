/**
 * Every constant of the Go scheduler model, with the golang/go function (or file) it comes from.
 * References are to src/runtime/ of Go 1.25 ([25] in docs/go-scheduler-spec.md) unless noted.
 *
 * The costs at the bottom are not runtime constants: they are how long the runtime's own work
 * takes on a CPU, measured on the development machine (docs/costs.md) and settable per scenario
 * under `go:`.
 */
import type { Nanos } from '../engine/time.js';

/** runtime2.go `type p`: `runq [256]guintptr`. */
export const LOCAL_RUNQ_SIZE = 256;
/** proc.go runqputslow: half of the local queue moves to the global queue on overflow. */
export const RUNQ_SPILL = LOCAL_RUNQ_SIZE / 2;
/** proc.go findRunnable: `pp.schedtick%61 == 0` — the global-queue fairness check. */
export const GLOBAL_RUNQ_FAIRNESS_TICKS = 61;
/** proc.go stealWork: `const stealTries = 4`. */
export const STEAL_TRIES = 4;
/** proc.go runqgrab: `usleep(3)` before stealing a victim's runnext. */
export const RUNNEXT_STEAL_BACKOFF_NS: Nanos = 3_000;
/** proc.go (near retake): `forcePreemptNS = 10 * 1000 * 1000` — the time slice. */
export const FORCE_PREEMPT_NS: Nanos = 10_000_000;
/** proc.go sysmon: starts sleeping 20 µs… */
export const SYSMON_MIN_DELAY_NS: Nanos = 20_000;
/** …doubles once idle for more than 50 loops (`if idle > 50 { delay *= 2 }`)… */
export const SYSMON_IDLE_LOOPS_BEFORE_BACKOFF = 50;
/** …up to 10 ms (`if delay > 10*1000 { delay = 10 * 1000 }` µs). */
export const SYSMON_MAX_DELAY_NS: Nanos = 10_000_000;
/** proc.go sysmon: poll the network if not polled for more than 10 ms. */
export const SYSMON_NETPOLL_NS: Nanos = 10_000_000;
/** proc.go retake: a syscall P with no local work is retaken anyway after 10 ms. */
export const SYSCALL_RETAKE_NS: Nanos = 10_000_000;
/** proc.go `forcegcperiod = 2 * 60 * 1e9`; sysmon deep-sleeps at most forcegcperiod/2. */
export const FORCEGC_PERIOD_NS: Nanos = 120_000_000_000;
/** proc.go schedinit: `sched.maxmcount = 10000`. */
export const MAX_M_COUNT = 10_000;
/** proc.go globrunqgetbatch / findRunnable: `globrunqgetbatch(int32(len(pp.runq)) / 2)`. */
export const GLOBAL_RUNQ_BATCH = LOCAL_RUNQ_SIZE / 2;
/** internal/sync/mutex.go: `starvationThresholdNs = 1e6`. */
export const MUTEX_STARVATION_NS: Nanos = 1_000_000;
/** stack.go `stackMin = 2048`: the initial goroutine stack (for memory figures only). */
export const STACK_MIN_BYTES = 2048;

/** Costs of the runtime's own work (ns of CPU on the M's thread). */
export interface GoCosts {
  /** schedule → findRunnable (local/global queue) → execute → gogo: one goroutine switch. */
  goroutineSwitch: Nanos;
  /** newproc: the `go` statement, charged to the creating goroutine. */
  goStatement: Nanos;
  /** Probing one victim P in stealWork (load its queue, CAS). */
  stealProbe: Nanos;
  /** A non-blocking netpoll (epoll_wait with 0 timeout). */
  netpoll: Nanos;
  /** Delivering and handling the async-preemption signal (SIGURG → asyncPreempt). */
  asyncPreempt: Nanos;
  /** One sysmon loop iteration's work (retake scan, checks). */
  sysmonLoop: Nanos;
  /** A channel/mutex/WaitGroup operation that completes without parking. */
  syncOp: Nanos;
}

export interface GoParams {
  /** Which runtime to model: 1.25 (_Psyscall) — 1.26's syscall design is documented, not modelled. */
  version: '1.25';
  costs: GoCosts;
  /** GODEBUG asyncpreemptoff=1: only cooperative preemption (a pure compute loop is never preempted). */
  asyncPreemptOff: boolean;
  /** debug.SetMaxThreads (default 10000). */
  maxThreads: number;
}

/**
 * Measured with tools/measure (docs/costs.md) on the development machine, Go 1.19 at
 * GOMAXPROCS 1: medians over runs, rounded. stealProbe and sysmonLoop cannot be measured from
 * user space; they are estimates (a few loads and a CAS; a pass over the Ps).
 */
export const DEFAULT_GO_COSTS: Readonly<GoCosts> = {
  goroutineSwitch: 145, // unbuffered-channel ping-pong, per switch (113–178 ns over runs)
  goStatement: 80, // the `go` statement alone (64–99 ns); the new G's switch-in is goroutineSwitch
  stealProbe: 20, // estimate
  netpoll: 1_100, // epoll_wait with a 0 timeout (1.0–1.3 µs)
  asyncPreempt: 5_500, // SIGURG delivered and handled, a lower bound (5.3–7.6 µs)
  sysmonLoop: 500, // estimate
  syncOp: 18, // a buffered-channel send or receive that does not block (17–20 ns)
};

export const DEFAULT_GO_PARAMS: Readonly<GoParams> = {
  version: '1.25',
  costs: DEFAULT_GO_COSTS,
  asyncPreemptOff: false,
  maxThreads: MAX_M_COUNT,
};
