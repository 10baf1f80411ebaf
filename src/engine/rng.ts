/**
 * Seeded, forkable randomness: xoshiro128** seeded through splitmix32.
 *
 * Every subsystem draws from its own stream (`rng.fork('steal')`, `rng.fork('task/3')`), so a
 * new draw in one place never shifts the numbers another place sees. 32-bit integer arithmetic
 * (Math.imul, >>>) is bit-identical in every JavaScript engine, so a seed gives the same
 * numbers in Node and in the browser. The first outputs for a few seeds are pinned by a test.
 */
export class RandomStream {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const sm = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let t = s ^ (s >>> 16);
      t = Math.imul(t, 0x21f0aaad);
      t ^= t >>> 15;
      t = Math.imul(t, 0x735a2d97);
      return (t ^ (t >>> 15)) >>> 0;
    };
    // Kept as signed 32-bit values (the same bits): V8 stores them in the object as small
    // integers, where unsigned values ≥ 2^31 would each live in a separate heap box.
    this.a = sm() | 0;
    this.b = sm() | 0;
    this.c = sm() | 0;
    this.d = sm() | 0;
  }

  nextU32(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r;
  }

  /** Uniform in [0, 1) with 53 bits. */
  nextFloat(): number {
    const hi = this.nextU32() >>> 5;
    const lo = this.nextU32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n), unbiased (rejection sampling); n ≤ 2^32. */
  int(n: number): number {
    if (n <= 1) return 0;
    const lim = Math.floor(4294967296 / n) * n;
    for (;;) {
      const x = this.nextU32();
      if (x < lim) return x % n;
    }
  }

  /** Standard normal deviate (Box–Muller, one value per call; deterministic). */
  normal(): number {
    let u = this.nextFloat();
    while (u === 0) u = this.nextFloat();
    const v = this.nextFloat();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/**
 * A named, forkable stream. The generator itself is RandomStream, which objects that need
 * their own stream may extend instead of pointing to one (a task: one object fewer to load
 * per draw, which matters with 10,000 threads).
 */
export class Rng extends RandomStream {
  /** The 32-bit seed this stream was created from (for forking). */
  readonly seed: number;

  constructor(seed: number) {
    super(seed);
    this.seed = seed >>> 0;
  }

  /** An independent stream named `name`, derived from this stream's seed (not its position). */
  fork(name: string): Rng {
    return new Rng(hash32(name, this.seed));
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** FNV-1a over the string, mixed with a seed; used to name streams. */
export function hash32(text: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  return h >>> 0;
}
