/**
 * `schedlab compare`: one workload under several execution models, side by side, with the
 * CSV/JSON/SVG files. Four tasks of 1 ms CPU + 4 ms IO on one CPU: thread-per-task overlaps
 * the IO waits, a pool of one worker runs the tasks one after another.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareFile } from '../src/cli/compare.js';
import { cliRun, type CliRun } from './cli-support.js';

const dir = mkdtempSync(join(tmpdir(), 'schedlab-compare-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'pool-io.yaml');
writeFileSync(
  file,
  `name: pool-io
machine: {cpus: 1, costs: {contextSwitch: 1us, wakeupIpi: 0ns, threadCreate: 0ns, syscall: 0ns, timerSlack: 0ns}}
os: {policy: fifo, balanceInterval: 0ns}
workload:
  - batch: 4
    name: req
    program: [{compute: 1ms}, {io: 4ms}]
`,
);

function io(): { out: string[]; err: string[]; io: { out: (s: string) => void; err: (s: string) => void } } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (s) => out.push(s), err: (s) => err.push(s) } };
}

describe('compare', () => {
  it('prints the figures side by side and writes the chart', async () => {
    const out = join(dir, 'cmp');
    const h = io();
    expect(await compareFile(file, { models: 'threads,pool:1', out, jobs: '1' }, h.io)).toBe(0);
    const text = h.out.join('');
    expect(text.split('\n').slice(0, 15)).toEqual([
      'scenario pool-io, seed 1, 1 hardware thread, policy fifo',
      '┌─────────────────────────────────┬───────────┬───────────┐',
      '│                                 │ threads   │ pool:1    │',
      '├─────────────────────────────────┼───────────┼───────────┤',
      '│ outcome                         │ completed │ completed │',
      '│ completion time                 │ 8.005ms   │ 20.001ms  │',
      '│ throughput (tasks/s)            │ 499.69    │ 199.99    │',
      '│ task latency p50                │ 6.003ms   │ 10.001ms  │',
      '│ task latency p99                │ 8.005ms   │ 20.001ms  │',
      '│ scheduling latency p99          │ 3.003ms   │ 0         │',
      '│ CPU utilization                 │ 50.1%     │ 20.0%     │',
      '│ time switching                  │ 0.1%      │ 0.0%      │',
      '│ context switches                │ 4         │ 5         │',
      '│ OS threads created              │ 4         │ 1         │',
      '│ OS threads live (max)           │ 4         │ 1         │',
    ]);
    const csv = readFileSync(join(out, 'compare.csv'), 'utf8').split('\n');
    expect(csv.slice(0, 3)).toEqual(['figure,threads,pool:1', 'outcome,completed,completed', 'simulatedNs,8005000,20001000']);
    const doc = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8')) as { models: Array<{ model: string; result: { simulatedNs: number } }> };
    expect(doc.models.map((m) => [m.model, m.result.simulatedNs])).toEqual([
      ['threads', 8_005_000],
      ['pool:1', 20_001_000],
    ]);
    const svg = readFileSync(join(out, 'compare.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('completion time (ms)');
  });

  it('includes the Go model with its own figures', async () => {
    const h = io();
    expect(await compareFile(file, { models: 'pool:1,go:1', jobs: '1' }, h.io)).toBe(0);
    const lines = h.out.join('').split('\n');
    expect(lines.find((l) => l.startsWith('│ outcome'))).toBe('│ outcome                         │ completed │ completed │');
    expect(lines.find((l) => l.startsWith('│ go: goroutines created'))).toBe('│ go: goroutines created          │ -         │ 4         │');
  });

  it('rejects an unknown model before running anything', async () => {
    const out = join(dir, 'bad');
    await expect(compareFile(file, { models: 'threads,pool', out }, io().io)).rejects.toThrow('--models: unknown execution model "pool"');
    await expect(compareFile(file, {}, io().io)).rejects.toThrow('--models is required');
    expect(existsSync(out)).toBe(false);
  });
});

describe('compare: bad input is refused before any run (exit 2, nothing written)', () => {
  const run = (...argv: string[]): Promise<CliRun> => cliRun(['compare', ...argv]);

  it('a model listed twice, a --jobs that is not 1..1024, an --out that is a file', async () => {
    expect(await run(file, '--models', 'threads,pool:1,threads')).toEqual({ code: 2, out: '', err: '--models: threads is listed twice (each model once)\n' });
    for (const j of ['0', 'abc', '2.5', '1025']) {
      expect(await run(file, '--models', 'threads', '--jobs', j)).toEqual({ code: 2, out: '', err: `--jobs ${j}: a whole number from 1 to 1024\n` });
    }
    const afile = join(dir, 'a-file');
    writeFileSync(afile, 'keep');
    expect(await run(file, '--models', 'threads', '--out', afile)).toEqual({
      code: 2,
      out: '',
      err: `--out ${afile}: is a file, not a directory (compare writes compare.csv, compare.json, compare.vl.json and compare.svg into a directory)\n`,
    });
    expect(readFileSync(afile, 'utf8')).toBe('keep');
  });

  it('takes an example by name, as run does; a directory or an unknown name is bad input', async () => {
    const examples = join(dir, 'examples');
    mkdirSync(examples);
    writeFileSync(join(examples, 'pool-io.yaml'), readFileSync(file, 'utf8'));
    const byName = await cliRun(['compare', 'pool-io', '--models', 'pool:1', '--jobs', '1'], { examplesDir: examples });
    expect(byName.code).toBe(0);
    expect(byName.out.split('\n')[0]).toBe('scenario pool-io, seed 1, 1 hardware thread, policy fifo');
    expect(await cliRun(['compare', 'pool-oi', '--models', 'pool:1'], { examplesDir: examples })).toEqual({
      code: 2,
      out: '',
      err: 'pool-oi: no such file, and no example of that name; did you mean "pool-io"? (run schedlab examples for the list)\n',
    });
    expect(await run(examples, '--models', 'pool:1')).toEqual({ code: 2, out: '', err: `${examples}: is a directory (expected a scenario file, .yaml or .json)\n` });
  });
});
