/**
 * `schedlab explain`: the story of one OS thread, task or goroutine in plain words, with times.
 *
 * ExplainSink is a TraceSink that runs the OS timeline (timeline.ts: the same derivation that
 * fills the Perfetto event details, so both tell the same story) and keeps only what concerns
 * its subject:
 * - thread T: each Running / Runnable / Waiting interval, why it began, what it waited for or
 *   ran, and why it ended;
 * - task N: its creation and end, and the story of the thread or goroutine that runs it (a
 *   task is bound to the thread or goroutine created right after it: thread-per-task and go);
 *   a pool task is shared out to workers without a trace event, so only its lifecycle is told;
 * - goroutine G: each state change (Grunnable, Grunning, Gwaiting, Gsyscall) with the
 *   runtime's reason, on which P and M it ran, and — the two-level view — when its M's OS
 *   thread was itself Runnable (waiting for a hardware thread) while the goroutine "ran".
 * With `at`, only the interval covering that time is told, plus the totals.
 */
import type { TraceEvent, TraceSink } from './events.js';
import { GoWhy } from './go-why.js';
import { formatDuration, OsTimeline, type ThreadInterval } from './timeline.js';

export type SubjectKind = 'thread' | 'task' | 'goroutine';

export interface ExplainSubject {
  kind: SubjectKind;
  id: number;
}

export interface ExplainOptions {
  /** Tell only the interval covering this time (ns). */
  at?: number;
}

interface Entry {
  start: number;
  end: number;
  state: string;
  lines: string[];
}

const STATE = { running: 'Running', runnable: 'Runnable', waiting: 'Waiting' } as const;

export class ExplainSink implements TraceSink {
  private readonly timeline: OsTimeline;
  private readonly entries: Entry[] = [];
  private readonly notes: Array<[number, string]> = [];
  private tid = -1;
  private goid = -1;
  private name = '';
  private found = false;
  /** Ids seen in the run, for the message when the subject is not among them. */
  private readonly seen = { thread: new IdRange(), task: new IdRange(), goroutine: new IdRange() };
  private lastTask: { id: number; name: string; t: number } | null = null;
  private taskCreated = -1;
  private taskEnded = -1;
  private endNs = 0;
  // totals
  private runningNs = 0;
  private turns = 0;
  private runnableNs = 0;
  private throttledNs = 0;
  private waitingNs = 0;
  private preempted = 0;
  private blocked = 0;
  // goroutine state
  private gState = '';
  private gSince = 0;
  private gWhy = '';
  private gRun: { p: number; m: number } | null = null;
  private readonly mTid = new Map<number, number>();
  private runTid = -1;
  private gLines: string[] = [];
  private readonly goWhy = new GoWhy();

  constructor(
    readonly subject: ExplainSubject,
    private readonly options: ExplainOptions = {},
  ) {
    if (subject.kind === 'thread') this.tid = subject.id;
    if (subject.kind === 'goroutine') this.goid = subject.id;
    this.timeline = new OsTimeline({
      thread: (_t, tid, name) => {
        this.seen.thread.add(tid);
        if (tid === this.tid) {
          this.name = name;
          this.found = true;
        }
      },
      interval: (iv) => this.osInterval(iv),
    });
  }

  emit(ev: TraceEvent): void {
    switch (ev.k) {
      case 'task':
        this.seen.task.add(ev.task);
        this.lastTask = { id: ev.task, name: ev.name, t: ev.t };
        if (this.subject.kind === 'task' && ev.task === this.subject.id) {
          this.found = true;
          this.name = ev.name;
          this.taskCreated = ev.t;
        }
        return;
      case 'taskEnd':
        if (this.subject.kind === 'task' && ev.task === this.subject.id) this.taskEnded = ev.t;
        return;
      case 'thread':
        if (this.subject.kind === 'task' && this.tid < 0 && this.goid < 0 && this.lastTask?.id === this.subject.id && this.lastTask.t === ev.t) this.tid = ev.tid;
        this.lastTask = null;
        this.timeline.emit(ev);
        return;
      case 'g':
        this.seen.goroutine.add(ev.g);
        if (this.subject.kind === 'task' && this.goid < 0 && this.lastTask?.id === this.subject.id && this.lastTask.t === ev.t) this.goid = ev.g;
        this.lastTask = null;
        if (ev.g === this.goid) {
          this.found = true;
          if (this.name === '') this.name = ev.name;
          this.gState = 'Gidle';
          this.gSince = ev.t;
          this.gWhy = ev.parent > 0 ? `created by G${ev.parent}` : 'created';
        }
        return;
      case 'gstate':
        if (ev.g === this.goid) {
          if (ev.from === 'Grunnable') this.gLines.push(this.goWhy.leaveRunnable(ev.g, ev.t));
          else if (ev.late > 0) this.gLines.push(this.goWhy.leaveWaiting(ev));
          this.goWhy.emit(ev);
          this.goState(ev.t, ev.to, ev.p, ev.m, ev.why);
        } else this.goWhy.emit(ev);
        return;
      case 'mstate':
        this.mTid.set(ev.m, ev.tid);
        return;
      case 'prun':
        if (ev.g === this.goid && this.goid > 0) {
          this.gRun = { p: ev.p, m: ev.m };
          this.runTid = this.mTid.get(ev.m) ?? -1;
        }
        return;
      case 'decision':
        if (this.goid > 0 && ev.subject === `G${this.goid}`) this.notes.push([ev.t, ev.text]);
        return;
      case 'tstate':
      case 'cpu':
      case 'migrate':
      case 'throttle':
        this.timeline.emit(ev);
        return;
      case 'pstate':
      case 'gtake':
        this.goWhy.emit(ev);
        return;
      case 'runnable':
      case 'op':
      case 'steal':
      case 'runq':
      case 'grunq':
      case 'gcounts':
        return;
    }
  }

  private covers(start: number, end: number): boolean {
    const at = this.options.at;
    return at === undefined || (start <= at && (at < end || (start === end && at === start)));
  }

  private osInterval(iv: ThreadInterval): void {
    if (iv.tid === this.tid) {
      const d = iv.end - iv.start;
      if (iv.state === 'running') {
        this.runningNs += d;
        this.turns++;
        if (iv.next.startsWith('preempted')) this.preempted++;
      } else if (iv.state === 'runnable') {
        this.runnableNs += d;
        this.throttledNs += iv.extraNs;
      } else {
        this.waitingNs += d;
        this.blocked++;
      }
      if (d === 0 || !this.covers(iv.start, iv.end)) return;
      const lines = [`why: ${iv.why}`];
      // A Waiting interval's cause names the thread that woke it (a timer's or a device's wake-up says so in its `then`).
      if (iv.cause !== '') lines.push(iv.state === 'runnable' ? `waited: ${iv.cause}` : iv.cause);
      if (iv.next !== '') lines.push(`then: ${iv.next}`);
      this.entries.push({ start: iv.start, end: iv.end, state: iv.state === 'waiting' ? `Waiting (${iv.why})` : STATE[iv.state], lines });
      return;
    }
    // The two-level view: the goroutine's M thread waiting for a CPU while the goroutine runs.
    if (this.runTid >= 0 && iv.tid === this.runTid && iv.state === 'runnable' && iv.end > iv.start && this.gState === 'Grunning') {
      this.gLines.push(`its M's OS thread T${iv.tid} was Runnable for ${formatDuration(iv.end - iv.start)} from ${formatDuration(iv.start)}: ${iv.cause}`);
    }
  }

  private goState(t: number, to: string, p: number, m: number, why: string): void {
    const from = this.gState;
    const d = t - this.gSince;
    if (from === 'Grunning') {
      this.runningNs += d;
      this.turns++;
      if (why.startsWith('preempt')) this.preempted++;
    } else if (from === 'Grunnable') this.runnableNs += d;
    else if (from === 'Gwaiting' || from === 'Gsyscall') {
      this.waitingNs += d;
      this.blocked++;
    }
    if (from !== '' && from !== 'Gidle' && d > 0 && this.covers(this.gSince, t)) {
      const lines = [`why: ${this.gWhy}`];
      if (from === 'Grunning' && this.gRun !== null) lines.push(`on P${this.gRun.p}, M${this.gRun.m}${this.runTid >= 0 ? ` (OS thread T${this.runTid})` : ''}`);
      for (const l of this.gLines) if (l !== '' && l !== 'run at once') lines.push(from === 'Grunnable' ? `waited: ${l.replace(/^waited [^:]*: /, '')}` : l);
      lines.push(`then: ${why}`);
      this.entries.push({ start: this.gSince, end: t, state: from, lines });
    }
    this.gLines = [];
    if (to !== 'Grunning') {
      this.gRun = null;
      this.runTid = -1;
    }
    this.gState = to;
    this.gSince = t;
    this.gWhy = why;
    void p;
    void m;
  }

  close(endNs: number): void {
    this.endNs = endNs;
    this.timeline.finish(endNs);
    if (this.goid > 0 && this.gState !== '' && this.gState !== 'Gdead') this.goState(endNs, 'end', -1, -1, 'the run ended');
  }

  /** Whether the subject was in the run (after close). */
  get subjectFound(): boolean {
    return this.found;
  }

  /** "the run had threads T1–T8" (or "no goroutine"), for a subject that was not found. */
  whatExisted(): string {
    const kind = this.subject.kind;
    const r = this.seen[kind];
    const prefix = kind === 'thread' ? 'T' : kind === 'goroutine' ? 'G' : '';
    const noun = kind === 'thread' ? 'OS thread' : kind;
    if (r.count === 0) return `the run had no ${noun}`;
    const ids = r.count === r.max - r.min + 1 ? (r.count === 1 ? `${prefix}${r.min}` : `${prefix}${r.min}–${prefix}${r.max}`) : `${r.count}, ids ${prefix}${r.min} to ${prefix}${r.max}`;
    return `the run had ${noun}${r.count === 1 ? '' : 's'} ${ids}`;
  }

  /** The story as lines of text. */
  render(header: string): string {
    const s = this.subject;
    const what = s.kind === 'goroutine' ? `goroutine ${s.id}` : `${s.kind} ${s.id}`;
    if (!this.found) return `${header}\n${what}: not found in this run (ids start at 1; see --json for counts)\n`;
    const out: string[] = [header, `${what}${this.name !== '' ? ` (${this.name})` : ''}`];
    if (s.kind === 'task') {
      out.push(`  created at ${formatDuration(this.taskCreated)}${this.taskEnded >= 0 ? `, finished at ${formatDuration(this.taskEnded)} (latency ${formatDuration(this.taskEnded - this.taskCreated)})` : ', not finished when the run ended'}`);
      if (this.tid > 0) out.push(`  runs on its own OS thread T${this.tid}: its story follows`);
      else if (this.goid > 0) out.push(`  runs as goroutine G${this.goid}: its story follows`);
      else out.push('  runs on a pool worker: the trace does not bind pool tasks to workers; see --thread for a worker');
    }
    const at = this.options.at;
    if (at !== undefined) out.push(`at ${formatDuration(at)}:`);
    if (this.entries.length === 0 && at !== undefined) out.push('  (no interval of it covers this time)');
    const notes = this.notes.filter(([t]) => at === undefined || t === at);
    let ni = 0;
    for (const e of this.entries) {
      while (ni < notes.length && notes[ni]![0] < e.start) out.push(`  ${pad(notes[ni]![0])}  note: ${notes[ni++]![1]}`);
      out.push(`  ${pad(e.start)}  ${e.state} for ${formatDuration(e.end - e.start)}`);
      for (const l of e.lines) out.push(`  ${' '.repeat(10)}  ${l}`);
    }
    while (ni < notes.length) out.push(`  ${pad(notes[ni]![0])}  note: ${notes[ni++]![1]}`);
    if (s.kind === 'task' && this.tid <= 0 && this.goid <= 0) {
      // A pool task has no thread or goroutine of its own to total.
      out.push(`run ended at ${formatDuration(this.endNs)}`);
      return `${out.join('\n')}\n`;
    }
    const unit = s.kind === 'goroutine' || this.goid > 0 ? 'goroutine' : 'thread';
    out.push(
      `totals (${unit}): running ${formatDuration(this.runningNs)} in ${this.turns} turn${this.turns === 1 ? '' : 's'}, ` +
        `runnable ${formatDuration(this.runnableNs)}${this.throttledNs > 0 ? ` (throttled ${formatDuration(this.throttledNs)})` : ''}, ` +
        `waiting ${formatDuration(this.waitingNs)}; preempted ${this.preempted}×, blocked ${this.blocked}×; run ended at ${formatDuration(this.endNs)}`,
    );
    return `${out.join('\n')}\n`;
  }
}

/** The smallest and largest of a set of distinct ids, and how many. */
class IdRange {
  count = 0;
  min = Infinity;
  max = 0;
  add(id: number): void {
    this.count++;
    if (id < this.min) this.min = id;
    if (id > this.max) this.max = id;
  }
}

function pad(t: number): string {
  return formatDuration(t).padStart(10);
}
