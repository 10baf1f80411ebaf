/**
 * `schedlab run FILE --trace out.<ext>` through the real command line: the trace appears only
 * when the run finishes, a bad extension is bad input (exit 2, no file), and the written trace
 * is the same as the library writes.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { cliRun, type CliRun } from './cli-support.js';
import { BIG_TRACE_BYTES, traceWrittenLines } from '../src/cli/trace-options.js';

const dir = mkdtempSync(join(tmpdir(), 'schedlab-trace-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'two-hogs.yaml');
writeFileSync(
  file,
  `name: two-hogs
machine: {cpus: 1, costs: {contextSwitch: 1us, wakeupIpi: 0ns, threadCreate: 0ns, syscall: 0ns, timerSlack: 0ns}}
os: {policy: rr, quantum: 10ms, exactSliceEnd: true, balanceInterval: 0ns}
workload:
  - batch: 2
    name: hog
    program: [{compute: 15ms}]
`,
);

const cli = (...argv: string[]): Promise<CliRun> => cliRun(argv);

describe('run --trace', () => {
  it('writes a JSON trace that holds the run', async () => {
    const path = join(dir, 'run.json.gz');
    const r = await cli('run', file, '--trace', path);
    expect(r.code).toBe(0);
    const doc = JSON.parse(gunzipSync(readFileSync(path)).toString('utf8')) as { traceEvents: Array<{ ph: string; tid?: number; name: string }>; otherData: Record<string, unknown> };
    expect(doc.otherData).toMatchObject({ tool: 'schedlab', scenario: 'two-hogs', model: 'threads', policy: 'rr', cpus: 1 });
    expect(doc.traceEvents.filter((e) => e.ph === 'X' && e.tid === 1).map((e) => e.name)).toEqual(['Running', 'Runnable', 'Running']);
  });

  it('leaves the why texts out with --no-why', async () => {
    const path = join(dir, 'bare.json');
    expect((await cli('run', file, '--trace', path, '--no-why')).code).toBe(0);
    const doc = JSON.parse(readFileSync(path, 'utf8')) as { traceEvents: Array<{ ph: string; tid?: number; name: string; args?: unknown }> };
    expect(doc.traceEvents.filter((e) => e.ph === 'X' && e.tid === 1).map((e) => [e.name, e.args])).toEqual([
      ['Running', undefined],
      ['Runnable', undefined],
      ['Running', undefined],
    ]);
  });

  it('writes a protobuf trace', async () => {
    const path = join(dir, 'run.pftrace');
    expect((await cli('run', file, '--trace', path)).code).toBe(0);
    // Trace.packet (field 1, length-delimited) opens the file.
    expect(readFileSync(path)[0]).toBe(0x0a);
  });

  it('rejects an unknown extension as bad input and writes nothing', async () => {
    const r = await cli('run', file, '--trace', join(dir, 'run.txt'));
    expect(r.code).toBe(2);
    expect(r.err).toContain('unknown extension (allowed: .pftrace, .perfetto-trace, .json, each optionally followed by .gz)');
    expect(existsSync(join(dir, 'run.txt'))).toBe(false);
  });

  it('reports a place it cannot write to as bad input', async () => {
    const path = join(dir, 'missing-dir', 'run.pftrace');
    const r = await cli('run', file, '--trace', path);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`--trace ${path}: cannot write the file (ENOENT)\n`);
    expect(existsSync(join(dir, 'missing-dir'))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('says where the trace went, how big it is and what it holds (stderr with --json)', async () => {
    const path = join(dir, 'said.pftrace');
    const r = await cli('run', file, '--trace', path);
    expect(r.code).toBe(0);
    const size = statSync(path).size;
    expect(size).toBeGreaterThan(1000);
    expect(size).toBeLessThan(1e6);
    expect(r.out.trimEnd().split('\n').pop()).toBe(`trace: ${path}, ${(size / 1e3).toFixed(1)} kB (Perfetto protobuf, with the why texts): open it in https://ui.perfetto.dev (schedlab open ${path})`);
    const gz = join(dir, 'said.json.gz');
    const j = await cli('run', file, '--trace', gz, '--no-why', '--json');
    expect(j.code).toBe(0);
    expect((JSON.parse(j.out) as { scenario: string }).scenario).toBe('two-hogs');
    expect(j.err).toBe(`trace: ${gz}, ${(statSync(gz).size / 1e3).toFixed(1)} kB (Chrome JSON trace events, gzip, without the why texts): open it in https://ui.perfetto.dev (schedlab open ${gz})\n`);
  });

  it('warns that a trace past 512 MB may not open in the browser, with what makes it smaller', () => {
    const base = { path: 'big.pftrace', format: 'proto' as const, gzip: false, why: true, fileBytes: 1_385_000_000, rawBytes: 1_385_000_000 };
    expect(traceWrittenLines(base)).toEqual([
      'trace: big.pftrace, 1385 MB (Perfetto protobuf, with the why texts): open it in https://ui.perfetto.dev (schedlab open big.pftrace)',
      "note: the trace is 1385 MB; the Perfetto UI holds a trace in browser memory (typically 2 GB, 2-4× an uncompressed trace's size), so it may not open there: load it through trace_processor --httpd (https://perfetto.dev/docs/visualization/large-traces), or make it smaller with --no-why (about a quarter of the size) or limits.events / limits.timeNs",
    ]);
    // Without the why texts the note does not offer --no-why; a .gz trace is judged by its size before compression.
    const gz = traceWrittenLines({ ...base, path: 'big.json.gz', format: 'json', gzip: true, why: false, fileBytes: 59_000_000, rawBytes: 634_000_000 });
    expect(gz[0]).toBe('trace: big.json.gz, 59 MB (Chrome JSON trace events, gzip, without the why texts): open it in https://ui.perfetto.dev (schedlab open big.json.gz)');
    // A path that is not one plain shell word is quoted in the command it suggests.
    expect(traceWrittenLines({ ...base, path: "my run's.pftrace", fileBytes: 2000, rawBytes: 2000 })[0]).toBe(
      "trace: my run's.pftrace, 2.0 kB (Perfetto protobuf, with the why texts): open it in https://ui.perfetto.dev (schedlab open 'my run'\\''s.pftrace')",
    );
    expect(gz[1]).toMatch(/^note: the trace is 634 MB before compression; .* or make it smaller with limits\.events \/ limits\.timeNs$/);
    // At the limit, no note; a small trace in kB, a mid-sized one with one decimal.
    expect(traceWrittenLines({ ...base, fileBytes: 512 * 2 ** 20, rawBytes: 512 * 2 ** 20 })).toHaveLength(1);
    expect(BIG_TRACE_BYTES).toBe(512 * 2 ** 20);
    expect(traceWrittenLines({ ...base, fileBytes: 2_345_678, rawBytes: 2_345_678 })[0]).toContain(', 2.3 MB (');
  });

  it('refuses a qualifying flag without the flag it qualifies, and runs nothing', async () => {
    const a = await cli('run', file, '--no-why');
    expect(a).toEqual({ code: 2, out: '', err: '--no-why only applies to a trace: add --trace FILE (.pftrace or .json, optionally .gz)\n' });
    const b = await cli('run', file, '--scheddetail');
    expect(b).toEqual({ code: 2, out: '', err: '--scheddetail only applies with --schedtrace PERIOD (for example --schedtrace 10ms)\n' });
  });
});
