/**
 * Puts what `npm run validate` measured next to what schedlab simulates for the same
 * experiments (validation/twins.ts), as a table: the real figure, schedlab's, their ratio,
 * and the twin scenario. validation/run.sh runs it on its own output (to stderr).
 *
 *   npx tsx validation/compare.ts VALIDATE.json     (or the JSON on stdin)
 *   npx tsx validation/compare.ts VALIDATE.json --markdown
 */
import { readFileSync } from 'node:fs';
import Table from 'cli-table3';
import { twinRows, type TwinRow, type ValidateOutput } from './twins.js';

const args = process.argv.slice(2);
const markdown = args.includes('--markdown');
const files = args.filter((a) => a !== '--markdown');
if (files.length > 1 || files.some((f) => f.startsWith('--'))) {
  process.stderr.write(`validate compare: usage: compare.ts [VALIDATE.json] [--markdown] (got ${args.join(' ')})\n`);
  process.exit(2);
}
let text: string;
try {
  text = readFileSync(files[0] ?? 0, 'utf8');
} catch (e) {
  process.stderr.write(`validate compare: cannot read ${files[0] ?? 'stdin'}: ${(e as Error).message}\n`);
  process.exit(2);
}
let input: ValidateOutput;
try {
  input = JSON.parse(text) as ValidateOutput;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new Error('not an object');
} catch (e) {
  process.stderr.write(`validate compare: ${files[0] ?? 'stdin'} is not the JSON npm run validate prints: ${(e as Error).message}\n`);
  process.exit(2);
}

const fmt = (x: number, unit: TwinRow['unit']): string => (!Number.isFinite(x) ? '–' : unit === 'threads' || unit === '/s' || unit === 'count' || Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2));
const cells = (r: TwinRow): string[] => [r.experiment, `${r.quantity} (${r.unit})`, fmt(r.real, r.unit), fmt(r.schedlab, r.unit), Number.isFinite(r.real) && Number.isFinite(r.schedlab) && r.real !== 0 ? `${(r.schedlab / r.real).toFixed(2)}×` : '–', r.twin];
const head = ['experiment', 'quantity', 'real', 'schedlab', 'schedlab / real', 'twin (validation/scenarios/)'];
let rows: TwinRow[];
try {
  rows = twinRows(input);
} catch (e) {
  process.stderr.write(`validate compare: ${files[0] ?? 'stdin'} does not have the shape npm run validate prints (${(e as Error).message})\n`);
  process.exit(2);
}
if (rows.length === 0) {
  process.stderr.write('validate compare: the JSON holds no experiment to compare (timeslices, pool, goBlocking, goHandoff, goPreemption, goPingPong, goQuota)\n');
  process.exit(2);
}
if (markdown) {
  process.stdout.write(`| ${head.join(' | ')} |\n|${head.map(() => '---').join('|')}|\n`);
  for (const r of rows) process.stdout.write(`| ${cells(r).join(' | ')} |\n`);
} else {
  // One heading row per experiment, then its quantities: narrow enough for a terminal.
  const t = new Table({ head: ['', 'real', 'schedlab', 'ratio', 'twin (validation/scenarios/)'], style: { head: [], border: [], compact: true } });
  let last = '';
  for (const r of rows) {
    if (r.experiment !== last) {
      t.push([{ colSpan: 5, content: r.experiment }]);
      last = r.experiment;
    }
    const c = cells(r);
    t.push([`  ${c[1]}`, c[2]!, c[3]!, c[4]!, c[5]!]);
  }
  process.stdout.write(`${t.toString()}\n`);
}
