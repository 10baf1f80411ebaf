/**
 * `schedlab open TRACE`: the trace is served on 127.0.0.1 with the CORS header the Perfetto UI
 * needs, byte for byte, until the UI has fetched it once; the printed link loads it; bad input
 * (no file, a wrong extension, a busy port, a bad --ui or --port) is exit code 2 with a message.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliRun, type CliRun } from './cli-support.js';
import { serveTrace } from '../src/cli/open.js';

const dir = mkdtempSync(join(tmpdir(), 'schedlab-open-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const scenario = join(dir, 'hogs.yaml');
writeFileSync(
  scenario,
  `name: hogs
machine: {cpus: 1}
os: {policy: rr, quantum: 10ms}
workload:
  - batch: 2
    name: hog
    program: [{compute: 15ms}]
`,
);

const cli = (...argv: string[]): Promise<CliRun> => cliRun(argv);

describe('open', () => {
  it('serves the trace for the Perfetto UI once, byte for byte, then stops', async () => {
    const trace = join(dir, 'run 1.pftrace');
    expect((await cli('run', scenario, '--trace', trace)).code).toBe(0);
    const s = await serveTrace(trace, { port: 0 });
    expect(s.traceUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/run%201\.pftrace$/);
    expect(s.link).toBe(`https://ui.perfetto.dev/#!/?url=${s.traceUrl}`);
    // A CORS preflight, a wrong path, then the trace.
    const pre = await fetch(s.traceUrl, { method: 'OPTIONS', headers: { Origin: 'https://ui.perfetto.dev' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://ui.perfetto.dev');
    const wrong = await fetch(s.traceUrl.replace('run%201', 'other'));
    expect(wrong.status).toBe(404);
    expect(await wrong.text()).toBe('only /run%201.pftrace is served here\n');
    const res = await fetch(s.traceUrl, { headers: { Origin: 'https://ui.perfetto.dev' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://ui.perfetto.dev');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.equals(readFileSync(trace))).toBe(true);
    await s.done;
    expect(s.server.listening).toBe(false);
  });

  it('keeps serving with keep, and gives a self-hosted UI its own origin', async () => {
    const trace = join(dir, 'keep.json.gz');
    expect((await cli('run', scenario, '--trace', trace)).code).toBe(0);
    const s = await serveTrace(trace, { port: 0, keep: true, ui: 'http://localhost:10000/' });
    expect(s.link).toBe(`http://localhost:10000/#!/?url=${s.traceUrl}`);
    for (let i = 0; i < 2; i++) {
      const res = await fetch(s.traceUrl);
      expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:10000');
      expect(Buffer.from(await res.arrayBuffer()).equals(readFileSync(trace))).toBe(true);
    }
    expect(s.server.listening).toBe(true);
    await s.close();
  });

  it('says what is wrong with bad input, exit code 2', async () => {
    const missing = join(dir, 'none.pftrace');
    expect(await cli('open', missing, '--no-browser')).toEqual({ code: 2, out: '', err: `open: ${missing}: no such file (write one with schedlab run FILE --trace ${missing})\n` });
    const txt = join(dir, 'notes.txt');
    writeFileSync(txt, 'x');
    const bad = await cli('open', txt, '--no-browser');
    expect(bad.code).toBe(2);
    expect(bad.err).toBe(`open: "${txt}": unknown extension (allowed: .pftrace, .perfetto-trace, .json, each optionally followed by .gz)\n`);
    const trace = join(dir, 'ok.pftrace');
    writeFileSync(trace, Buffer.from([0x0a, 0x00]));
    expect((await cli('open', trace, '--no-browser', '--ui', 'file:///x')).err).toBe('--ui file:///x: not an http(s) URL (the default is https://ui.perfetto.dev)\n');
    expect((await cli('open', trace, '--no-browser', '--port', '70000')).err).toBe('--port 70000: a port is an integer from 0 to 65535 (the Perfetto UI only fetches from 9001)\n');
    // A busy port.
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const busy = await cli('open', trace, '--no-browser', '--port', String(port));
      expect(busy.code).toBe(2);
      expect(busy.err).toBe(`open: port ${port} on 127.0.0.1 is in use (a trace_processor --httpd, or another schedlab open?): stop it and try again (the Perfetto UI only fetches from port 9001)\n`);
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });
});
