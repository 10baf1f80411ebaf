/**
 * The playground page: example picker, scenario editor, run controls (seed, model, variant,
 * Run / Cancel with progress), the figures, the variant comparison, the timeline and the
 * details ("why") of the selected slice, share links and trace downloads.
 */
import { signal, computed, batch } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { formatDuration } from '../../src/engine/time.js';
import { modelName } from '../../src/exec/model.js';
import type { RunResult, SimConfig } from '../../src/sim.js';
import type { LocatedIssue } from '../../src/workload/scenario.js';
import { groupDigits } from '../../src/workload/scenario-text.js';
import { Editor } from './editor.js';
import { EXAMPLES } from './examples.js';
import { Summary, Variants, type VariantResult } from './metrics.js';
import type { FromWorker, StorySubject, ToWorker } from './protocol.js';
import { check } from './scenario.js';
import { decodeShare, encodeShare } from './share.js';
import { syntheticTimeline } from './timeline/synthetic.js';
import type { TimelineData } from './timeline/data.js';
import type { Hit, TimelineRenderer } from './timeline/render.js';
import { Timeline } from './timeline/view.js';

// ---------------------------------------------------------------- state

const DEFAULT_EXAMPLE = EXAMPLES.find((e) => e.name === 'seed-preemption') ?? EXAMPLES[0]!;

const text = signal(DEFAULT_EXAMPLE.text);
const example = signal<string | null>(DEFAULT_EXAMPLE.name);
const seedText = signal('');
const modelText = signal('');
const variant = signal<string | null>(null);
const shareError = signal('');
const shareLink = signal('');

type RunState = 'idle' | 'running' | 'done' | 'cancelled' | 'failed' | 'invalid';
const state = signal<RunState>('idle');
const message = signal('');
const progress = signal<{ run: number; runs: number; name: string; simNs: number; events: number } | null>(null);
const runIssues = signal<LocatedIssue[]>([]);
const traced = signal<{ name: string | null; result: RunResult; config: SimConfig } | null>(null);
const variantResults = signal<Array<VariantResult | undefined>>([]);
const timeline = signal<TimelineData | null>(null);
const selection = signal<{ hit: Hit; name: string; args: Record<string, string | number> | null; argsReady: boolean; story: string | null; subject: StorySubject | null } | null>(null);
const downloading = signal('');

const fileName = computed(() => (example.value !== null ? `${example.value}.yaml` : 'scenario.yaml'));

function seedValue(): { seed?: number; bad?: string } {
  const s = seedText.value.trim();
  if (s === '') return {};
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) return { bad: `seed ${s}: a seed is an integer from 0 to 4294967295` };
  return { seed: n };
}

/** Live validation of the editor's text with the overrides (the CLI's loader). */
const checked = computed(() => {
  const sv = seedValue();
  const opts: { seed?: number; model?: string } = {};
  if (sv.seed !== undefined) opts.seed = sv.seed;
  if (modelText.value.trim() !== '') opts.model = modelText.value.trim();
  const c = check(text.value, fileName.value, opts);
  if (sv.bad !== undefined) {
    const issue: LocatedIssue = { where: 'seed', path: '', message: sv.bad };
    return c.ok ? { ok: false as const, issues: [issue] } : { ok: false as const, issues: [issue, ...c.issues] };
  }
  return c;
});

/** Timings of the last run (for the page's own measurements; read by the e2e tests). */
export const timings = { runAt: 0, timelineAt: 0, firstPaintAt: 0, firstFrameMs: 0, runMs: 0, slices: 0, doneAt: 0 };

// ---------------------------------------------------------------- worker

/**
 * Two workers at most: `runner` runs the current run; `answerer` holds the run shown on the
 * timeline and answers questions about it (details, stories, trace files). A run's worker
 * becomes the answerer when its timeline arrives, so cancelling a run keeps the run shown
 * (and its answers) as it was.
 */
let runner: Worker | null = null;
let answerer: Worker | null = null;
const canAsk = signal(false);
/** A worker started in advance, its code already loaded, for the next run. */
let spare: Worker | null = null;
let reqSeq = 0;

function makeWorker(): Worker {
  return new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
}

function prewarm(): void {
  spare ??= makeWorker();
}
const pending = new Map<number, { resolve: (m: FromWorker) => void; reject: (e: Error) => void }>();

function dropPending(why: string): void {
  for (const [, p] of pending) p.reject(new Error(why));
  pending.clear();
}

function ask<T extends FromWorker>(make: (req: number) => ToWorker): Promise<T> {
  return new Promise((resolve, reject) => {
    if (answerer === null) {
      reject(new Error('no run to ask about (run the scenario again)'));
      return;
    }
    const req = ++reqSeq;
    pending.set(req, { resolve: (m) => resolve(m as T), reject });
    answerer.postMessage(make(req));
  });
}

function runFailed(text: string): void {
  if (runner !== answerer) runner?.terminate();
  runner = null;
  setTimeout(prewarm, 0);
  batch(() => {
    state.value = 'failed';
    progress.value = null;
    message.value = text;
  });
}

function onWorker(w: Worker, m: FromWorker): void {
  if (m.type === 'details' || m.type === 'story' || m.type === 'trace' || m.type === 'error') {
    const p = pending.get(m.req);
    pending.delete(m.req);
    if (m.type === 'error') p?.reject(new Error(m.message));
    else p?.resolve(m);
    return;
  }
  if (w !== runner) return;
  switch (m.type) {
    case 'invalid':
      if (runner !== answerer) runner.terminate();
      runner = null;
      setTimeout(prewarm, 0);
      batch(() => {
        state.value = 'invalid';
        progress.value = null;
        runIssues.value = m.issues;
        message.value = 'the scenario has problems: see the editor';
      });
      return;
    case 'failed':
      runFailed(m.message);
      return;
    case 'started':
      batch(() => {
        variant.value = m.traced;
        if (m.only && variantResults.value.length === m.variants.length) return;
        variantResults.value = m.variants.map(() => undefined);
      });
      return;
    case 'progress':
      progress.value = { run: m.run, runs: m.runs, name: m.name, simNs: m.simNs, events: m.events };
      return;
    case 'timeline':
      timings.timelineAt = performance.now();
      timings.runMs = m.runMs;
      timings.slices = m.data.slices;
      if (answerer !== null && answerer !== w) {
        dropPending('a new run replaced the one asked about');
        answerer.terminate();
      }
      answerer = w;
      batch(() => {
        canAsk.value = true;
        traced.value = { name: m.name, result: m.result, config: m.config };
        timeline.value = m.data;
        selection.value = null;
      });
      return;
    case 'variant': {
      const a = variantResults.value.slice();
      a[m.index] = { name: m.name, result: m.result };
      variantResults.value = a;
      return;
    }
    case 'done':
      timings.doneAt = performance.now();
      runner = null;
      setTimeout(prewarm, 0);
      batch(() => {
        state.value = 'done';
        progress.value = null;
        message.value = `finished in ${Math.round(m.ms)} ms`;
      });
      return;
  }
}

function startRun(only = false): void {
  const c = checked.value;
  if (!c.ok) {
    batch(() => {
      state.value = 'invalid';
      runIssues.value = c.issues;
      message.value = 'the scenario has problems: see the editor';
    });
    return;
  }
  if (runner !== null && runner !== answerer) runner.terminate();
  const w = spare ?? makeWorker();
  spare = null;
  runner = w;
  w.onmessage = (e: MessageEvent<FromWorker>) => onWorker(w, e.data);
  w.onerror = (e) => {
    e.preventDefault();
    if (w === runner) runFailed(e.message || 'the worker failed');
    else if (w === answerer) dropPending(e.message || 'the worker failed');
  };
  const sv = seedValue();
  const names = c.scenario.variants.map((v) => v.name);
  const v = variant.value !== null && names.includes(variant.value) ? variant.value : undefined;
  timings.runAt = performance.now();
  timings.firstPaintAt = 0;
  timings.timelineAt = 0;
  timings.doneAt = 0;
  batch(() => {
    state.value = 'running';
    runIssues.value = [];
    message.value = '';
    progress.value = { run: 1, runs: Math.max(1, names.length), name: v ?? names[0] ?? c.scenario.name, simNs: 0, events: 0 };
    if (!only) variantResults.value = [];
  });
  const msg: ToWorker = { type: 'run', text: text.value, file: fileName.value };
  if (sv.seed !== undefined) msg.seed = sv.seed;
  if (modelText.value.trim() !== '') msg.model = modelText.value.trim();
  if (v !== undefined) msg.variant = v;
  if (only) msg.only = true;
  w.postMessage(msg);
}

/** Stops the running simulation; the run shown before stays (with its answers). */
function cancel(): void {
  if (runner !== null && runner !== answerer) runner.terminate();
  runner = null;
  setTimeout(prewarm, 0);
  batch(() => {
    state.value = 'cancelled';
    progress.value = null;
    message.value = 'cancelled';
  });
}

function subjectOf(hit: Hit, name: string, args: Record<string, string | number> | null): StorySubject | null {
  const t = hit.track;
  if (t.tid !== undefined) return { kind: 'thread', id: t.tid };
  if (args !== null && typeof args.g === 'number' && /^G\d+/.test(name)) return { kind: 'goroutine', id: args.g };
  const g = /^G(\d+) /.exec(t.name);
  if (g !== null) return { kind: 'goroutine', id: Number(g[1]) };
  if (args !== null && typeof args.tid === 'number') return { kind: 'thread', id: args.tid };
  // A scheduler decision about a goroutine ("subject": "G12").
  const d = args !== null && typeof args.subject === 'string' ? /^G(\d+)$/.exec(args.subject) : null;
  if (d !== null) return { kind: 'goroutine', id: Number(d[1]) };
  return null;
}

async function select(hit: Hit | null): Promise<void> {
  const data = timeline.value;
  if (hit === null || data === null) {
    selection.value = null;
    return;
  }
  const name = hit.index >= 0 ? data.strings[hit.track.label[hit.index]!]! : data.strings[hit.track.iname[-1 - hit.index]!]!;
  selection.value = { hit, name, args: null, argsReady: false, story: null, subject: null };
  try {
    const d = await ask<Extract<FromWorker, { type: 'details' }>>((req) => ({ type: 'details', req, track: hit.track.id, index: hit.index, start: hit.start, end: hit.end }));
    if (selection.value?.hit !== hit) return;
    const subject = subjectOf(hit, name, d.args);
    selection.value = { ...selection.value, args: d.args, argsReady: true, subject };
    if (subject === null) return;
    const at = Math.floor((hit.start + hit.end) / 2);
    const s = await ask<Extract<FromWorker, { type: 'story' }>>((req) => ({ type: 'story', req, subject, at }));
    if (selection.value?.hit !== hit) return;
    selection.value = { ...selection.value, story: s.text };
  } catch (e) {
    if (selection.value?.hit === hit) selection.value = { ...selection.value, argsReady: true, story: e instanceof Error ? e.message : String(e) };
  }
}

async function download(format: 'json' | 'proto'): Promise<void> {
  downloading.value = format;
  try {
    const t = await ask<Extract<FromWorker, { type: 'trace' }>>((req) => ({ type: 'trace', req, format }));
    const url = URL.createObjectURL(t.blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = t.name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  } catch (e) {
    message.value = e instanceof Error ? e.message : String(e);
  } finally {
    downloading.value = '';
  }
}

async function share(): Promise<void> {
  const sv = seedValue();
  const run: Parameters<typeof encodeShare>[0] = { text: text.value };
  if (example.value !== null) run.example = example.value;
  if (sv.seed !== undefined) run.seed = sv.seed;
  if (modelText.value.trim() !== '') run.model = modelText.value.trim();
  if (variant.value !== null) run.variant = variant.value;
  const frag = await encodeShare(run);
  const url = `${location.href.split('#')[0]}#${frag}`;
  history.replaceState(null, '', `#${frag}`);
  shareLink.value = url;
  try {
    await navigator.clipboard.writeText(url);
  } catch {
    // the link is shown in the page anyway
  }
}

async function loadFromFragment(): Promise<boolean> {
  const frag = location.hash.replace(/^#/, '');
  if (frag === '') return false;
  try {
    const run = await decodeShare(frag);
    if (run === null) return false;
    batch(() => {
      text.value = run.text;
      example.value = run.example !== undefined && EXAMPLES.some((e) => e.name === run.example && e.text === run.text) ? run.example : null;
      seedText.value = run.seed !== undefined ? String(run.seed) : '';
      modelText.value = run.model ?? '';
      variant.value = run.variant ?? null;
      shareLink.value = location.href;
    });
    return true;
  } catch (e) {
    shareError.value = `the shared link could not be read: ${e instanceof Error ? e.message : String(e)}`;
    return false;
  }
}

function pickExample(name: string): void {
  const ex = EXAMPLES.find((e) => e.name === name);
  if (ex === undefined) return;
  batch(() => {
    example.value = ex.name;
    text.value = ex.text;
    seedText.value = '';
    modelText.value = '';
    variant.value = null;
    runIssues.value = [];
    if (state.value === 'invalid') state.value = 'idle';
  });
}

// ---------------------------------------------------------------- test and measurement hooks

let renderer: TimelineRenderer | null = null;
declare global {
  interface Window {
    __schedlab?: unknown;
  }
}
window.__schedlab = {
  timings,
  get renderer() {
    return renderer;
  },
  /** Draws one frame synchronously and returns its time in ms. */
  draw: () => renderer?.draw() ?? 0,
  /** Shows a synthetic timeline of `lanes` × `perLane` slices (for measuring frame times). */
  loadSynthetic: (lanes: number, perLane: number) => {
    const data = syntheticTimeline(lanes, perLane);
    batch(() => {
      traced.value = null;
      selection.value = null;
      timeline.value = data;
    });
    return data.slices;
  },
};

// ---------------------------------------------------------------- components

function Picker() {
  const ex = EXAMPLES.find((e) => e.name === example.value);
  return (
    <section class="picker">
      <label>
        example{' '}
        <select id="example" value={example.value ?? ''} onChange={(e) => pickExample((e.currentTarget).value)}>
          {example.value === null && <option value="">(your scenario)</option>}
          {EXAMPLES.map((e) => (
            <option key={e.name} value={e.name} title={e.summary}>
              {e.name}
            </option>
          ))}
        </select>
      </label>
      <p id="example-description" class="description">
        {ex !== undefined ? ex.description : 'A scenario of your own (or an edited example).'}
      </p>
    </section>
  );
}

function modelText0(m: SimConfig['model']): string {
  return typeof m === 'string' ? m : modelName(m);
}

function Controls() {
  const c = checked.value;
  const names = c.ok ? c.scenario.variants.map((v) => v.name) : [];
  const baseSeed = c.ok ? String(c.scenario.config.seed >>> 0) : '';
  const running = state.value === 'running';
  const p = progress.value;
  return (
    <section class="controls">
      <div class="row">
        <label>
          seed <input id="seed" type="text" inputMode="numeric" size={8} placeholder={baseSeed} value={seedText.value} onInput={(e) => (seedText.value = (e.currentTarget).value)} />
        </label>
        <label>
          model{' '}
          <input id="model" type="text" size={7} list="models" placeholder={c.ok ? modelText0(c.scenario.config.model) : ''} value={modelText.value} onInput={(e) => (modelText.value = (e.currentTarget).value)} />
          <datalist id="models">
            {['threads', 'pool:2', 'pool:4', 'pool:8', 'go:1', 'go:2', 'go:4'].map((m) => (
              <option key={m} value={m} />
            ))}
          </datalist>
        </label>
        {names.length > 0 && (
          <label>
            variant{' '}
            <select id="variant" value={variant.value ?? names[0]} onChange={(e) => (variant.value = (e.currentTarget).value)}>
              {names.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </label>
        )}
        <button id="run" type="button" class="primary" disabled={running} onClick={() => startRun()}>
          Run
        </button>
        <button id="cancel" type="button" disabled={!running} onClick={cancel}>
          Cancel
        </button>
      </div>
      <div id="status" class={`status ${state.value}`} data-state={state.value}>
        {running && <progress id="progress" />}
        <span>
          {running && p !== null
            ? `running ${p.name}${p.runs > 1 ? ` (${p.run} of ${p.runs})` : ''}${p.events > 0 ? ` · simulated ${formatDuration(p.simNs)} · ${groupDigits(p.events)} trace events` : ''}`
            : message.value}
        </span>
      </div>
      <div class="row">
        <button id="share" type="button" onClick={() => void share()}>
          Share link
        </button>
        <button id="download-pftrace" type="button" disabled={traced.value === null || !canAsk.value || downloading.value !== ''} onClick={() => void download('proto')}>
          Perfetto trace (.pftrace)
        </button>
        <button id="download-json" type="button" disabled={traced.value === null || !canAsk.value || downloading.value !== ''} onClick={() => void download('json')}>
          (.json)
        </button>
      </div>
      {shareLink.value !== '' && <input id="share-link" class="share-link" readOnly value={shareLink.value} onFocus={(e) => (e.currentTarget).select()} />}
      {shareError.value !== '' && <p class="error">{shareError.value}</p>}
    </section>
  );
}

function Results() {
  const t = traced.value;
  return (
    <section class="results">
      {t === null ? <p class="hint">Run the scenario to see its figures, the timeline and the "why" of every slice.</p> : <Summary result={t.result} config={t.config} name={t.name} />}
    </section>
  );
}

function Comparison() {
  const rows = variantResults.value.filter((x): x is VariantResult => x !== undefined);
  if (rows.length < 2) return null;
  return (
    <section class="comparison">
      <h2>variants</h2>
      <Variants
        rows={rows}
        selected={variant.value}
        onPick={(n) => {
          variant.value = n;
          startRun(true);
        }}
      />
    </section>
  );
}

const ARG_LABEL: Record<string, string> = { why: 'why it began', cause: 'what happened', next: 'why it ended' };

function Details() {
  const s = selection.value;
  if (s === null) {
    return (
      <aside id="details" class="details" data-ready="none">
        <p class="hint">Click a slice on the timeline: its times, why it began, what it waited for or ran, why it ended, and the story of its thread or goroutine around that moment.</p>
      </aside>
    );
  }
  const h = s.hit;
  const instant = h.index < 0;
  return (
    <aside
      id="details"
      class="details"
      data-ready={s.argsReady ? (s.subject === null || s.story !== null ? 'story' : 'args') : 'no'}
      data-track={h.track.name}
      data-start={h.start}
      data-end={h.end}
    >
      <h3 id="details-title">{s.name}</h3>
      <dl>
        <dt>lane</dt>
        <dd>{h.track.name}</dd>
        <dt>{instant ? 'at' : 'from'}</dt>
        <dd>{formatDuration(h.start)}</dd>
        {!instant && (
          <>
            <dt>to</dt>
            <dd>{formatDuration(h.end)}</dd>
            <dt>duration</dt>
            <dd id="details-duration">{formatDuration(h.end - h.start)}</dd>
          </>
        )}
        {s.args !== null &&
          Object.entries(s.args).map(([k, v]) => (
            <>
              <dt key={`k${k}`}>{ARG_LABEL[k] ?? k}</dt>
              <dd key={`v${k}`} class={`arg-${k}`}>
                {String(v)}
              </dd>
            </>
          ))}
      </dl>
      {!s.argsReady && <p class="hint">loading details…</p>}
      {s.subject !== null && (
        <div class="story">
          <h4>
            story of {s.subject.kind === 'thread' ? `thread T${s.subject.id}` : `goroutine G${s.subject.id}`} at {formatDuration(Math.floor((h.start + h.end) / 2))}
          </h4>
          {s.story === null ? <p class="hint">replaying the run for its story…</p> : <pre id="story">{s.story}</pre>}
        </div>
      )}
    </aside>
  );
}

export function App() {
  useEffect(() => {
    void loadFromFragment().then((shared) => {
      if (shared) startRun();
      else prewarm();
    });
  }, []);
  const c = checked.value;
  const issues = c.ok ? (state.value === 'invalid' ? runIssues.value : []) : c.issues;
  const data = timeline.value;
  return (
    <div class="app" data-ready="true">
      <header>
        <h1>
          schedlab <span>playground</span>
        </h1>
        <Picker />
      </header>
      <main>
        <div class="left">
          <Editor
            text={text.value}
            issues={issues}
            onInput={(t) => {
              batch(() => {
                text.value = t;
                if (example.value !== null && EXAMPLES.find((e) => e.name === example.value)?.text !== t) example.value = null;
              });
            }}
          />
          <Controls />
        </div>
        <div class="right">
          <Results />
        </div>
      </main>
      <Comparison />
      <section class="bottom">
        <div class="tl-head">
          <h2>timeline</h2>
          {data !== null && (
            <span id="timeline-info">
              {traced.value?.name !== null && traced.value?.name !== undefined ? `variant ${traced.value.name} · ` : ''}
              {groupDigits(data.slices)} slices on {groupDigits(data.tracks.filter((t) => t.n > 0).length)} lanes · {formatDuration(data.endNs)} simulated
            </span>
          )}
          <span class="legend">
            <i class="c-running" /> running <i class="c-runnable" /> runnable <i class="c-waiting" /> waiting <i class="c-switch" /> context switch <i class="c-syscall" /> syscall <i class="c-idle" /> idle P
          </span>
        </div>
        <div class="tl-body">
          <Timeline
            data={data}
            onSelect={(h) => void select(h)}
            onFirstPaint={(at, ms) => {
              timings.firstPaintAt = at;
              timings.firstFrameMs = ms;
            }}
            onRenderer={(r) => (renderer = r)}
          />
          <Details />
        </div>
      </section>
    </div>
  );
}
