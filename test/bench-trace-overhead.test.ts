/**
 * The tracing-overhead bench's reading of its mode children (bench/trace-overhead.ts): a
 * child's "<cpu ms> <trace bytes>" line is read exactly; any other output is an error that
 * names the mode, so the table never shows NaN.
 */
import { describe, expect, it } from 'vitest';
import { hooksLine, parseModeOutput } from '../bench/trace-overhead.js';

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

  it('reports the hooks cost, and warns instead when the two untraced builds are too far apart to trust', () => {
    expect(hooksLine(6.27e6, 6.14e6)).toBe('  the hooks cost an untraced run -2.1 % (target ≤ 5 %; negative: within noise)');
    expect(hooksLine(6.0e6, 6.6e6)).toBe('  the hooks cost an untraced run 9.1 % (target ≤ 5 %; negative: within noise)');
    // A disturbed run (the untraced best at 4.46 M against 6.10 M for the stripped build).
    expect(hooksLine(4.46e6, 6.1e6).split('\n')).toEqual([
      '  the hooks cost an untraced run 26.9 % (target ≤ 5 %; negative: within noise)',
      "  WARNING: the untraced run and the stripped build differ by 27 %: the machine was busy during one of them, so this run's ratios are off; run the bench again",
    ]);
    expect(hooksLine(7.0e6, 6.0e6)).toContain('WARNING: the untraced run and the stripped build differ by 17 %');
  });

  it('names the model it checks (the Go rows have their own stripped-build run)', () => {
    expect(hooksLine(6.27e6, 6.3e6, 'the Go model')).toBe('  the hooks cost an untraced run (the Go model) 0.5 % (target ≤ 5 %; negative: within noise)');
    // This session's disturbed Go row: 4.39 M untraced, the Go ratios a third too low.
    expect(hooksLine(4.39e6, 6.3e6, 'the Go model').split('\n')).toEqual([
      '  the hooks cost an untraced run (the Go model) 30.3 % (target ≤ 5 %; negative: within noise)',
      '  WARNING: the untraced run (the Go model) and the stripped build differ by 30 %: the machine was busy during one of them, so the ratios of the Go model are off; run the bench again',
    ]);
  });
});
