/**
 * `schedlab ui [--port N] [--host 127.0.0.1] [--rebuild]`: serves the web playground (web/,
 * built by Vite into dist/web) on 127.0.0.1 and prints its address; it opens no browser.
 * `schedlab ui --build` only builds it (this is `npm run build:web`).
 *
 * Building: a checkout has no built playground, so the first start builds it (a few seconds)
 * and later starts rebuild only when a source (web/, src/, examples/) is newer than the build.
 * An installed package ships dist/web prebuilt (`npm run build` includes it).
 *
 * Serving: only the playground's own files. The server lists dist/web when it starts and
 * answers a GET or HEAD only for a path in that list (`/` is index.html); everything else is
 * 404, so no path (`..`, encoded or not, absolute, or a symlink) reaches any other file.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from '@commander-js/extra-typings';
import { UsageError } from './trace-options.js';

/** The package root (same relative place from src/cli and dist/cli). */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const WEB_SRC = join(ROOT, 'web');
export const WEB_OUT = join(ROOT, 'dist', 'web');
const STAMP = '.built';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
};

const CSP =
  "default-src 'self'; script-src 'self'; worker-src 'self' blob:; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Every file under `dir`, as URL paths ("/assets/index.js"). */
function listFiles(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && e.name !== STAMP) out.set(`/${relative(dir, p).split(sep).join('/')}`, p);
    }
  };
  walk(dir);
  return out;
}

function newestMtime(paths: readonly string[], skip: (p: string) => boolean = () => false): number {
  let newest = 0;
  const visit = (p: string): void => {
    if (skip(p) || !existsSync(p)) return;
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const name of readdirSync(p)) if (name !== 'node_modules' && !name.startsWith('.')) visit(join(p, name));
    } else newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of paths) visit(p);
  return newest;
}

/** Whether dist/web is missing or older than the sources it is built from. */
export function needsBuild(): boolean {
  const stamp = join(WEB_OUT, STAMP);
  if (!existsSync(join(WEB_OUT, 'index.html')) || !existsSync(stamp)) return true;
  if (!existsSync(WEB_SRC)) return false;
  const built = statSync(stamp).mtimeMs;
  const skip = (p: string) => p.startsWith(join(ROOT, 'src', 'cli')) || p.startsWith(join(ROOT, 'src', 'node'));
  return newestMtime([WEB_SRC, join(ROOT, 'src'), join(ROOT, 'examples')], skip) > built;
}

/** Builds the playground into dist/web with Vite (a dev dependency: present in a checkout). */
export async function buildWeb(outDir: string = WEB_OUT): Promise<void> {
  if (!existsSync(join(WEB_SRC, 'index.html'))) throw new UsageError(`the playground sources (${WEB_SRC}) are not here, and ${outDir} has no build`);
  let vite: typeof import('vite');
  try {
    vite = await import('vite');
  } catch {
    throw new UsageError('building the playground needs Vite (a dev dependency): run npm ci, then npm run build:web');
  }
  await vite.build({
    root: WEB_SRC,
    base: './',
    configFile: false,
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, reportCompressedSize: false, chunkSizeWarningLimit: 2000 },
  });
  writeFileSync(join(outDir, STAMP), `${new Date().toISOString()}\n`);
}

export interface UiServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

function stampTime(root: string): number {
  try {
    return statSync(join(root, STAMP)).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * A static server for `root` (dist/web) that answers only for the files it holds. After a
 * rebuild (a new build stamp) it lists them again.
 */
export function createUiServer(root: string): Server {
  let files = listFiles(root);
  let listed = stampTime(root);
  return createServer((req, res) => {
    const send = (code: number, body: string): void => {
      res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      send(405, 'method not allowed\n');
      return;
    }
    const raw = (req.url ?? '/').split('?')[0]!.split('#')[0]!;
    let path: string;
    try {
      path = decodeURIComponent(raw);
    } catch {
      send(400, 'bad request\n');
      return;
    }
    if (path === '/' || path === '') path = '/index.html';
    let file = files.get(path);
    if (file === undefined && stampTime(root) !== listed) {
      files = listFiles(root);
      listed = stampTime(root);
      file = files.get(path);
    }
    if (file === undefined) {
      send(404, 'not found\n');
      return;
    }
    let body: Buffer;
    try {
      body = readFileSync(file);
    } catch {
      send(404, 'not found\n');
      return;
    }
    res.writeHead(200, {
      'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': body.length,
      'Cache-Control': path === '/index.html' ? 'no-cache' : 'max-age=3600',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': CSP,
      'Referrer-Policy': 'no-referrer',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
}

/** Serves `root` on host:port (port 0: a free one). */
export function startUiServer(root: string, host = '127.0.0.1', port = 0): Promise<UiServer> {
  const server = createUiServer(root);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const a = server.address() as AddressInfo;
      const h = a.family === 'IPv6' ? `[${a.address}]` : a.address;
      resolve({
        server,
        url: `http://${h}:${a.port}/`,
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
  });
}

export interface UiFlags {
  port?: string;
  host?: string;
  rebuild?: boolean;
  build?: boolean;
}

export async function uiCommand(flags: UiFlags, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  if (flags.build === true) {
    await buildWeb();
    out(`built the playground into ${WEB_OUT} (static files: host them anywhere)\n`);
    return 0;
  }
  let port = 0;
  if (flags.port !== undefined) {
    port = Number(flags.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port ${flags.port}: a port is an integer from 0 to 65535 (0: any free port)`);
  }
  const host = flags.host ?? '127.0.0.1';
  if (flags.rebuild === true || needsBuild()) {
    err(existsSync(join(WEB_OUT, 'index.html')) ? 'rebuilding the playground (its sources changed)...\n' : 'building the playground (first start, a few seconds)...\n');
    await buildWeb();
  }
  let ui: UiServer;
  try {
    ui = await startUiServer(WEB_OUT, host, port);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot listen on ${host}:${port}: ${code ?? String(e)}`);
  }
  out(`schedlab playground: ${ui.url}\n(serving ${WEB_OUT}; Ctrl-C stops it)\n`);
  return 0;
}

export function uiCommandDef(out: (s: string) => void, err: (s: string) => void, done: (code: number) => void): Command {
  const cmd = new Command('ui')
    .description('serve the web playground on 127.0.0.1 (a free port unless --port) and print its address; opens no browser')
    .option('--port <n>', 'port to listen on (default: any free port)')
    .option('--host <addr>', 'address to listen on (default 127.0.0.1)')
    .option('--rebuild', 'build the playground again before serving')
    .option('--build', 'only build the playground into dist/web (static files), then exit')
    .action(async (flags) => {
      done(await uiCommand(flags, out, err));
    });
  return cmd;
}

/** Adds `ui` to the program. */
export function registerUi(program: { addCommand(cmd: Command): unknown }, io: { out(s: string): void; err(s: string): void }, done: (code: number) => void): void {
  program.addCommand(
    uiCommandDef(
      (s) => io.out(s),
      (s) => io.err(s),
      done,
    ),
  );
}
