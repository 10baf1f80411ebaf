/**
 * The simulation worker: loads the scenario text with the CLI's loader and validation, runs
 * the chosen variant with a trace into the timeline's typed arrays, then the other variants
 * for the comparison, posting progress as it goes. The page cancels a run by terminating the
 * worker. After a run the worker stays to answer questions about it: a slice's details, the
 * story of a thread or goroutine ("why", as `schedlab explain` tells it), and the Perfetto
 * trace file; each of those replays the same deterministic run when it needs more than what
 * was kept.
 */
import { modelName, parseModel } from '../../src/exec/model.js';
import { simulate, type RunResult, type SimConfig } from '../../src/sim.js';
import type { ChunkWriter, TraceMeta } from '../../src/trace/encoder.js';
import type { TraceEvent, TraceSink } from '../../src/trace/events.js';
import { ExplainSink } from '../../src/trace/explain.js';
import { JsonEncoder } from '../../src/trace/perfetto-json.js';
import { ProtoEncoder } from '../../src/trace/perfetto-proto.js';
import { PerfettoSink } from '../../src/trace/perfetto.js';
import { loadScenario, ScenarioError, type LoadedScenario } from '../../src/workload/scenario.js';
import { overridesOf } from './scenario.js';
import type { FromWorker, RunRequest, ToWorker } from './protocol.js';
import { FindSliceEncoder, TimelineEncoder } from './timeline/collect.js';
import { timelineBuffers } from './timeline/data.js';

interface WorkerScope {
  postMessage(msg: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
}
const scope = self as unknown as WorkerScope;
const post = (msg: FromWorker, transfer: Transferable[] = []): void => scope.postMessage(msg, transfer);

/** The traced run, kept for questions about it. */
let current: { config: SimConfig; encoder: TimelineEncoder; name: string | null } | null = null;

const PROGRESS_EVERY = 16_384;

/** Counts events on their way to the real sink and reports progress now and then. */
class ProgressSink implements TraceSink {
  private n = 0;
  constructor(
    private readonly inner: TraceSink,
    private readonly report: (simNs: number, events: number) => void,
  ) {}
  emit(ev: TraceEvent): void {
    if (++this.n % PROGRESS_EVERY === 0) this.report(ev.t, this.n);
    this.inner.emit(ev);
  }
  close(endNs: number): void {
    this.inner.close?.(endNs);
  }
}

function metaOf(config: SimConfig): TraceMeta {
  const model = typeof config.model === 'string' ? modelName(parseModel(config.model)) : modelName(config.model);
  return { scenario: config.name, seed: config.seed >>> 0, model, policy: config.os.policy, cpus: config.machine.cpus };
}

function run(req: RunRequest): void {
  const t0 = performance.now();
  let s: LoadedScenario;
  try {
    s = loadScenario(req.text, req.file, { overrides: overridesOf(req) });
  } catch (e) {
    if (e instanceof ScenarioError) {
      post({ type: 'invalid', issues: e.issues });
      return;
    }
    throw e;
  }
  const names = s.variants.map((v) => v.name);
  let tracedIndex = -1;
  if (s.variants.length > 0) {
    tracedIndex = req.variant !== undefined ? names.indexOf(req.variant) : 0;
    if (tracedIndex < 0) tracedIndex = 0;
  }
  const traced = tracedIndex >= 0 ? s.variants[tracedIndex]! : null;
  const config = traced !== null ? traced.config : s.config;
  const only = req.only === true;
  const runs = only ? 1 : Math.max(1, s.variants.length);
  post({ type: 'started', variants: names, traced: traced?.name ?? null, runs, only });

  const encoder = new TimelineEncoder();
  const perfetto = new PerfettoSink(encoder, metaOf(config), { why: true });
  const name = traced?.name ?? s.name;
  const sink = new ProgressSink(perfetto, (simNs, events) => post({ type: 'progress', run: 1, runs, name, simNs, events }));
  const r0 = performance.now();
  const result = simulate(config, { trace: sink });
  const runMs = performance.now() - r0;
  const data = encoder.finish();
  current = { config, encoder, name: traced?.name ?? null };
  post({ type: 'timeline', name: traced?.name ?? null, result, config, data, runMs }, timelineBuffers(data.tracks));

  // The other variants, for the comparison (untraced: their figures only).
  let k = 1;
  s.variants.forEach((v, i) => {
    if (only && i !== tracedIndex) return;
    let r: RunResult;
    if (i === tracedIndex) r = result;
    else {
      post({ type: 'progress', run: ++k, runs, name: v.name, simNs: 0, events: 0 });
      r = simulate(v.config);
    }
    post({ type: 'variant', index: i, name: v.name, result: r });
  });
  post({ type: 'done', ms: performance.now() - t0 });
}

function details(track: number, index: number, start: number, end: number): { args: Record<string, string | number> | null; replayed: boolean } {
  if (current === null) return { args: null, replayed: false };
  const kept = current.encoder.details(track, index);
  if (kept !== undefined) return { args: kept, replayed: false };
  const find = new FindSliceEncoder(track, start, end);
  simulate(current.config, { trace: new PerfettoSink(find, metaOf(current.config), { why: true }) });
  return { args: find.found ?? null, replayed: true };
}

function story(subject: { kind: 'thread' | 'goroutine'; id: number }, at: number): string {
  if (current === null) return '';
  const c = current.config;
  const sink = new ExplainSink(subject, { at });
  const r = simulate(c, { trace: sink });
  const header = `scenario ${c.name}${current.name !== null ? ` (variant ${current.name})` : ''}, seed ${r.seed}, model ${r.model}, policy ${r.policy}, ${c.machine.cpus} hardware thread${c.machine.cpus === 1 ? '' : 's'}`;
  return sink.render(header);
}

function trace(format: 'json' | 'proto'): { blob: Blob; name: string } {
  if (current === null) throw new Error('no run yet');
  const c = current.config;
  const chunks: BlobPart[] = [];
  const writer: ChunkWriter = {
    write(chunk) {
      chunks.push(typeof chunk === 'string' ? chunk : chunk.slice());
    },
  };
  const enc = format === 'json' ? new JsonEncoder(writer) : new ProtoEncoder(writer);
  simulate(c, { trace: new PerfettoSink(enc, metaOf(c), { why: true }) });
  const base = `${c.name}${current.name !== null ? `-${current.name}` : ''}-seed${c.seed >>> 0}`;
  const name = format === 'json' ? `${base}.json` : `${base}.pftrace`;
  return { blob: new Blob(chunks, { type: format === 'json' ? 'application/json' : 'application/octet-stream' }), name };
}

const errorText = (err: unknown): string => (err instanceof Error ? `${err.name}: ${err.message}` : String(err));

scope.onmessage = (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  if (m.type !== 'run') {
    try {
      answer(m);
    } catch (err) {
      post({ type: 'error', req: m.req, message: errorText(err) });
    }
    return;
  }
  try {
    run(m);
  } catch (err) {
    post({ type: 'failed', message: errorText(err) });
  }
};

function answer(m: Exclude<ToWorker, RunRequest>): void {
  switch (m.type) {
    case 'details': {
      const d = details(m.track, m.index, m.start, m.end);
      post({ type: 'details', req: m.req, args: d.args, replayed: d.replayed });
      return;
    }
    case 'story':
      post({ type: 'story', req: m.req, text: story(m.subject, m.at) });
      return;
    case 'trace': {
      const t = trace(m.format);
      post({ type: 'trace', req: m.req, blob: t.blob, name: t.name });
      return;
    }
  }
}
