/**
 * Helpers of the e2e tests: Debian's Chromium driven by playwright-core, and the playground
 * served by `schedlab ui`'s own server from dist/web (built by global-setup.ts).
 */
import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startUiServer, WEB_OUT, type UiServer } from '../../src/cli/ui.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

export interface Env {
  browser: Browser;
  server: UiServer;
  url: string;
  close(): Promise<void>;
}

export async function startEnv(): Promise<Env> {
  const server = await startUiServer(WEB_OUT);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  return {
    browser,
    server,
    url: server.url,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}

/** A page with the playground loaded; `errors` collects console errors and page errors. */
export async function openPage(env: Env, path = '', viewport = { width: 1500, height: 1250 }): Promise<{ page: Page; errors: string[] }> {
  const page = await env.browser.newPage({ viewport, acceptDownloads: true });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(env.url + path);
  await page.waitForSelector('.app[data-ready=true]');
  return { page, errors };
}

/** Picks an example, optionally sets seed/model/variant, clicks Run and waits for the end. */
export async function runExample(page: Page, name: string, o: { seed?: number; variant?: string } = {}): Promise<string> {
  await page.selectOption('#example', name);
  if (o.seed !== undefined) await page.fill('#seed', String(o.seed));
  if (o.variant !== undefined) await page.selectOption('#variant', o.variant);
  await page.click('#run');
  await page.waitForSelector('#status:is([data-state=done], [data-state=failed], [data-state=invalid])', { timeout: 120_000 });
  const state = (await page.getAttribute('#status', 'data-state')) ?? '';
  if (state === 'done') await page.waitForSelector('#timeline[data-painted]');
  return state;
}

/** Saves a screenshot: into docs/ when UPDATE_SCREENSHOTS=1, else into tmp/e2e/. */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.UPDATE_SCREENSHOTS === '1' ? 'docs' : 'tmp/e2e';
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: `${dir}/playground-${name}.png` });
}

/** The page's test hooks (window.__schedlab), typed for page.evaluate callbacks. */
export interface Hooks {
  timings: { runAt: number; timelineAt: number; firstPaintAt: number; firstFrameMs: number; runMs: number; slices: number; doneAt: number };
  renderer: {
    t0: number;
    t1: number;
    scrollY: number;
    viewH: number;
    rows: Array<{ kind: string; y: number; h: number; track: { id: number; name: string; tid?: number } }>;
    lastFrame: { ms: number; lanes: number; solid: number; summarized: number };
    zoom(f: number, x?: number): void;
    pan(dx: number): void;
    fit(): void;
    draw(): number;
    canvas: { getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): unknown } | null };
  };
  draw(): number;
  loadSynthetic(lanes: number, perLane: number): number;
}

/** The shape of `globalThis` in the page (use inside page.evaluate callbacks). */
export interface PageGlobal {
  __schedlab: Hooks;
}
