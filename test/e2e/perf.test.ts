/**
 * Measurements of the playground in headless Chromium (printed and written to
 * tmp/e2e/perf.json; docs/playground.md reports them). No assertion is on a time: the checks
 * are that each run paints its timeline, and that a timeline of a million slices is drawn
 * through the level-of-detail summary when zoomed out.
 *
 * - Run → first timeline paint for every seed example (its first variant), from the click on
 *   Run to the end of the first frame that shows the run's timeline (simulateMs: the traced
 *   simulation alone, in the worker; dataAtMs: when the timeline's arrays reached the page).
 * - Frame time while panning a timeline of about a million slices: each frame is one pan step
 *   plus a full redraw, timed with performance.now() around the draw call and a 1-pixel
 *   getImageData (which waits until the canvas is really drawn). Two timelines: the real run
 *   seed-context-switching/nocap-1000 (983,663 slices on 1,006 lanes) and a synthetic one of
 *   16 lanes × 62,500 slices, all on screen at once.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, runExample, screenshot, startEnv, type Env, type PageGlobal } from './support.js';

let env: Env;
beforeAll(async () => {
  env = await startEnv();
});
afterAll(async () => {
  await env?.close();
});

interface FrameStats {
  frames: number;
  minMs: number;
  medianMs: number;
  p95Ms: number;
  maxMs: number;
  lanes: number;
  solid: number;
  summarized: number;
}

const results: { runToPaint: Array<Record<string, number | string>>; panning: Array<Record<string, number | string>> } = { runToPaint: [], panning: [] };

/** Pans `frames` times by `step` CSS px, timing each pan + draw + readback in the page. */
function panFrames(page: Page, frames: number, step: number): Promise<FrameStats> {
  return page.evaluate(
    ({ frames, step }) => {
      const r = (globalThis as unknown as PageGlobal).__schedlab.renderer;
      const ctx = r.canvas.getContext('2d')!;
      const times: number[] = [];
      let lanes = 0;
      let solid = 0;
      let summarized = 0;
      for (let i = 0; i < frames; i++) {
        const t0 = performance.now();
        r.pan(i < frames / 2 ? step : -step);
        r.draw();
        ctx.getImageData(0, 0, 1, 1);
        times.push(performance.now() - t0);
        lanes = Math.max(lanes, r.lastFrame.lanes);
        solid = Math.max(solid, r.lastFrame.solid);
        summarized = Math.max(summarized, r.lastFrame.summarized);
      }
      times.sort((a, b) => a - b);
      const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!;
      return { frames, minMs: times[0]!, medianMs: q(0.5), p95Ms: q(0.95), maxMs: times[times.length - 1]!, lanes, solid, summarized };
    },
    { frames, step },
  );
}

function record(name: string, zoom: string, s: FrameStats): void {
  results.panning.push({ timeline: name, zoom, ...s });
}

describe('playground speed (measured, not asserted)', () => {
  it('Run → first timeline paint for each seed example', async () => {
    const { page, errors } = await openPage(env);
    const seeds = readdirSync('examples')
      .filter((f) => f.startsWith('seed-') && f.endsWith('.yaml'))
      .map((f) => f.replace(/\.yaml$/, ''))
      .sort();
    for (const name of seeds) {
      expect(await runExample(page, name)).toBe('done');
      const t = await page.evaluate(() => (globalThis as unknown as PageGlobal).__schedlab.timings);
      expect(t.firstPaintAt).toBeGreaterThan(t.runAt);
      const variant = (await page.locator('#variant').count()) > 0 ? await page.inputValue('#variant') : '';
      results.runToPaint.push({ example: name, variant, slices: t.slices, simulateMs: Math.round(t.runMs), dataAtMs: Math.round(t.timelineAt - t.runAt), runToPaintMs: Math.round(t.firstPaintAt - t.runAt) });
    }
    // A busy Go run: 8,035 goroutines on GOMAXPROCS 2.
    expect(await runExample(page, 'go-vs-threads', { variant: 'go-2' })).toBe('done');
    const g = await page.evaluate(() => (globalThis as unknown as PageGlobal).__schedlab.timings);
    results.runToPaint.push({ example: 'go-vs-threads', variant: 'go-2', slices: g.slices, simulateMs: Math.round(g.runMs), dataAtMs: Math.round(g.timelineAt - g.runAt), runToPaintMs: Math.round(g.firstPaintAt - g.runAt) });
    await screenshot(page, 'go-busy');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('frame time while panning about a million slices', async () => {
    const { page, errors } = await openPage(env);
    // A real run: 1000 threads on one CPU without a minimum granularity.
    expect(await runExample(page, 'seed-context-switching', { variant: 'nocap-1000' })).toBe('done');
    const t = await page.evaluate(() => (globalThis as unknown as PageGlobal).__schedlab.timings);
    expect(t.slices).toBeGreaterThan(900_000);
    results.runToPaint.push({ example: 'seed-context-switching', variant: 'nocap-1000', slices: t.slices, simulateMs: Math.round(t.runMs), dataAtMs: Math.round(t.timelineAt - t.runAt), runToPaintMs: Math.round(t.firstPaintAt - t.runAt) });
    const whole = await panFrames(page, 60, 12);
    expect(whole.summarized).toBeGreaterThan(0);
    record('nocap-1000 (983,663 slices, 1,006 lanes)', 'whole run', whole);
    await page.evaluate(() => {
      const r = (globalThis as unknown as PageGlobal).__schedlab.renderer;
      r.fit();
      r.draw();
    });
    await screenshot(page, 'million');
    await page.evaluate(() => {
      const r = (globalThis as unknown as PageGlobal).__schedlab.renderer;
      r.fit();
      r.zoom(40);
    });
    record('nocap-1000 (983,663 slices, 1,006 lanes)', '1/40 of the run', await panFrames(page, 60, 12));
    // Synthetic: a million slices all on screen.
    const n = await page.evaluate(() => (globalThis as unknown as PageGlobal).__schedlab.loadSynthetic(16, 62_500));
    expect(n).toBe(1_000_000);
    await page.waitForSelector('#timeline[data-painted="1000000"]');
    const syn = await panFrames(page, 60, 12);
    expect(syn.summarized).toBeGreaterThan(0);
    expect(syn.lanes).toBe(16);
    record('synthetic (16 lanes × 62,500 slices)', 'whole run', syn);
    await page.evaluate(() => {
      const r = (globalThis as unknown as PageGlobal).__schedlab.renderer;
      r.fit();
      r.draw();
    });
    await screenshot(page, 'million-synthetic');
    await page.evaluate(() => {
      const r = (globalThis as unknown as PageGlobal).__schedlab.renderer;
      r.fit();
      r.zoom(100);
    });
    record('synthetic (16 lanes × 62,500 slices)', '1/100 of the run', await panFrames(page, 60, 12));
    await page.evaluate(() => {
      const r = (globalThis as unknown as PageGlobal).__schedlab.renderer;
      r.fit();
      r.zoom(3000);
    });
    record('synthetic (16 lanes × 62,500 slices)', '1/3000 of the run', await panFrames(page, 60, 12));
    expect(errors).toEqual([]);
    await page.close();
    mkdirSync('tmp/e2e', { recursive: true });
    writeFileSync('tmp/e2e/perf.json', `${JSON.stringify(results, null, 2)}\n`);
    console.log('Run → first paint:');
    console.table(results.runToPaint);
    console.log('Frame time while panning:');
    console.table(results.panning.map((p) => ({ ...p, minMs: Number(p.minMs).toFixed(2), medianMs: Number(p.medianMs).toFixed(2), p95Ms: Number(p.p95Ms).toFixed(2), maxMs: Number(p.maxMs).toFixed(2) })));
  });
});
