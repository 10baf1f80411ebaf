/**
 * The tracing-overhead bench's reading of its mode children (bench/trace-overhead.ts): a
 * child's "<cpu ms> <trace bytes>" line is read exactly; any other output is an error that
 * names the mode, so the table never shows NaN.
 */
import { describe, expect, it } from 'vitest';
import { parseModeOutput } from '../bench/trace-overhead.js';

describe('trace-overhead bench', () => {
  it('reads a mode child\'s last line', () => {
    expect(parseModeOutput('proto', '1234.567 72600000\n')).toEqual([1234.567, 72_600_000]);
    expect(parseModeOutput('json+why', 'note from a child\n812 634000000\n')).toEqual([812, 634_000_000]);
  });

  it('refuses anything else instead of reporting NaN', () => {
    expect(() => parseModeOutput('proto+why', '')).toThrow(/mode proto\+why printed/);
    expect(() => parseModeOutput('proto+why', '1234 NaN\n')).toThrow(/not "<ms> <bytes>"/);
    expect(() => parseModeOutput('untraced', '1234\n')).toThrow(/mode untraced/);
  });
});
