/**
 * `schedlab ui`: it prints its address, serves the built playground, and nothing else (no path
 * traversal, plain or encoded; 404 for anything that is not one of its files).
 */
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUiServer, WEB_OUT, type UiServer } from '../../src/cli/ui.js';

/** A raw GET (the path is sent exactly as given, not normalised). */
function get(url: string, path: string, method = 'GET'): Promise<{ status: number; body: string; type: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type'] ?? '') }));
    });
    req.on('error', reject);
    req.end();
  });
}

let ui: UiServer;
beforeAll(async () => {
  ui = await startUiServer(WEB_OUT);
});
afterAll(async () => {
  await ui?.close();
});

describe('schedlab ui server', () => {
  it('serves the playground on 127.0.0.1', async () => {
    expect(ui.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const index = await get(ui.url, '/');
    expect(index.status).toBe(200);
    expect(index.type).toBe('text/html; charset=utf-8');
    expect(index.body).toBe(readFileSync(join(WEB_OUT, 'index.html'), 'utf8'));
    const script = /src="\.\/(assets\/[^"]+\.js)"/.exec(index.body)?.[1];
    expect(script).toBeDefined();
    const js = await get(ui.url, `/${script!}`);
    expect(js.status).toBe(200);
    expect(js.type).toBe('text/javascript; charset=utf-8');
    expect((await get(ui.url, '/index.html?x=1')).status).toBe(200);
  });

  it('answers 404 for every path outside its files, and 405 for other methods', async () => {
    for (const p of ['/../package.json', '/..%2fpackage.json', '/%2e%2e/package.json', '/assets/../../package.json', '/assets/%2e%2e/%2e%2e/package.json', '//etc/passwd', '/.built', '/index.html%00', '/nope', '/assets/', '/src/main.tsx', '/C:%5cwindows']) {
      const r = await get(ui.url, p);
      expect(r.status, p).toBe(404);
      expect(r.body).toBe('not found\n');
    }
    expect((await get(ui.url, '/%E0%A4%A')).status).toBe(400);
    expect((await get(ui.url, '/', 'POST')).status).toBe(405);
  });

  it('`schedlab ui --port 0` prints a free address and serves there; a bad port is bad input', async () => {
    const child = spawn(process.execPath, ['bin/schedlab.js', 'ui', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.setEncoding('utf8');
        child.stdout.on('data', (c: string) => {
          out += c;
          const m = /schedlab playground: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
          if (m !== null) resolve(m[1]!);
        });
        child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
      });
      const r = await get(url, '/');
      expect(r.status).toBe(200);
      expect(r.body).toContain('<title>schedlab playground</title>');
    } finally {
      child.kill('SIGTERM');
    }
    const bad = spawn(process.execPath, ['bin/schedlab.js', 'ui', '--port', '70000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    bad.stderr.setEncoding('utf8');
    bad.stderr.on('data', (c: string) => (err += c));
    const code = await new Promise<number | null>((resolve) => bad.on('exit', resolve));
    expect(code).toBe(2);
    expect(err).toContain('--port 70000: a port is an integer from 0 to 65535');
  });
});
