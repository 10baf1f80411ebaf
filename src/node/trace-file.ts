/**
 * Writing a Perfetto trace to a file as the run goes. The simulation is synchronous, so the
 * encoder's chunks are written with synchronous writes to a temporary file next to the target
 * (an asynchronous stream would only queue them in memory until the run ends). `commit()`
 * compresses it if the name ends in .gz and renames it into place; `abort()` removes it, so an
 * error never leaves a half-written trace behind.
 *
 * Formats by extension: .pftrace / .perfetto-trace (Perfetto protobuf, recommended),
 * .json (Chrome JSON trace events); either with .gz appended is gzip-compressed.
 */
import { closeSync, createReadStream, createWriteStream, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { SimConfig } from '../sim.js';
import { modelName, modelSpecOf } from '../exec/model.js';
import type { ChunkWriter, TraceEncoder, TraceMeta } from '../trace/encoder.js';
import { JsonEncoder } from '../trace/perfetto-json.js';
import { ProtoEncoder } from '../trace/perfetto-proto.js';
import { PerfettoSink, type PerfettoOptions } from '../trace/perfetto.js';

export type TraceFormat = 'proto' | 'json';

export const TRACE_EXTENSIONS = '.pftrace, .perfetto-trace, .json, each optionally followed by .gz';

/** The format a trace file name asks for, or an error naming the allowed extensions. */
export function traceFormatOf(path: string): { format: TraceFormat; gzip: boolean } {
  const lower = path.toLowerCase();
  const gzip = lower.endsWith('.gz');
  const base = gzip ? lower.slice(0, -3) : lower;
  if (base.endsWith('.pftrace') || base.endsWith('.perfetto-trace')) return { format: 'proto', gzip };
  if (base.endsWith('.json')) return { format: 'json', gzip };
  throw new Error(`trace file "${path}": unknown extension (allowed: ${TRACE_EXTENSIONS})`);
}

export function traceMetaOf(config: SimConfig): TraceMeta {
  const model = modelName(modelSpecOf(config.model));
  return { scenario: config.name, seed: config.seed >>> 0, model, policy: config.os.policy, cpus: config.machine.cpus };
}

/** Synchronous chunked file writer. */
class FileWriter implements ChunkWriter {
  bytes = 0;
  constructor(readonly fd: number) {}
  write(chunk: Uint8Array | string): void {
    if (typeof chunk === 'string') {
      const b = Buffer.from(chunk, 'utf8');
      this.bytes += b.length;
      writeSync(this.fd, b);
    } else {
      this.bytes += chunk.length;
      let off = 0;
      while (off < chunk.length) off += writeSync(this.fd, chunk, off, chunk.length - off);
    }
  }
}

export class TraceFile {
  readonly sink: PerfettoSink;
  readonly format: TraceFormat;
  readonly gzip: boolean;
  private readonly tmp: string;
  private readonly writer: FileWriter;
  private fd: number;
  private done = false;

  constructor(
    readonly path: string,
    meta: TraceMeta,
    options: PerfettoOptions = {},
  ) {
    const f = traceFormatOf(path);
    this.format = f.format;
    this.gzip = f.gzip;
    this.tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
    this.fd = openSync(this.tmp, 'w');
    this.writer = new FileWriter(this.fd);
    const enc: TraceEncoder = f.format === 'proto' ? new ProtoEncoder(this.writer) : new JsonEncoder(this.writer);
    this.sink = new PerfettoSink(enc, meta, options);
  }

  /** Bytes written before compression. */
  get bytes(): number {
    return this.writer.bytes;
  }

  /** Finishes the file (the run must have closed the sink) and moves it into place. */
  async commit(): Promise<void> {
    if (this.done) return;
    this.done = true;
    closeSync(this.fd);
    this.fd = -1;
    try {
      if (this.gzip) {
        const gz = `${this.tmp}.gz`;
        try {
          await pipeline(createReadStream(this.tmp), createGzip(), createWriteStream(gz));
          renameSync(gz, this.path);
        } catch (e) {
          safeUnlink(gz);
          throw e;
        }
        safeUnlink(this.tmp);
      } else {
        renameSync(this.tmp, this.path);
      }
    } catch (e) {
      safeUnlink(this.tmp);
      throw e;
    }
  }

  /** Drops the partial file. */
  abort(): void {
    if (this.done) return;
    this.done = true;
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    safeUnlink(this.tmp);
  }
}

function safeUnlink(p: string): void {
  try {
    unlinkSync(p);
  } catch {
    // already gone
  }
}
