/**
 * The web playground in headless Chromium: pick an example, run it, compare the figures with
 * the CLI's for the same scenario and seed, zoom and pan the timeline, click slices and read
 * their details and "why" (checked against a trace of the same run made here), edit the
 * scenario into an invalid one and see the error at its line, share links, the Perfetto
 * download (byte-identical to the trace written here) and cancelling a run.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/cli.js';
import type { CliIo } from '../../src/cli/io.js';
import { detailLines, summaryRows, variantTableRows } from '../../src/metrics/report.js';
import type { RunResult, SimConfig } from '../../src/sim.js';
import type { Args, ChunkWriter, TraceEncoder, TrackSpec } from '../../src/trace/encoder.js';
import { JsonEncoder } from '../../src/trace/perfetto-json.js';
import { PerfettoSink } from '../../src/trace/perfetto.js';
import { simulate } from '../../src/sim.js';
import { loadScenario, ScenarioError } from '../../src/workload/scenario.js';
import { traceMetaOf } from '../../src/node/trace-file.js';
import { openPage, runExample, screenshot, startEnv, type Env, type PageGlobal } from './support.js';

let env: Env;
beforeAll(async () => {
  env = await startEnv();
});
afterAll(async () => {
  await env?.close();
});

/** The CLI's `run --json` output for an example (in process). */
async function cliJson(name: string, args: string[]): Promise<{ variants?: Array<RunResult & { name: string; config: SimConfig }> } & Partial<RunResult>> {
  let out = '';
  const io: CliIo = { out: (s) => void (out += s), err: () => undefined, color: false };
  const code = await runCli(['run', `examples/${name}.yaml`, '--json', ...args], io);
  expect(code).toBe(0);
  return JSON.parse(out) as { variants?: Array<RunResult & { name: string; config: SimConfig }> } & Partial<RunResult>;
}

function configOf(name: string, seed?: number, variant?: string): SimConfig {
  const overrides = seed !== undefined ? [{ path: 'seed', value: seed, label: `--seed ${seed}` }] : [];
  const s = loadScenario(readFileSync(`examples/${name}.yaml`, 'utf8'), `${name}.yaml`, { overrides });
  if (variant === undefined) return s.config;
  return s.variants.find((v) => v.name === variant)!.config;
}

/** Every slice of a traced run, by track name (the same PerfettoSink the page uses). */
function tracedSlices(config: SimConfig): Map<string, Array<{ start: number; end: number; name: string; args: Args | null }>> {
  const byTrack = new Map<string, Array<{ start: number; end: number; name: string; args: Args | null }>>();
  const enc: TraceEncoder = {
    nativeSched: false,
    begin() {},
    track() {},
    slice(t: TrackSpec, start, end, name, args) {
      const a = byTrack.get(t.name) ?? [];
      a.push({ start, end, name, args });
      byTrack.set(t.name, a);
    },
    instant() {},
    counter() {},
    schedSwitch() {},
    schedWaking() {},
    end() {},
  };
  simulate(config, { trace: new PerfettoSink(enc, traceMetaOf(config), { why: true }) });
  return byTrack;
}

async function summaryOnPage(page: Page): Promise<Array<[string, string]>> {
  return page.$$eval('#summary table.figures tr', (trs) => trs.map((tr) => [tr.querySelector('th')?.textContent ?? '', tr.querySelector('td')?.textContent ?? ''] as [string, string]));
}

/** Canvas coordinates of the middle of the lane named `name` (scrolling it into view). */
async function laneY(page: Page, name: string): Promise<number> {
  return page.evaluate((lane) => {
    const r = (globalThis as unknown as PageGlobal).__schedlab.renderer;
    const row = r.rows.find((x) => x.track.name === lane && x.kind === 'slices');
    if (row === undefined) return -1;
    if (row.y < r.scrollY || row.y + row.h > r.scrollY + r.viewH) r.scrollY = Math.max(0, row.y - 40);
    r.draw();
    return 24 + row.y - r.scrollY + row.h / 2;
  }, name);
}

async function clickCanvas(page: Page, x: number, y: number): Promise<void> {
  const box = (await page.locator('#timeline').boundingBox())!;
  await page.mouse.click(box.x + x, box.y + y);
}

async function selected(page: Page): Promise<{ track: string; start: number; end: number; title: string; args: Record<string, string> }> {
  await page.waitForSelector('#details:is([data-ready=story], [data-ready=args])');
  await page.waitForSelector('#details[data-ready=story]', { timeout: 60_000 }).catch(() => undefined);
  return page.$eval('#details', (el) => {
    const args: Record<string, string> = {};
    const dts = [...el.querySelectorAll('dt')];
    for (const dt of dts) args[dt.textContent ?? ''] = dt.nextElementSibling?.textContent ?? '';
    return { track: el.getAttribute('data-track') ?? '', start: Number(el.getAttribute('data-start')), end: Number(el.getAttribute('data-end')), title: el.querySelector('h3')?.textContent ?? '', args };
  });
}

describe('playground', () => {
  it('loads without errors and offers every example with its description', async () => {
    const { page, errors } = await openPage(env);
    const options = await page.$$eval('#example option', (os) => os.map((o) => (o as HTMLOptionElement).value));
    const files = readdirSync('examples')
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => f.replace(/\.yaml$/, ''))
      .sort();
    expect(options).toEqual(files);
    await page.selectOption('#example', 'seed-time-slices');
    const desc = await page.textContent('#example-description');
    expect(desc).toBe(loadScenario(readFileSync('examples/seed-time-slices.yaml', 'utf8'), 'x.yaml').description!.trim());
    expect(await page.inputValue('#scenario-text')).toBe(readFileSync('examples/seed-time-slices.yaml', 'utf8'));
    expect(errors).toEqual([]);
    await page.close();
  });

  it('runs an example with a seed and shows the CLI figures, for the run and every variant', async () => {
    const { page, errors } = await openPage(env);
    expect(await runExample(page, 'seed-preemption', { seed: 7, variant: 'rr' })).toBe('done');
    const cli = await cliJson('seed-preemption', ['--seed', '7']);
    const variants = cli.variants!;
    const names = loadScenario(readFileSync('examples/seed-preemption.yaml', 'utf8'), 'x.yaml').variants.map((v) => v.name);
    expect(names.length).toBeGreaterThan(2);
    expect(names).toContain('rr');
    expect(variants.map((v) => v.name)).toEqual(names);
    const rr = variants.find((v) => v.name === 'rr')!;
    expect(rr.seed).toBe(7);
    expect(await summaryOnPage(page)).toEqual(summaryRows(rr));
    const table = await page.$$eval('#variants table.vtable tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    expect(table).toEqual(variantTableRows(variants.map((v) => ({ name: v.name, result: v }))).rows);
    // The comparison chart: one bar per variant, the traced one highlighted.
    expect(await page.locator('#chart rect.bar').count()).toBe(names.length);
    expect(await page.locator('#chart rect.bar.sel').count()).toBe(1);
    await page.selectOption('#chart-metric', 'switches');
    const values = await page.$$eval('#chart text.bar-value', (ts) => ts.map((t) => t.textContent));
    expect(values).toEqual(variants.map((v) => String(v.contextSwitches.total)));
    await screenshot(page, 'overview');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('zooms and pans the timeline with keyboard, wheel and drag; a click shows the slice, its why and its story', async () => {
    const { page, errors } = await openPage(env);
    expect(await runExample(page, 'seed-preemption', { variant: 'cfs' })).toBe('done');
    const view = () => page.evaluate(() => ({ t0: (globalThis as unknown as PageGlobal).__schedlab.renderer.t0, t1: (globalThis as unknown as PageGlobal).__schedlab.renderer.t1 }));
    const v0 = await view();
    await page.focus('#timeline');
    await page.keyboard.press('w');
    await page.keyboard.press('w');
    const v1 = await view();
    expect((v0.t1 - v0.t0) / (v1.t1 - v1.t0)).toBeCloseTo(1.69, 2);
    // Zoom keys work with the focus anywhere but in a text field.
    await page.click('h1');
    await page.keyboard.press('s');
    await page.keyboard.press('w');
    await page.focus('#seed');
    await page.keyboard.press('w');
    expect(await page.inputValue('#seed')).toBe('w');
    await page.fill('#seed', '');
    const v1b = await view();
    expect(v1b.t1 - v1b.t0).toBeCloseTo(v1.t1 - v1.t0, 0);
    await page.focus('#timeline');
    await page.keyboard.press('d');
    const v2 = await view();
    expect(v2.t0).toBeGreaterThan(v1.t0);
    expect(v2.t1 - v2.t0).toBeCloseTo(v1.t1 - v1.t0, 0);
    const box = (await page.locator('#timeline').boundingBox())!;
    await page.mouse.move(box.x + 600, box.y + 100);
    await page.mouse.wheel(0, -400);
    const v3 = await view();
    expect(v3.t1 - v3.t0).toBeLessThan(v2.t1 - v2.t0);
    await page.mouse.move(box.x + 700, box.y + 100);
    await page.mouse.down();
    await page.mouse.move(box.x + 500, box.y + 100, { steps: 4 });
    await page.mouse.up();
    const v4 = await view();
    expect(v4.t0).toBeGreaterThan(v3.t0);
    // Zoom to the first 40ms and click the hog's thread lane (T1 hog) and cpu0.
    await page.evaluate(() => {
      const r = (globalThis as unknown as PageGlobal).__schedlab.renderer;
      r.t0 = 0;
      r.t1 = 40_000_000;
      r.draw();
    });
    const config = configOf('seed-preemption', undefined, 'cfs');
    const slices = tracedSlices(config);
    const y = await laneY(page, 'cpu0');
    expect(y).toBeGreaterThan(0);
    await clickCanvas(page, 190 + 300, y);
    const s1 = await selected(page);
    expect(s1.track).toBe('cpu0');
    const want1 = slices.get('cpu0')!.find((s) => s.start === s1.start && s.end === s1.end)!;
    expect(want1).toBeDefined();
    expect(s1.title).toBe(want1.name);
    expect(s1.args.tid).toBe(String(want1.args!.tid));
    const story1 = await page.textContent('#story');
    expect(story1).toContain(`thread ${String(want1.args!.tid)} (`);
    // A thread lane: the Running/Runnable/Waiting slice and its why, cause, next.
    const threadLanes = await page.evaluate(() => (globalThis as unknown as PageGlobal).__schedlab.renderer.rows.filter((r) => r.track.tid !== undefined).map((r) => r.track.name));
    expect(threadLanes.length).toBe(2);
    const lane = threadLanes[0]!;
    const y2 = await laneY(page, lane);
    await clickCanvas(page, 190 + 520, y2);
    const s2 = await selected(page);
    expect(s2.track).toBe(lane);
    const want2 = slices.get(lane)!.find((s) => s.start === s2.start && s.end === s2.end)!;
    expect(want2).toBeDefined();
    expect(s2.title).toBe(want2.name);
    expect(s2.args['why it began']).toBe(String(want2.args!.why));
    expect(s2.args['what happened']).toBe(String(want2.args!.cause));
    if (want2.args!.next !== undefined) expect(s2.args['why it ended']).toBe(String(want2.args!.next));
    const story2 = (await page.textContent('#story')) ?? '';
    expect(story2).toMatch(/^scenario seed-preemption \(variant cfs\), seed 1, model threads, policy cfs, 1 hardware thread\n/);
    expect(story2).toContain(`why: ${String(want2.args!.why)}`);
    await screenshot(page, 'details');
    // Escape clears the selection.
    await page.focus('#timeline');
    await page.keyboard.press('Escape');
    await page.waitForSelector('#details[data-ready=none]');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('draws wide slices in their colour and dense stretches as stacked state columns', async () => {
    const { page, errors } = await openPage(env);
    await page.evaluate(() => (globalThis as unknown as PageGlobal).__schedlab.loadSynthetic(2, 50_000));
    await page.waitForSelector('#timeline[data-painted="100000"]');
    /** The distinct colours (#rrggbb) down the middle of the first lane at CSS x. */
    const column = (x: number) =>
      page.evaluate((cx) => {
        const r = (globalThis as unknown as PageGlobal).__schedlab.renderer;
        r.draw();
        const row = r.rows.find((w) => w.kind === 'slices')!;
        const c = document.getElementById('timeline') as HTMLCanvasElement;
        const img = c.getContext('2d')!.getImageData(cx, 24 + row.y - r.scrollY + 2, 1, row.h - 4).data;
        const out = new Set<string>();
        for (let i = 0; i < img.length; i += 4) out.add(`#${[img[i]!, img[i + 1]!, img[i + 2]!].map((v) => v.toString(16).padStart(2, '0')).join('')}`);
        return [...out].sort();
      }, x);
    // Whole run: about 50 slices per pixel column, summarised as running/runnable/waiting shares.
    expect(await column(600)).toEqual(['#2f9e44', '#b8c2cc', '#f08c00'].sort());
    // Zoomed so that the first slice (Running, at least 200ns long) spans many pixels: its
    // colour alone, left of its label.
    await page.evaluate(() => {
      const r = (globalThis as unknown as PageGlobal).__schedlab.renderer;
      r.t0 = 0;
      r.t1 = 400;
    });
    expect(await column(191)).toEqual(['#2f9e44']);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows Go lanes (Ps, Ms, goroutines) and tells a goroutine story from a P lane', async () => {
    const { page, errors } = await openPage(env);
    expect(await runExample(page, 'go-preemption', { variant: 'async-preemption' })).toBe('done');
    const cli = (await cliJson('go-preemption', [])).variants!.find((v) => v.name === 'async-preemption')!;
    expect(await summaryOnPage(page)).toEqual(summaryRows(cli));
    expect(await page.textContent('#summary pre.details-lines')).toBe(detailLines(cli).join('\n'));
    expect(detailLines(cli)[0]).toMatch(/^go: gomaxprocs 1, /);
    const groups = await page.evaluate(() => (globalThis as unknown as PageGlobal).__schedlab.renderer.rows.filter((r) => r.kind === 'group').map((r) => r.track.name));
    const wanted = ['Hardware threads', 'go-preemption (OS threads)', 'Go Ps', 'Go Ms', 'Goroutines'];
    expect(groups.filter((g) => wanted.includes(g))).toEqual(wanted);
    const lanes = await page.evaluate(() => (globalThis as unknown as PageGlobal).__schedlab.renderer.rows.filter((r) => r.kind === 'slices').map((r) => r.track.name));
    expect(lanes).toEqual(expect.arrayContaining(['cpu0', 'cpu1', 'P0', 'P0 status', 'M0', 'G1 spinner', 'G2 sleeper']));
    const y = await laneY(page, 'P0');
    await clickCanvas(page, 190 + 200, y);
    const s = await selected(page);
    expect(s.track).toBe('P0');
    expect(s.title).toMatch(/^G\d+$/);
    const story = (await page.textContent('#story')) ?? '';
    expect(story).toContain(`goroutine ${s.title.slice(1)} (`);
    await screenshot(page, 'go');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows a scenario error at its line, as the CLI reports it, and refuses to run', async () => {
    const { page, errors } = await openPage(env);
    await page.selectOption('#example', 'seed-time-slices');
    const good = readFileSync('examples/seed-time-slices.yaml', 'utf8');
    const bad = good.replace('policy: rr', 'policy: round-robin');
    expect(bad).not.toBe(good);
    let issue: { line?: number; path: string; message: string } | undefined;
    try {
      loadScenario(bad, 'seed-time-slices.yaml');
    } catch (e) {
      issue = (e as ScenarioError).issues[0];
    }
    expect(issue?.line).toBeGreaterThan(0);
    await page.fill('#scenario-text', bad);
    await page.waitForSelector('#editor-errors[data-count="1"]');
    expect(await page.getAttribute('#editor-errors li', 'data-line')).toBe(String(issue!.line));
    expect(await page.textContent('#editor-errors li')).toBe(`line ${issue!.line}:${(issue as { col?: number }).col} ${issue!.path}: ${issue!.message}`);
    expect(await page.textContent('.gutter .ln.err')).toBe(String(issue!.line));
    expect(await page.textContent(`.backdrop .bl.err[data-line="${issue!.line}"] .msg`)).toContain(issue!.message);
    await page.click('#run');
    expect(await page.getAttribute('#status', 'data-state')).toBe('invalid');
    // A bad seed is reported too.
    await page.fill('#scenario-text', good);
    await page.fill('#seed', 'x');
    await page.waitForSelector('#editor-errors[data-count="1"]');
    expect(await page.textContent('#editor-errors li')).toContain('a seed is an integer from 0 to 4294967295');
    await page.fill('#seed', '');
    await page.fill('#scenario-text', bad);
    await page.waitForSelector('#editor-errors[data-count="1"]');
    await screenshot(page, 'error');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a share link reproduces the run (text, seed, variant) and a bad link only shows a message', async () => {
    const { page } = await openPage(env);
    expect(await runExample(page, 'seed-unpredictable', { seed: 3 })).toBe('done');
    const rows = await summaryOnPage(page);
    await page.click('#share');
    await page.waitForSelector('#share-link');
    const link = await page.inputValue('#share-link');
    expect(link).toMatch(/#s=[A-Za-z0-9_-]+$/);
    const cli = await cliJson('seed-unpredictable', ['--seed', '3']);
    expect(rows).toEqual(summaryRows(cli as RunResult));
    const p2 = await env.browser.newPage({ viewport: { width: 1500, height: 1250 } });
    const errors: string[] = [];
    p2.on('pageerror', (e) => errors.push(e.message));
    await p2.goto(link);
    await p2.waitForSelector('#status[data-state=done]');
    expect(await summaryOnPage(p2)).toEqual(rows);
    expect(await p2.inputValue('#seed')).toBe('3');
    expect(await p2.inputValue('#scenario-text')).toBe(readFileSync('examples/seed-unpredictable.yaml', 'utf8'));
    expect(errors).toEqual([]);
    // A malformed fragment is data that fails to decode: a message, nothing else.
    await p2.goto(`${env.url}#s=AAAA_not-deflate`);
    await p2.reload();
    await p2.waitForSelector('.error');
    expect(await p2.textContent('.error')).toContain('the shared link could not be read');
    expect(await p2.getAttribute('#status', 'data-state')).toBe('idle');
    expect(errors).toEqual([]);
    await p2.close();
    await page.close();
  });

  it('downloads the Perfetto trace of the run, byte for byte the trace written here', async () => {
    const { page } = await openPage(env);
    expect(await runExample(page, 'seed-concurrency-vs-parallelism', { variant: 'one-cpu' })).toBe('done');
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#download-json')]);
    expect(dl.suggestedFilename()).toBe('seed-concurrency-vs-parallelism-one-cpu-seed1.json');
    const path = await dl.path();
    const got = readFileSync(path, 'utf8');
    const config = configOf('seed-concurrency-vs-parallelism', undefined, 'one-cpu');
    let want = '';
    const w: ChunkWriter = { write: (c) => void (want += typeof c === 'string' ? c : Buffer.from(c).toString('utf8')) };
    simulate(config, { trace: new PerfettoSink(new JsonEncoder(w), traceMetaOf(config), { why: true }) });
    expect(got).toBe(want);
    expect((JSON.parse(got) as { traceEvents: unknown[] }).traceEvents.length).toBeGreaterThan(10);
    const [dl2] = await Promise.all([page.waitForEvent('download'), page.click('#download-pftrace')]);
    expect(dl2.suggestedFilename()).toBe('seed-concurrency-vs-parallelism-one-cpu-seed1.pftrace');
    expect(readFileSync(await dl2.path()).length).toBeGreaterThan(100);
    await page.close();
  });

  it('cancels a running simulation and keeps the run shown before, with its answers', async () => {
    const { page, errors } = await openPage(env);
    expect(await runExample(page, 'seed-unpredictable')).toBe('done');
    const before = await page.textContent('#timeline-info');
    await page.selectOption('#example', 'go-vs-threads');
    await page.click('#run');
    await page.waitForSelector('#status[data-state=running] progress');
    await page.click('#cancel');
    await page.waitForSelector('#status[data-state=cancelled]');
    expect(await page.isEnabled('#run')).toBe(true);
    expect(await page.isDisabled('#cancel')).toBe(true);
    expect(await page.textContent('#timeline-info')).toBe(before);
    const y = await laneY(page, 'cpu0');
    await clickCanvas(page, 190 + 100, y);
    const s = await selected(page);
    expect(s.track).toBe('cpu0');
    expect(await page.textContent('#story')).toContain('scenario seed-unpredictable, seed 1');
    expect(errors).toEqual([]);
    await page.close();
  });
});
