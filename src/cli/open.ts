/**
 * `schedlab open TRACE`: opens a written trace in the Perfetto UI, the way Perfetto's own
 * `open_trace_in_ui` script does. The UI runs in the browser and can fetch a trace from
 * http://127.0.0.1:9001 (the one local address its content security policy allows), so this
 * serves the file there, with a CORS header for the UI's origin, and prints (and, unless
 * --no-browser, opens) https://ui.perfetto.dev/#!/?url=http://127.0.0.1:9001/NAME. It stops
 * once the UI has fetched the whole file, or keeps serving with --keep.
 *
 * On a machine without a browser (a server reached over ssh), forward the port
 * (`ssh -L 9001:127.0.0.1:9001 host`) and open the printed link on your own machine.
 */
import { spawn } from 'node:child_process';
import { createReadStream, statSync, type Stats } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, resolve } from 'node:path';
import { Command } from '@commander-js/extra-typings';
import { traceFormatOf } from '../node/trace-file.js';
import { UsageError } from './trace-options.js';

/** The port the Perfetto UI may fetch traces from (its content security policy). */
export const PERFETTO_PORT = 9001;
export const PERFETTO_UI = 'https://ui.perfetto.dev';

export interface OpenOptions {
  /** Port to serve on (0: any free one, for tests); the Perfetto UI itself needs 9001. */
  port?: number;
  /** The UI to open (a self-hosted copy of Perfetto's UI, say); its origin gets the CORS header. */
  ui?: string;
  /** Keep serving after the first complete download. */
  keep?: boolean;
}

export interface TraceServer {
  server: Server;
  /** Where the trace is served. */
  traceUrl: string;
  /** The UI link that loads it. */
  link: string;
  /** Resolves when serving stops: after the first complete download (unless keep), or close(). */
  done: Promise<void>;
  close(): Promise<void>;
}

/** Checks the trace file and the options; throws UsageError with what is wrong and what is allowed. */
function check(path: string, options: OpenOptions): { size: number; origin: string; ui: string } {
  try {
    traceFormatOf(path);
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/^trace file /, 'open: '));
  }
  let st: Stats;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `open: ${path}: no such file (write one with schedlab run FILE --trace ${path})` : `open: ${path}: cannot read (${code ?? String(e)})`);
  }
  if (!st.isFile()) throw new UsageError(`open: ${path} is not a file`);
  const size = st.size;
  const ui = options.ui ?? PERFETTO_UI;
  let origin: string;
  try {
    const u = new URL(ui);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('not http(s)');
    origin = u.origin;
  } catch {
    throw new UsageError(`--ui ${ui}: not an http(s) URL (the default is ${PERFETTO_UI})`);
  }
  return { size, origin, ui: ui.replace(/\/+$/, '') };
}

/** Serves `path` for the Perfetto UI on 127.0.0.1 (see the file comment). */
export function serveTrace(path: string, options: OpenOptions = {}): Promise<TraceServer> {
  const { size, origin, ui } = check(path, options);
  const name = encodeURIComponent(basename(path));
  const file = resolve(path);
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  const server = createServer((req, res) => {
    const headers = { 'Access-Control-Allow-Origin': origin, 'Cache-Control': 'no-cache', Vary: 'Origin' };
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...headers, 'Access-Control-Allow-Methods': 'GET, HEAD', 'Access-Control-Allow-Headers': '*' });
      res.end();
      return;
    }
    if ((req.method !== 'GET' && req.method !== 'HEAD') || req.url !== `/${name}`) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`only /${name} is served here\n`);
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(file);
    stream.on('error', () => res.destroy());
    res.on('finish', () => {
      if (options.keep !== true) {
        server.close(() => finish());
        server.closeIdleConnections();
      }
    });
    stream.pipe(res);
  });
  server.on('close', () => finish());
  return new Promise((resolveServer, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      const port = options.port ?? PERFETTO_PORT;
      reject(
        new UsageError(
          e.code === 'EADDRINUSE'
            ? `open: port ${port} on 127.0.0.1 is in use (a trace_processor --httpd, or another schedlab open?): stop it and try again (the Perfetto UI only fetches from port ${PERFETTO_PORT})`
            : `open: cannot listen on 127.0.0.1:${port}: ${e.code ?? e.message}`,
        ),
      );
    });
    server.listen(options.port ?? PERFETTO_PORT, '127.0.0.1', () => {
      const a = server.address() as AddressInfo;
      const traceUrl = `http://127.0.0.1:${a.port}/${name}`;
      resolveServer({
        server,
        traceUrl,
        link: `${ui}/#!/?url=${traceUrl}`,
        done,
        close: () =>
          new Promise<void>((r) => {
            server.close(() => r());
            server.closeAllConnections();
          }),
      });
    });
  });
}

/** Opens `url` in the system's browser, if there is one (errors are ignored: the link is printed anyway). */
function launchBrowser(url: string): void {
  const [cmd, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // No browser launcher: the printed link is the way.
  }
}

export interface OpenFlags {
  port?: string;
  ui?: string;
  keep?: boolean;
  browser?: boolean;
}

export async function openCommand(path: string, flags: OpenFlags, out: (s: string) => void): Promise<number> {
  let port: number | undefined;
  if (flags.port !== undefined) {
    port = Number(flags.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port ${flags.port}: a port is an integer from 0 to 65535 (the Perfetto UI only fetches from ${PERFETTO_PORT})`);
  }
  const options: OpenOptions = { keep: flags.keep === true };
  if (port !== undefined) options.port = port;
  if (flags.ui !== undefined) options.ui = flags.ui;
  const s = await serveTrace(path, options);
  out(`open ${s.link}\n`);
  out(`(serving ${path} at ${s.traceUrl} ${flags.keep === true ? 'until Ctrl-C' : 'until the UI has fetched it; Ctrl-C stops it'})\n`);
  if (flags.browser !== false) launchBrowser(s.link);
  await s.done;
  if (flags.keep !== true) out(`the UI has the trace; stopped serving\n`);
  return 0;
}

export function openCommandDef(out: (s: string) => void, done: (code: number) => void): Command {
  const cmd = new Command('open')
    .description(`open a trace in the Perfetto UI: serve it on 127.0.0.1:${PERFETTO_PORT} for ${PERFETTO_UI} and print (and open) the link`)
    .argument('<trace>', 'a trace written with schedlab run FILE --trace (.pftrace or .json, optionally .gz)')
    .option('--no-browser', 'only print the link (on a machine without a browser: forward port 9001 and open the link where you are)')
    .option('--keep', 'keep serving after the UI has fetched the trace (until Ctrl-C)')
    .option('--port <n>', `port to serve on (default ${PERFETTO_PORT}, the only one ui.perfetto.dev fetches from)`)
    .option('--ui <url>', `the UI to open (default ${PERFETTO_UI}; a self-hosted copy of it, say)`)
    .action(async (trace, flags) => {
      done(await openCommand(trace, flags, out));
    });
  return cmd as unknown as Command;
}

/** Adds `open` to the program. */
export function registerOpen(program: { addCommand(cmd: Command): unknown }, io: { out(s: string): void }, done: (code: number) => void): void {
  program.addCommand(openCommandDef((s) => io.out(s), done));
}
