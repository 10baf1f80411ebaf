/**
 * `schedlab run FILE --trace out.<ext>` through the real command line: the trace appears only
 * when the run finishes, a bad extension is bad input (exit 2, no file), and the written trace
 * is the same as the library writes.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { Simulation } from '../src/sim.js';
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
  it('writes a JSON trace that holds the run, without the why texts unless --why asks for them', async () => {
    const path = join(dir, 'run.json.gz');
    const r = await cli('run', file, '--trace', path);
    expect(r.code).toBe(0);
    type Doc = { traceEvents: Array<{ ph: string; tid?: number; name: string; args?: Record<string, unknown> }>; otherData: Record<string, unknown> };
    const doc = JSON.parse(gunzipSync(readFileSync(path)).toString('utf8')) as Doc;
    expect(doc.otherData).toMatchObject({ tool: 'schedlab', scenario: 'two-hogs', model: 'threads', policy: 'rr', cpus: 1 });
    const bare = [
      ['Running', undefined],
      ['Runnable', undefined],
      ['Running', undefined],
    ];
    expect(doc.traceEvents.filter((e) => e.ph === 'X' && e.tid === 1).map((e) => [e.name, e.args])).toEqual(bare);
    // --no-why says the default explicitly: the same file.
    const explicit = join(dir, 'run-no-why.json.gz');
    expect((await cli('run', file, '--trace', explicit, '--no-why')).code).toBe(0);
    expect(gunzipSync(readFileSync(explicit)).equals(gunzipSync(readFileSync(path)))).toBe(true);
    // --why: each slice says why it began, what it was and why it ended.
    const whyPath = join(dir, 'why.json');
    expect((await cli('run', file, '--trace', whyPath, '--why')).code).toBe(0);
    const why = JSON.parse(readFileSync(whyPath, 'utf8')) as Doc;
    expect(why.traceEvents.filter((e) => e.ph === 'X' && e.tid === 1).map((e) => [e.name, e.args])).toEqual([
      ['Running', { why: 'dispatched on cpu 0', cause: 'on cpu 0: switch-in 1us (context switch) then ran 9.999ms', next: 'preempted: time slice expired', cpu: 0 }],
      ['Runnable', { why: 'preempted: time slice expired', cause: 'no free hardware thread for 10ms: queued on cpu 0 with T2 hog#2 (running); meanwhile its cpu ran T2 hog#2 for 10ms', next: 'dispatched on cpu 0', cpu: 0 }],
      ['Running', { why: 'dispatched on cpu 0', cause: 'on cpu 0: switch-in 1us (context switch) then ran 5.001ms', next: 'exit', cpu: 0 }],
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
    expect(r).toEqual({ code: 2, out: '', err: `--trace ${join(dir, 'run.txt')}: unknown extension (allowed: .pftrace, .perfetto-trace, .json, each optionally followed by .gz)\n` });
    expect(existsSync(join(dir, 'run.txt'))).toBe(false);
  });

  it('refuses a directory, or the scenario file itself, as the trace file, before running', async () => {
    const d = join(dir, 'a-dir.pftrace');
    mkdirSync(d);
    expect(await cli('run', file, '--trace', d)).toEqual({ code: 2, out: '', err: `--trace ${d}: is a directory (give a file name, ending in .pftrace, .perfetto-trace, .json, each optionally followed by .gz)\n` });
    const self = join(dir, 'self.json');
    writeFileSync(self, JSON.stringify({ name: 'self', machine: { cpus: 1 }, workload: [{ batch: 1, name: 'a', program: [{ compute: '1ms' }] }] }));
    const before = readFileSync(self, 'utf8');
    expect(await cli('run', self, '--trace', self)).toEqual({ code: 2, out: '', err: `--trace ${self}: that is the scenario file; the trace would replace it (give another name)\n` });
    expect(readFileSync(self, 'utf8')).toBe(before);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('Ctrl-C during a traced run: exit 130, says so, and leaves no file (the real executable)', async () => {
    const sub = mkdtempSync(join(dir, 'sigint-'));
    const endless = join(sub, 'endless.yaml');
    writeFileSync(endless, `name: endless\nmachine: {cpus: 2}\nlimits: {time: 1000000s, events: 1000000000}\nworkload:\n  - batch: 4\n    name: w\n    program: [{repeat: {times: forever, do: [{compute: 50us}, {io: 50us}]}}]\n`);
    const child = spawn(process.execPath, ['bin/schedlab.js', 'run', endless, '--trace', join(sub, 'out.pftrace')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // The temporary trace file appears just before the run starts; interrupt once it has grown.
    const tmp = join(sub, `.out.pftrace.${child.pid}.tmp`);
    for (let i = 0; i < 600 && !(existsSync(tmp) && statSync(tmp).size > 1_000_000); i++) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(tmp)).toBe(true);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(err).toMatch(/^interrupted \(SIGINT\) at [0-9.]+m?s of simulated time: the run stopped, and no trace was written\n$/);
    expect(readdirSync(sub)).toEqual(['endless.yaml']);
  }, 60_000);

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
    expect(size).toBeGreaterThan(500);
    expect(size).toBeLessThan(1e6);
    expect(r.out.trimEnd().split('\n').pop()).toBe(`trace: ${path}, ${(size / 1e3).toFixed(1)} kB (Perfetto protobuf, without the why texts; --why adds them): open it in https://ui.perfetto.dev (schedlab open ${path})`);
    const gz = join(dir, 'said.json.gz');
    const j = await cli('run', file, '--trace', gz, '--why', '--json');
    expect(j.code).toBe(0);
    expect((JSON.parse(j.out) as { scenario: string }).scenario).toBe('two-hogs');
    expect(j.err).toBe(`trace: ${gz}, ${(statSync(gz).size / 1e3).toFixed(1)} kB (Chrome JSON trace events, gzip, with the why texts): open it in https://ui.perfetto.dev (schedlab open ${gz})\n`);
  });

  it('warns that a trace past 512 MB may not open in the browser, with what makes it smaller', () => {
    const base = { path: 'big.pftrace', format: 'proto' as const, gzip: false, why: true, fileBytes: 1_385_000_000, rawBytes: 1_385_000_000 };
    expect(traceWrittenLines(base)).toEqual([
      'trace: big.pftrace, 1385 MB (Perfetto protobuf, with the why texts): open it in https://ui.perfetto.dev (schedlab open big.pftrace)',
      "note: the trace is 1385 MB; the Perfetto UI holds a trace in browser memory (typically 2 GB, 2-4× an uncompressed trace's size), so it may not open there: load it through trace_processor --httpd (https://perfetto.dev/docs/visualization/large-traces), or make it smaller with a run without --why (about a quarter of the size) or a shorter run (--set limits.time=DURATION or --set limits.events=N)",
    ]);
    // Without the why texts the note does not offer to leave them out; a .gz trace is judged by its size before compression.
    const gz = traceWrittenLines({ ...base, path: 'big.json.gz', format: 'json', gzip: true, why: false, fileBytes: 59_000_000, rawBytes: 634_000_000 });
    expect(gz[0]).toBe('trace: big.json.gz, 59 MB (Chrome JSON trace events, gzip, without the why texts; --why adds them): open it in https://ui.perfetto.dev (schedlab open big.json.gz)');
    // A path that is not one plain shell word is quoted in the command it suggests.
    expect(traceWrittenLines({ ...base, path: "my run's.pftrace", fileBytes: 2000, rawBytes: 2000 })[0]).toBe(
      "trace: my run's.pftrace, 2.0 kB (Perfetto protobuf, with the why texts): open it in https://ui.perfetto.dev (schedlab open 'my run'\\''s.pftrace')",
    );
    expect(gz[1]).toMatch(/^note: the trace is 634 MB before compression; .* or make it smaller with a shorter run \(--set limits\.time=DURATION or --set limits\.events=N\)$/);
    // At the limit, no note; a small trace in kB, a mid-sized one with one decimal.
    expect(traceWrittenLines({ ...base, fileBytes: 512 * 2 ** 20, rawBytes: 512 * 2 ** 20 })).toHaveLength(1);
    expect(BIG_TRACE_BYTES).toBe(512 * 2 ** 20);
    expect(traceWrittenLines({ ...base, fileBytes: 2_345_678, rawBytes: 2_345_678 })[0]).toContain(', 2.3 MB (');
  });

  it('refuses a qualifying flag without the flag it qualifies, and runs nothing', async () => {
    const a = await cli('run', file, '--why');
    expect(a).toEqual({ code: 2, out: '', err: '--why only applies to a trace: add --trace FILE (.pftrace or .json, optionally .gz)\n' });
    const n = await cli('run', file, '--no-why');
    expect(n).toEqual({ code: 2, out: '', err: '--no-why only applies to a trace: add --trace FILE (.pftrace or .json, optionally .gz)\n' });
    const b = await cli('run', file, '--scheddetail');
    expect(b).toEqual({ code: 2, out: '', err: '--scheddetail only applies with --schedtrace PERIOD (for example --schedtrace 10ms)\n' });
  });

  it('the note on a big trace names limits the scenario format takes', async () => {
    // The fields the note suggests exist: the run they shorten loads, runs and stops at them.
    const r = await cli('run', file, '--set', 'limits.time=1ms', '--json');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as { simulatedNs: number; outcome: string }).outcome).toBe('truncated');
    expect((JSON.parse(r.out) as { simulatedNs: number }).simulatedNs).toBe(1_000_000);
    const e = await cli('run', file, '--set', 'limits.events=5', '--json');
    expect((JSON.parse(e.out) as { events: number; outcome: string }).events).toBe(5);
  });
});

describe('run: a run is checked before it starts', () => {
  const variants = join(dir, 'variants.yaml');
  writeFileSync(
    variants,
    `name: mixed
machine: {cpus: 2}
model: go:2
workload:
  - batch: 2
    name: g
    program: [{compute: 1ms}]
variants:
  - name: go-2
    set: {model: "go:2"}
  - name: threads
    set: {model: threads}
  - name: pool
    set: {model: "pool:2"}
`,
  );
  const goOnly = join(dir, 'go-variants.yaml');
  writeFileSync(goOnly, readFileSync(variants, 'utf8').replace(/ {2}- name: threads\n.*\n {2}- name: pool\n.*\n/, '  - name: go-1\n    set: {model: "go:1"}\n'));

  it('--schedtrace on variants that are not all go:P: names them and runs nothing', async () => {
    const r = await cli('run', variants, '--schedtrace', '1ms');
    expect(r).toEqual({
      code: 2,
      out: '',
      err: `--schedtrace reads the Go runtime (go:P models), and ${variants} has variants that are not: threads (threads), pool (pool:2); pick a go:P variant with --variant (go-2)\n`,
    });
    const one = await cli('run', variants, '--schedtrace', '1ms', '--variant', 'pool');
    expect(one).toEqual({ code: 2, out: '', err: '--schedtrace: the model is pool:2; schedtrace reads the Go runtime (go:P models; try --model go:4)\n' });
  });

  it('--schedtrace on go:P variants: each variant\'s lines under its name', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((t) => (lines.push(String(t)), true));
    try {
      const r = await cli('run', goOnly, '--schedtrace', '1ms');
      expect(r.code).toBe(0);
    } finally {
      spy.mockRestore();
    }
    expect(lines.join('').split('\n').map((l) => l.replace(/:.*/, ''))).toEqual(['# variant go-2', 'SCHED 0ms', 'SCHED 1ms', '# variant go-1', 'SCHED 0ms', 'SCHED 1ms', 'SCHED 2ms', '']);
  });


  it('a bad --schedtrace period is refused before any variant runs or prints its header', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((t) => (lines.push(String(t)), true));
    let neg: CliRun;
    let zero: CliRun;
    try {
      neg = await cli('run', goOnly, '--schedtrace', '-1ms');
      zero = await cli('run', goOnly, '--schedtrace', '0ms');
    } finally {
      spy.mockRestore();
    }
    expect(lines).toEqual([]);
    expect(neg).toEqual({ code: 2, out: '', err: '--schedtrace -1ms: negative duration "-1ms": durations must be ≥ 0\n' });
    expect(zero).toEqual({ code: 2, out: '', err: '--schedtrace 0ms: the period must be > 0\n' });
  });
  it('--check applies with --schedtrace and --trace too', async () => {
    const spy = vi.spyOn(Simulation.prototype, 'checkAll');
    const quiet = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const calls = async (...extra: string[]): Promise<number> => {
      spy.mockClear();
      expect((await cli('run', goOnly, '--variant', 'go-2', ...extra)).code).toBe(0);
      return spy.mock.calls.length;
    };
    try {
      expect(await calls('--schedtrace', '1ms')).toBe(0);
      const plain = await calls('--check');
      expect(plain).toBeGreaterThan(10);
      // After every simulated event, and after each of the two schedtrace samples (0ms, 1ms).
      expect(await calls('--check', '--schedtrace', '1ms')).toBe(plain + 2);
      expect(await calls('--check', '--trace', join(dir, 'checked.pftrace'))).toBe(plain);
      expect(existsSync(join(dir, 'checked.pftrace'))).toBe(true);
    } finally {
      quiet.mockRestore();
      spy.mockRestore();
    }
  });

  it('--variant with a name the file does not have: lists the names it has', async () => {
    const r = await cli('run', variants, '--variant', 'nope');
    expect(r).toEqual({ code: 2, out: '', err: `--variant nope: ${variants} has variants go-2, threads, pool\n` });
    const e = await cli('explain', variants, '--variant', 'nope', '--thread', '1');
    expect(e).toEqual({ code: 2, out: '', err: `--variant nope: ${variants} has variants go-2, threads, pool\n` });
    const none = await cli('run', file, '--variant', 'nope');
    expect(none).toEqual({ code: 2, out: '', err: `--variant nope: ${file} has no variants\n` });
  });
});
