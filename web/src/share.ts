/**
 * Share links: the scenario text, seed, model and variant in the URL fragment, as
 * `#s=<base64url(deflate-raw(JSON))>`. The fragment never reaches a server. Opening a link
 * only ever treats its content as data: the JSON is parsed, each field is checked for its
 * type, and the scenario text goes through the same YAML loader and validation as typed text.
 * Nothing in it is evaluated as code.
 */

export interface SharedRun {
  /** The scenario text (YAML or JSON). */
  text: string;
  /** The example it started from (a name only: for the picker). */
  example?: string;
  seed?: number;
  model?: string;
  variant?: string;
}

/** Largest fragment and decompressed size accepted (a guard against decompression bombs). */
export const MAX_FRAGMENT = 200_000;
export const MAX_TEXT = 1_000_000;

function toBase64Url(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  const b = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i++) out[i] = b.charCodeAt(i);
  return out;
}

async function pipe(bytes: Uint8Array, stream: CompressionStream | DecompressionStream, limit: number): Promise<Uint8Array> {
  const reader = new Blob([bytes as BlobPart]).stream().pipeThrough(stream).getReader();
  const parts: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.length;
    if (n > limit) {
      await reader.cancel();
      throw new Error(`the shared scenario is larger than ${limit} bytes`);
    }
    parts.push(value);
  }
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export async function encodeShare(run: SharedRun): Promise<string> {
  const json = JSON.stringify(run);
  const packed = await pipe(new TextEncoder().encode(json), new CompressionStream('deflate-raw'), Infinity);
  return `s=${toBase64Url(packed)}`;
}

/** Decodes a fragment (without '#'); null if it holds no shared run; throws if malformed. */
export async function decodeShare(fragment: string): Promise<SharedRun | null> {
  if (!fragment.startsWith('s=')) return null;
  const body = fragment.slice(2);
  if (body.length > MAX_FRAGMENT) throw new Error('the link is too long');
  if (!/^[A-Za-z0-9_-]*$/.test(body)) throw new Error('the link is not valid base64url');
  const bytes = await pipe(fromBase64Url(body), new DecompressionStream('deflate-raw'), MAX_TEXT);
  const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('the link holds no scenario');
  const o = value as Record<string, unknown>;
  if (typeof o.text !== 'string') throw new Error('the link holds no scenario text');
  const run: SharedRun = { text: o.text };
  if (typeof o.example === 'string' && /^[A-Za-z0-9_-]{1,100}$/.test(o.example)) run.example = o.example;
  if (typeof o.seed === 'number' && Number.isInteger(o.seed) && o.seed >= 0 && o.seed <= 0xffffffff) run.seed = o.seed;
  if (typeof o.model === 'string' && o.model.length <= 100) run.model = o.model;
  if (typeof o.variant === 'string' && o.variant.length <= 200) run.variant = o.variant;
  return run;
}
