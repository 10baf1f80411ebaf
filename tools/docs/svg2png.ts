// Renders SVG files to PNG with headless Chromium, to look at plots: npx tsx tools/docs/svg2png.ts a.svg [b.svg ...] (writes a.png next to a.svg)
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'] });
for (const f of process.argv.slice(2)) {
  const svg = readFileSync(f, 'utf8');
  const w = Number(/width="(\d+)/.exec(svg)?.[1] ?? 800);
  const h = Number(/height="(\d+)/.exec(svg)?.[1] ?? 600);
  const page = await browser.newPage({ viewport: { width: w, height: h } });
  await page.setContent(`<body style="margin:0">${svg}</body>`);
  await page.screenshot({ path: f.replace(/\.svg$/, '.png') });
  await page.close();
}
await browser.close();
