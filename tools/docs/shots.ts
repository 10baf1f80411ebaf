/**
 * Regenerates the pictures of docs/concepts/: the plots (schedlab sweep / compare → SVG) and
 * the timeline screenshots (the web playground in headless Chromium, driven by playwright-core).
 *
 *   npx tsx tools/docs/shots.ts                 # everything (a few minutes)
 *   npx tsx tools/docs/shots.ts plots           # only the plots
 *   npx tsx tools/docs/shots.ts shots           # only the screenshots
 *   npx tsx tools/docs/shots.ts shots go-       # only pictures whose name contains "go-"
 *   npx tsx tools/docs/shots.ts probe EXAMPLE [VARIANT]   # print the timeline's lanes and a few slices
 *
 * Plots: each sweep/compare runs through the CLI (`node bin/schedlab.js ...`) into
 * tmp/docs/plots/NAME/ (its stdout is kept there as stdout.txt, which is what the pages
 * quote); the SVG is copied to docs/concepts/img/NAME.svg. A plot marked `log` is the same
 * sweep's plot.vl.json drawn again with a logarithmic y axis (rendered by src/node/plot.ts).
 *
 * Screenshots: the playground is built into tmp/docs/web (not dist/web, so that a build here
 * never races other work on the checkout), served by schedlab's own server on 127.0.0.1, and
 * each run is opened through a share link (#s=..., the same format as the page's "Share
 * link" button: base64url of deflate-raw of {"text","example","variant","seed"}). The script
 * waits for the run, folds the groups a picture does not need, zooms the timeline to the
 * picture's window, optionally clicks a slice to show its details and story, and screenshots
 * the timeline section into docs/concepts/img/NAME.png.
 *
 * Companions: tools/docs/verify.ts checks the command outputs quoted in the pages against real
 * runs; tools/docs/svg2png.ts renders SVG plots to PNG in Chromium, to look at them.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import { chromium, type Page } from 'playwright-core';
import type { TopLevelSpec } from 'vega-lite';
import { buildWeb, startUiServer } from '../../src/cli/ui.js';
import { parseDuration } from '../../src/engine/time.js';
import { renderSvg } from '../../src/node/plot.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const IMG = join(ROOT, 'docs', 'concepts', 'img');
const TMP = join(ROOT, 'tmp', 'docs');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

// ------------------------------------------------------------------------------------ plots

interface Plot {
  name: string;
  /** schedlab arguments (sweep or compare); --out and --quiet are added. */
  args: string[];
  /** Draw the sweep's plot again with a log y axis. */
  log?: boolean;
}

const HEAVY = [
  '--set',
  'workload.0={"arrivals":{"rate":"100/s","for":"5s","process":"poisson"},"name":"request","program":[{"compute":"1ms"},{"io":"2ms"},{"compute":"1ms"}]}',
  '--set',
  'workload.1={"arrivals":{"rate":"2/s","for":"5s","process":"poisson"},"name":"job","program":"job"}',
];

export const PLOTS: Plot[] = [
  {
    name: 'time-slices-sweep',
    args: ['sweep', 'examples/seed-time-slices.yaml', '--vary', 'workload.0.batch=200,400,600,800,1000', '--vary', 'os.quantum=1ms,10ms', '--metric', 'schedLatencyNs.max'],
  },
  {
    name: 'context-switching-sweep',
    args: ['sweep', 'examples/seed-context-switching.yaml', '--vary', 'workload.0.batch=1,2,5,10,20,50,100,200,500,1000', '--vary', 'os.minGranularity=1us,750us', '--set', 'workload.0.program.0.compute=5ms', '--set', 'variants=[]', '--metric', 'cpus.switchingShare'],
  },
  {
    name: 'cpu-vs-io-sweep',
    args: ['sweep', 'examples/seed-cpu-vs-io.yaml', '--vary', 'model=pool:1,pool:2,pool:4,pool:8,pool:16,pool:32,pool:64', '--vary', 'workload.0.program=cpu,io'],
  },
  {
    name: 'magic-number-sweep',
    args: ['sweep', 'examples/seed-magic-number.yaml', '--vary', 'model=pool:4,pool:8,pool:12,pool:16,pool:20,pool:24,pool:32,pool:40,pool:48,pool:64', '--vary', 'programs.job.1.io=4ms,9ms,19ms', '--metric', 'tasks.latencyNs.p50'],
  },
  {
    name: 'concurrency-vs-parallelism-sweep',
    args: ['sweep', 'examples/seed-concurrency-vs-parallelism.yaml', '--vary', 'machine.cpus=1,2,3,4,5,6,7,8', '--set', 'workload.0.batch=4', '--set', 'workload.1.batch=4'],
  },
  {
    name: 'preemption-rr-quantum-sweep',
    args: ['sweep', 'examples/seed-preemption.yaml', '--vary', 'os.quantum=1ms,2ms,4ms,6ms,8ms,10ms,15ms,20ms', '--set', 'os.policy=rr', '--metric', 'tasks.latencyNs.p50'],
  },
  {
    name: 'unpredictable-seeds-sweep',
    args: ['sweep', 'examples/seed-unpredictable.yaml', '--vary', 'machine.cpus=1,2,4', '--seeds', '10', '--metric', 'tasks.latencyNs.p50'],
  },
  {
    name: 'go-gmp-sweep',
    args: ['sweep', 'examples/go-work-stealing.yaml', '--vary', 'model=go:1,go:2,go:3,go:4,go:6,go:8', '--vary', 'machine.cpus=2,4,8'],
  },
  {
    name: 'work-stealing-sweep',
    args: ['sweep', 'examples/go-work-stealing.yaml', '--vary', 'workload.0.program.0.spawn.count=50,100,200,300,400,600,800,1000', '--vary', 'programs.task.0.compute=20us,200us', '--metric', 'go.stolenGs', '--best', 'max'],
  },
  {
    name: 'netpoller-compare',
    args: ['compare', 'examples/go-vs-threads.yaml', '--models', 'threads,pool:8,pool:32,go:2'],
  },
  {
    name: 'netpoller-sweep',
    args: ['sweep', 'examples/go-vs-threads.yaml', '--vary', 'workload.0.program.1.io=exp(1ms),exp(2ms),exp(5ms),exp(10ms),exp(20ms)', '--vary', 'model=pool:8,pool:32,threads,go:2', '--metric', 'tasks.latencyNs.p99'],
    log: true,
  },
  {
    name: 'syscalls-sweep',
    args: ['sweep', 'examples/go-blocking-syscalls.yaml', '--vary', 'workload.0.program.0.syscall=5us,10us,20us,50us,100us,1ms,10ms,100ms,1s', '--vary', 'model=go:1,go:4', '--set', 'variants=[]', '--metric', 'threads.created'],
    log: true,
  },
  {
    name: 'go-preemption-sweep',
    args: ['sweep', 'examples/go-preemption.yaml', '--vary', 'workload.0.batch=1,2,3,4', '--vary', 'go.asyncPreemptOff=false,true', '--set', 'model=go:2', '--metric', 'go.timerLatenessNs.max'],
    log: true,
  },
  {
    name: 'gomaxprocs-quota-light-sweep',
    args: ['sweep', 'examples/go-gomaxprocs-quota.yaml', '--vary', 'model=go:1,go:2,go:3,go:4,go:6,go:8,go:10', '--metric', 'tasks.latencyNs.p50'],
  },
  {
    name: 'gomaxprocs-quota-heavy-sweep',
    args: ['sweep', 'examples/go-gomaxprocs-quota.yaml', '--vary', 'model=go:1,go:2,go:3,go:4,go:5,go:6,go:8,go:10', '--vary', 'os.bandwidth.quota=200ms,1s', '--seeds', '5', ...HEAVY, '--metric', 'tasks.bySource.0.latencyNs.p99'],
    log: true,
  },
];

/** The sweep's own spec with a log y axis (the points and titles are unchanged). */
function logSpec(spec: TopLevelSpec): TopLevelSpec {
  const s = JSON.parse(JSON.stringify(spec)) as { title: string; layer: Array<{ encoding: { y: { scale?: Record<string, unknown>; title?: string } } }> };
  for (const l of s.layer) l.encoding.y.scale = { type: 'log' };
  s.title = `${s.title} (log scale)`;
  return s as unknown as TopLevelSpec;
}

async function makePlot(p: Plot): Promise<void> {
  const out = join(TMP, 'plots', p.name);
  mkdirSync(out, { recursive: true });
  const quiet = p.args[0] === 'sweep' ? ['--quiet'] : [];
  const cmd = ['bin/schedlab.js', ...p.args, ...quiet, '--out', out];
  const stdout = execFileSync('node', cmd, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 << 20 });
  writeFileSync(join(out, 'stdout.txt'), `$ schedlab ${p.args.map((a) => (/[ (){}"[\]]/.test(a) ? `'${a}'` : a)).join(' ')} --out DIR\n${stdout.split(out).join('DIR')}`);
  const file = p.args[0] === 'sweep' ? 'plot' : 'compare';
  if (p.log === true) {
    const spec = JSON.parse(readFileSync(join(out, `${file}.vl.json`), 'utf8')) as TopLevelSpec;
    writeFileSync(join(IMG, `${p.name}.svg`), await renderSvg(logSpec(spec)));
  } else {
    copyFileSync(join(out, `${file}.svg`), join(IMG, `${p.name}.svg`));
  }
  console.log(`plot ${p.name}: ${stdout.trim().split('\n').filter((l) => l.startsWith('best')).join(' | ') || 'ok'}`);
}

// ------------------------------------------------------------------------------ screenshots

interface Shot {
  name: string;
  example: string;
  variant?: string;
  seed?: number;
  /** Edits the example's text (the picture then shows "your scenario"). */
  edit?: (text: string) => string;
  /** Time window shown (durations: '10ms'). */
  from: string;
  to: string;
  /** Groups to fold, by name prefix ('Goroutines', 'Go Ms', ...). */
  fold?: string[];
  /** Lane to scroll to the top (by exact name). */
  scrollTo?: string;
  /** Height of the timeline canvas in CSS pixels (default: all lanes, at most 640). */
  height?: number;
  /** Click this lane at this time and show the details panel. */
  click?: { lane: string; at: string };
}

function patch(text: string, re: RegExp, to: string): string {
  if (!re.test(text)) throw new Error(`edit: ${String(re)} not found`);
  return text.replace(re, to);
}

export const SHOTS: Shot[] = [
  {
    name: 'time-slices-10-threads',
    example: 'seed-time-slices',
    edit: (t) => patch(t, /batch: 1000/, 'batch: 10'),
    from: '0',
    to: '300.1ms',
  },
  {
    name: 'time-slices-1000-threads',
    example: 'seed-time-slices',
    from: '9.96s',
    to: '10.03s',
    click: { lane: 'cpu#1', at: '9.97s' },
    height: 330,
  },
  { name: 'context-switching-cfs-1000', example: 'seed-context-switching', variant: 'cfs-1000', from: '200ms', to: '203ms', height: 160 },
  { name: 'context-switching-nocap-1000', example: 'seed-context-switching', variant: 'nocap-1000', from: '200ms', to: '200.1ms', height: 160 },
  { name: 'cpu-vs-io-cpu-8', example: 'seed-cpu-vs-io', variant: 'cpu-8', from: '0', to: '40ms' },
  { name: 'cpu-vs-io-io-8', example: 'seed-cpu-vs-io', variant: 'io-8', from: '0', to: '40ms' },
  { name: 'magic-number-pool4', example: 'seed-magic-number', variant: 'wait4ms-pool4', from: '0', to: '30ms' },
  { name: 'magic-number-pool64', example: 'seed-magic-number', variant: 'wait4ms-pool64', from: '0', to: '30ms', height: 330 },
  { name: 'concurrency-one-cpu', example: 'seed-concurrency-vs-parallelism', variant: 'one-cpu', from: '0', to: '101ms' },
  { name: 'concurrency-two-cpus', example: 'seed-concurrency-vs-parallelism', variant: 'two-cpus', from: '0', to: '101ms' },
  { name: 'preemption-fifo', example: 'seed-preemption', variant: 'fifo', from: '0', to: '50ms' },
  { name: 'preemption-cfs', example: 'seed-preemption', variant: 'cfs', from: '3ms', to: '15ms' },
  { name: 'unpredictable-seed-1', example: 'seed-unpredictable', from: '0', to: '24ms' },
  { name: 'unpredictable-seed-2', example: 'seed-unpredictable', seed: 2, from: '0', to: '24ms' },
  { name: 'go-gmp', example: 'go-work-stealing', variant: 'spawn-200', from: '0', to: '10.3ms', fold: ['Goroutines', 'Go scheduler counters'], height: 790 },
  { name: 'work-stealing', example: 'go-work-stealing', variant: 'spawn-200', from: '0', to: '1ms', fold: ['Goroutines', 'Go Ms', 'Hardware threads', 'go-work-stealing'], click: { lane: 'P1', at: '150us' } },
  { name: 'netpoller', example: 'go-vs-threads', variant: 'go-2', from: '500ms', to: '502ms', fold: ['Goroutines'] },
  { name: 'syscalls', example: 'go-blocking-syscalls', variant: 'syscall', from: '0', to: '100ms', fold: ['Hardware threads', 'go-blocking-syscalls', 'Go Ms', 'Goroutines'] },
  { name: 'syscalls-zoom', example: 'go-blocking-syscalls', variant: 'syscall', from: '0', to: '400us', fold: ['Hardware threads', 'go-blocking-syscalls', 'Go scheduler counters', 'Goroutines'], height: 560 },
  { name: 'go-preemption', example: 'go-preemption', variant: 'async-preemption', from: '0', to: '80ms', fold: ['Hardware threads', 'Go scheduler counters'] },
  { name: 'go-preemption-zoom', example: 'go-preemption', variant: 'async-preemption', from: '12.385ms', to: '12.405ms', fold: ['Hardware threads', 'Go scheduler counters'], click: { lane: 'G2 sleeper', at: '12.39ms' } },
  { name: 'go-preemption-off', example: 'go-preemption', variant: 'asyncpreemptoff', from: '0', to: '1.06s', fold: ['Hardware threads'] },
  { name: 'gomaxprocs-quota-heavy-10', example: 'go-gomaxprocs-quota', variant: 'heavy-gomaxprocs-10', from: '900ms', to: '1120ms', fold: ['Hardware threads', 'Go Ps', 'Go Ms', 'Goroutines'] },
  { name: 'gomaxprocs-quota-heavy-2', example: 'go-gomaxprocs-quota', variant: 'heavy-gomaxprocs-2', from: '900ms', to: '1120ms', fold: ['Hardware threads', 'Go Ms', 'Goroutines'] },
];

function shareFragment(run: { text: string; example?: string; variant?: string; seed?: number }): string {
  return '#s=' + deflateRawSync(Buffer.from(JSON.stringify(run), 'utf8')).toString('base64url');
}

const ns = (d: string): number => (d === '0' ? 0 : Number(parseDuration(d)));

interface PageHooks {
  __schedlab: {
    renderer: {
      t0: number;
      t1: number;
      scrollY: number;
      rows: Array<{ kind: string; y: number; h: number; track: { id: number; name: string } }>;
      totalH: number;
      toggle(id: number): void;
      draw(): number;
      data: { endNs: number; strings: string[]; tracks: Array<{ name: string; n: number; start: Float64Array; end: Float64Array; label: Int32Array; ni: number; it: Float64Array; iname: Int32Array; nc: number; ct: Float64Array; cv: Float64Array }> } | null;
    };
  };
}

async function openRun(page: Page, url: string, s: Pick<Shot, 'example' | 'variant' | 'seed' | 'edit'>): Promise<void> {
  const original = readFileSync(join(ROOT, 'examples', `${s.example}.yaml`), 'utf8');
  const text = s.edit !== undefined ? s.edit(original) : original;
  const run = { text, ...(s.edit === undefined ? { example: s.example } : {}), ...(s.variant !== undefined ? { variant: s.variant } : {}), ...(s.seed !== undefined ? { seed: s.seed } : {}) };
  await page.goto('about:blank');
  await page.goto(url + shareFragment(run));
  await page.waitForSelector('.app[data-ready=true]');
  await page.waitForSelector('#status:is([data-state=done], [data-state=failed], [data-state=invalid])', { timeout: 300_000 });
  const state = await page.getAttribute('#status', 'data-state');
  if (state !== 'done') throw new Error(`${s.example}: run ${state ?? '?'}: ${(await page.textContent('#status')) ?? ''}`);
  await page.waitForSelector('#timeline[data-painted]');
}

async function takeShot(page: Page, url: string, s: Shot): Promise<void> {
  await openRun(page, url, s);
  // Fold groups, then size the canvas to the lanes left (or the height asked for).
  const totalH = await page.evaluate((fold) => {
    const r = (globalThis as unknown as PageHooks).__schedlab.renderer;
    for (const prefix of fold) {
      const row = r.rows.find((x) => x.kind === 'group' && x.track.name.startsWith(prefix));
      if (row !== undefined) r.toggle(row.track.id);
    }
    return r.totalH;
  }, s.fold ?? []);
  const h = s.height ?? Math.min(800, totalH + 26);
  await page.addStyleTag({ content: `.timeline { height: ${h}px !important; } ${s.click === undefined ? '.details { display: none !important; }' : '.details { max-height: none !important; width: 400px !important; }'}` });
  await page.waitForTimeout(300);
  const view = { t0: ns(s.from), t1: ns(s.to), scrollTo: s.scrollTo ?? null };
  await page.evaluate((v) => {
    const r = (globalThis as unknown as PageHooks).__schedlab.renderer;
    r.t0 = v.t0;
    r.t1 = v.t1;
    if (v.scrollTo !== null) {
      const row = r.rows.find((x) => x.track.name === v.scrollTo);
      if (row !== undefined) r.scrollY = row.y;
    }
    r.draw();
  }, view);
  if (s.click !== undefined) {
    const at = await page.evaluate(
      (c) => {
        const r = (globalThis as unknown as PageHooks).__schedlab.renderer;
        const row = r.rows.find((x) => x.kind === 'slices' && x.track.name === c.lane);
        if (row === undefined) return null;
        const canvas = document.querySelector('#timeline')!;
        const w = canvas.getBoundingClientRect().width;
        const x = 190 + ((c.at - r.t0) / (r.t1 - r.t0)) * (w - 190);
        return { x, y: 24 + row.y - r.scrollY + row.h / 2 };
      },
      { lane: s.click.lane, at: ns(s.click.at) },
    );
    if (at === null) throw new Error(`${s.name}: no lane ${s.click.lane}`);
    // The whole canvas must be in view: focusing it on mousedown would otherwise scroll the
    // page between mousedown and mouseup, and the click would land on another lane.
    await page.evaluate(() => document.querySelector('section.bottom')!.scrollIntoView({ block: 'start' }));
    await page.locator('#timeline').click({ position: at });
    await page.waitForSelector('#details[data-ready=story]', { timeout: 120_000 });
    await page.mouse.move(0, 0);
    await page.evaluate(() => (globalThis as unknown as PageHooks).__schedlab.renderer.draw());
  }
  await page.waitForTimeout(100);
  await page.locator('section.bottom').screenshot({ path: join(IMG, `${s.name}.png`) });
  console.log(`shot ${s.name}`);
}

async function probe(page: Page, url: string, example: string, variant?: string): Promise<void> {
  await openRun(page, url, { example, ...(variant !== undefined ? { variant } : {}) });
  const info = await page.evaluate(() => {
    const r = (globalThis as unknown as PageHooks).__schedlab.renderer;
    const d = r.data!;
    const out: string[] = [`end ${d.endNs}`];
    for (const row of r.rows.slice(0, 120)) {
      const t = d.tracks.find((x) => x.name === row.track.name);
      let extra = '';
      if (t !== undefined && t.n > 0) {
        const k = Math.min(t.n, 6);
        extra = Array.from({ length: k }, (_, i) => `${d.strings[t.label[i]!]}@${t.start[i]}-${t.end[i]}`).join(' ');
      } else if (t !== undefined && t.nc > 0) {
        extra = Array.from({ length: Math.min(t.nc, 8) }, (_, i) => `${t.cv[i]}@${t.ct[i]}`).join(' ');
      }
      out.push(`${row.kind} ${row.track.name} ${extra}`.slice(0, 400));
    }
    return out.join('\n');
  });
  console.log(info);
}

// ------------------------------------------------------------------------------------ main

const [what = 'all', filter = '', extra] = process.argv.slice(2);
mkdirSync(IMG, { recursive: true });
mkdirSync(TMP, { recursive: true });

if (what === 'plots' || what === 'all') {
  for (const p of PLOTS) if (p.name.includes(filter)) await makePlot(p);
}
if (what === 'shots' || what === 'all' || what === 'probe') {
  const webOut = join(TMP, 'web');
  await buildWeb(webOut);
  const server = await startUiServer(webOut);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1240, height: 1200 } });
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    if (what === 'probe') await probe(page, server.url, filter, extra);
    else for (const s of SHOTS) if (s.name.includes(filter)) await takeShot(page, server.url, s);
  } finally {
    await browser.close();
    await server.close();
  }
}
