/**
 * A minimal protobuf wire-format writer and reader (no schema, no dependencies): enough to
 * write Perfetto's trace format and to read it back in tests. Messages are built into a
 * growable byte buffer; nested messages are written into their own buffer and copied in as
 * length-delimited fields.
 *
 * Integers: field values are JS numbers up to 2^53 (simulated nanoseconds, ids); negative
 * int64 values are written as 10-byte two's complement varints, as protobuf requires.
 */

const enc = new TextEncoder();
let scratch = new Uint8Array(4096);
/** Room for the UTF-8 of any string shorter than 0x800 UTF-16 units. */
const small = new Uint8Array(0x800 * 3);
const dec = new TextDecoder();

export class PbWriter {
  buf: Uint8Array;
  len = 0;

  constructor(size = 256) {
    this.buf = new Uint8Array(size);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const nb = new Uint8Array(size);
    nb.set(this.buf.subarray(0, this.len));
    this.buf = nb;
  }

  reset(): void {
    this.len = 0;
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  varint(v: number): void {
    this.ensure(10);
    const b = this.buf;
    let p = this.len;
    if (v >= 0 && v < 0x80000000) {
      // Small non-negative values (almost all): 32-bit operations.
      while (v >= 0x80) {
        b[p++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      b[p++] = v;
      this.len = p;
      return;
    }
    if (v < 0) {
      // Two's complement, 64 bits: split into hi/lo 32-bit words.
      let lo = v % 0x100000000;
      let hi = Math.floor(v / 0x100000000);
      lo = lo >>> 0;
      hi = hi >>> 0;
      for (let i = 0; i < 9; i++) {
        b[p++] = (lo & 0x7f) | 0x80;
        lo = ((lo >>> 7) | (hi << 25)) >>> 0;
        hi = hi >>> 7;
      }
      b[p++] = lo & 0x01;
      this.len = p;
      return;
    }
    // Up to 2^53 (timestamps past 2.1 s): split into 32-bit words, shift 7 bits at a time.
    let lo = v >>> 0;
    let hi = (v - lo) / 0x100000000;
    while (hi !== 0) {
      b[p++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | ((hi & 0x7f) << 25)) >>> 0;
      hi >>>= 7;
    }
    while (lo >= 0x80) {
      b[p++] = (lo & 0x7f) | 0x80;
      lo >>>= 7;
    }
    b[p++] = lo;
    this.len = p;
  }

  tag(field: number, wire: number): void {
    const k = (field << 3) | wire;
    if (k < 0x80) {
      this.ensure(1);
      this.buf[this.len++] = k;
    } else this.varint(k);
  }

  uint(field: number, v: number): void {
    const key = field << 3;
    if (key < 0x80 && v >= 0 && this.len + 10 <= this.buf.length) {
      // Fast path: one-byte key, value below 2^53 (room known).
      const b = this.buf;
      let p = this.len;
      b[p++] = key;
      if (v < 0x80) b[p++] = v;
      else p = putVarint(b, p, v);
      this.len = p;
      return;
    }
    this.tag(field, 0);
    this.varint(v);
  }

  bool(field: number, v: boolean): void {
    this.tag(field, 0);
    this.varint(v ? 1 : 0);
  }

  double(field: number, v: number): void {
    this.tag(field, 1);
    this.ensure(8);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.len, 8).setFloat64(0, v, true);
    this.len += 8;
  }

  fixed64(field: number, v: number): void {
    this.tag(field, 1);
    this.ensure(8);
    const dv = new DataView(this.buf.buffer, this.buf.byteOffset + this.len, 8);
    dv.setUint32(0, v % 0x100000000 >>> 0, true);
    dv.setUint32(4, Math.floor(v / 0x100000000) >>> 0, true);
    this.len += 8;
  }

  bytesField(field: number, data: Uint8Array): void {
    this.tag(field, 2);
    this.varint(data.length);
    this.ensure(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
  }

  string(field: number, s: string): void {
    const n = s.length;
    this.tag(field, 2);
    if (n < 0x4000) {
      // ASCII (nearly every text here): as many bytes as characters, so the length is known
      // first and the characters are copied straight in; otherwise the UTF-8 paths below.
      this.ensure(n + 2);
      const b = this.buf;
      const start = this.len;
      let p = start + (n < 0x80 ? 1 : 2);
      let ascii = true;
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c > 0x7f) {
          ascii = false;
          break;
        }
        b[p++] = c;
      }
      if (ascii) {
        if (n < 0x80) b[start] = n;
        else {
          b[start] = (n & 0x7f) | 0x80;
          b[start + 1] = n >>> 7;
        }
        this.len = p;
        return;
      }
    }
    if (n < 0x800) {
      // UTF-8 into a fixed scratch buffer (no view made per string), then copied after the
      // exact length: texts of a few dozen bytes (explanations) are written by the thousand.
      const written = enc.encodeInto(s, small).written;
      this.ensure(written + 2);
      const b = this.buf;
      let p = this.len;
      if (written < 0x80) b[p++] = written;
      else {
        b[p++] = (written & 0x7f) | 0x80;
        b[p++] = written >>> 7;
      }
      if (written <= 128) for (let i = 0; i < written; i++) b[p++] = small[i]!;
      else {
        b.set(small.subarray(0, written), p);
        p += written;
      }
      this.len = p;
      return;
    }
    // Long: through a scratch buffer (at most 3 bytes per UTF-16 unit), then copied.
    if (scratch.length < n * 3) scratch = new Uint8Array(n * 3 * 2);
    const written = enc.encodeInto(s, scratch).written;
    this.varint(written);
    this.raw(scratch, written);
  }

  /** Appends the UTF-8 of `s` (no tag, no length: a piece of a field being written). */
  utf8(s: string): void {
    const n = s.length;
    this.ensure(n * 3);
    const b = this.buf;
    let p = this.len;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) {
        // The rest as the platform encodes it (rare: arrows, names with accents).
        p += enc.encodeInto(i === 0 ? s : s.slice(i), b.subarray(p)).written;
        break;
      }
      b[p++] = c;
    }
    this.len = p;
  }

  /** Appends the first `n` bytes of `data`. */
  raw(data: Uint8Array, n: number): void {
    this.ensure(n);
    const b = this.buf;
    if (n < 48) {
      let p = this.len;
      for (let i = 0; i < n; i++) b[p++] = data[i]!;
      this.len = p;
    } else {
      b.set(n === data.length ? data : data.subarray(0, n), this.len);
      this.len += n;
    }
  }

  /**
   * Starts a nested message expected to be shorter than 128 bytes: the tag and one byte
   * reserved for its length; returns where the length goes (pass it to `close1`).
   */
  open1(field: number): number {
    this.tag(field, 2);
    this.ensure(1);
    return this.len++;
  }

  /** Ends a message started by `open1`; a longer one than expected is moved to make room. */
  close1(at: number): void {
    const n = this.len - at - 1;
    if (n < 0x80) {
      this.buf[at] = n;
      return;
    }
    const size = varintSize(n);
    this.ensure(size - 1);
    this.buf.copyWithin(at + size, at + 1, this.len);
    this.len += size - 1;
    putVarint(this.buf, at, n);
  }

  /** Starts a nested message with 2 bytes reserved for its length (see `begin`); returns where. */
  open2(field: number): number {
    this.tag(field, 2);
    this.ensure(2);
    const at = this.len;
    this.len += 2;
    return at;
  }

  /** Ends a message started by `open2`. */
  close2(at: number): void {
    const n = this.len - at - 2;
    if (n < 0x4000) {
      this.buf[at] = (n & 0x7f) | 0x80;
      this.buf[at + 1] = n >>> 7;
      return;
    }
    const size = varintSize(n);
    this.ensure(size - 2);
    this.buf.copyWithin(at + size, at + 2, this.len);
    this.len += size - 2;
    putVarint(this.buf, at, n);
  }

  private stack: number[] = [];

  /**
   * Starts a nested message written in place: the tag, then 2 bytes reserved for its length,
   * patched by `end()` as a redundant (non-minimal) varint, as Perfetto's own protozero writer
   * does — no copy of the nested bytes.
   */
  begin(field: number): void {
    this.tag(field, 2);
    this.ensure(2);
    this.stack.push(this.len);
    this.len += 2;
  }

  end(): void {
    const at = this.stack.pop()!;
    const n = this.len - at - 2;
    if (n < 0x4000) {
      this.buf[at] = (n & 0x7f) | 0x80;
      this.buf[at + 1] = n >>> 7;
      return;
    }
    // Longer than 2 varint bytes: make room (rare: only very long strings).
    let size = 0;
    for (let v = n; v > 0; v >>>= 7) size++;
    this.ensure(size - 2);
    this.buf.copyWithin(at + size, at + 2, this.len);
    this.len += size - 2;
    let v = n;
    for (let i = 0; i < size; i++) {
      this.buf[at + i] = (v & 0x7f) | (i < size - 1 ? 0x80 : 0);
      v >>>= 7;
    }
  }

  /** Writes `inner` (a finished message) as a length-delimited field. */
  message(field: number, inner: PbWriter): void {
    this.tag(field, 2);
    this.varint(inner.len);
    this.raw(inner.buf, inner.len);
  }
}

/** The number of bytes of the varint encoding of `v` (0 ≤ v < 2^53). */
export function varintSize(v: number): number {
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  if (v < 0x800000000) return 5;
  if (v < 0x40000000000) return 6;
  if (v < 0x2000000000000) return 7;
  return 8;
}

/** Writes the varint of `v` (0 ≤ v < 2^53) at `p` (room known); returns the position after it. */
export function putVarint(b: Uint8Array, p: number, v: number): number {
  if (v >= 0x80000000) {
    let lo = v >>> 0;
    let hi = (v - lo) / 0x100000000;
    while (hi !== 0) {
      b[p++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | ((hi & 0x7f) << 25)) >>> 0;
      hi >>>= 7;
    }
    v = lo;
  }
  while (v >= 0x80) {
    b[p++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  b[p++] = v;
  return p;
}

/** One decoded field: varints and fixed values as numbers, length-delimited as bytes. */
export interface PbField {
  field: number;
  wire: number;
  /** Varint, fixed64 (as unsigned) or fixed32 value. */
  num: number;
  /** Length-delimited payload. */
  data: Uint8Array | null;
}

/** Decodes every field of one message (tests and tools). */
export function pbDecode(buf: Uint8Array): PbField[] {
  const out: PbField[] = [];
  let p = 0;
  const varint = (): number => {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = buf[p++]!;
      v += (b & 0x7f) * mul;
      mul *= 128;
      if (b < 0x80) return v;
    }
  };
  while (p < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (wire === 0) out.push({ field, wire, num: varint(), data: null });
    else if (wire === 1) {
      const dv = new DataView(buf.buffer, buf.byteOffset + p, 8);
      out.push({ field, wire, num: dv.getUint32(0, true) + dv.getUint32(4, true) * 0x100000000, data: buf.subarray(p, p + 8) });
      p += 8;
    } else if (wire === 2) {
      const n = varint();
      out.push({ field, wire, num: n, data: buf.subarray(p, p + n) });
      p += n;
    } else if (wire === 5) {
      const dv = new DataView(buf.buffer, buf.byteOffset + p, 4);
      out.push({ field, wire, num: dv.getUint32(0, true), data: buf.subarray(p, p + 4) });
      p += 4;
    } else throw new Error(`pbDecode: unsupported wire type ${wire} at byte ${p}`);
  }
  return out;
}

export function pbString(data: Uint8Array | null): string {
  return data === null ? '' : dec.decode(data);
}

export function pbDouble(data: Uint8Array | null): number {
  if (data === null) return NaN;
  return new DataView(data.buffer, data.byteOffset, 8).getFloat64(0, true);
}

/** The values of a packed repeated varint field (non-negative, below 2^53). */
export function pbPacked(data: Uint8Array | null): number[] {
  const v: number[] = [];
  if (data === null) return v;
  let p = 0;
  while (p < data.length) {
    let n = 0;
    let mul = 1;
    for (;;) {
      const b = data[p++]!;
      n += (b & 0x7f) * mul;
      mul *= 128;
      if (b < 0x80) break;
    }
    v.push(n);
  }
  return v;
}

/** Reads a varint that encodes a signed int64 (two's complement) as a JS number. */
export function pbSigned(v: number): number {
  return v >= 2 ** 63 ? v - 2 ** 64 : v;
}
