/**
 * The playground's timeline data, without a browser: slices sorted with prefix sums per state
 * class, the same tracks and slice details as the Perfetto trace, and details past the memory
 * budget found again by replaying the run.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { traceMetaOf } from '../../src/node/trace-file.js';
import { simulate } from '../../src/sim.js';
import type { Args, TraceEncoder, TrackSpec } from '../../src/trace/encoder.js';
import { PerfettoSink } from '../../src/trace/perfetto.js';
import { loadScenario } from '../../src/workload/scenario.js';
import { FindSliceEncoder, TimelineEncoder } from '../../web/src/timeline/collect.js';
import { classify, Cls, search, TrackBuilder } from '../../web/src/timeline/data.js';

function config(name: string, variant?: string) {
  const s = loadScenario(readFileSync(`examples/${name}.yaml`, 'utf8'), `${name}.yaml`);
  return variant === undefined ? s.config : s.variants.find((v) => v.name === variant)!.config;
}

describe('timeline data', () => {
  it('classifies slice names into states', () => {
    expect(['Running', 'Grunning', 'Prunning', 'T3 worker-0', 'G12'].map(classify)).toEqual([Cls.Running, Cls.Running, Cls.Running, Cls.Running, Cls.Running]);
    expect(['Runnable', 'Grunnable'].map(classify)).toEqual([Cls.Runnable, Cls.Runnable]);
    expect(['Waiting: syscall', 'Gwaiting'].map(classify)).toEqual([Cls.Waiting, Cls.Waiting]);
    expect(classify('switch → T3 worker-0')).toBe(Cls.Switch);
    expect(['Gsyscall', 'Psyscall'].map(classify)).toEqual([Cls.Syscall, Cls.Syscall]);
    expect(classify('Pidle')).toBe(Cls.Idle);
    expect(classify('created')).toBe(Cls.Other);
  });

  it('sorts a track by start and keeps prefix sums of each class', () => {
    const b = new TrackBuilder({ id: 1, kind: 'slices', name: 'x', parent: 0, rank: 0 });
    b.addSlice(10, 15, 0, 0, Cls.Running);
    b.addSlice(0, 4, 1, 1, Cls.Runnable);
    b.addSlice(4, 10, 2, 2, Cls.Waiting);
    b.addSlice(20, 30, 0, 0, Cls.Running);
    const { track, order } = b.finish();
    expect([...track.start]).toEqual([0, 4, 10, 20]);
    expect([...track.end]).toEqual([4, 10, 15, 30]);
    expect([...track.label]).toEqual([1, 2, 0, 0]);
    expect([...order!]).toEqual([1, 2, 0, 3]);
    expect(track.classes).toEqual([Cls.Running, Cls.Runnable, Cls.Waiting]);
    expect([...track.cum[0]!]).toEqual([0, 0, 0, 5, 15]);
    expect([...track.cum[1]!]).toEqual([0, 4, 4, 4, 4]);
    expect([...track.cum[2]!]).toEqual([0, 0, 6, 6, 6]);
    expect(search(track.start, 10, 0, 4, false)).toBe(3);
    expect(search(track.start, 10, 0, 4, true)).toBe(2);
  });

  it('holds the tracks and slices of the Perfetto trace, with the same details', () => {
    const c = config('go-preemption', 'async-preemption');
    const slices: Array<{ track: number; start: number; end: number; name: string; args: Args | null }> = [];
    const tracks: TrackSpec[] = [];
    const enc: TraceEncoder = {
      nativeSched: false,
      begin() {},
      track: (t) => void tracks.push(t),
      slice: (t, start, end, name, args) => void (end > start && slices.push({ track: t.id, start, end, name, args })),
      instant() {},
      counter() {},
      schedSwitch() {},
      schedWaking() {},
      end() {},
    };
    simulate(c, { trace: new PerfettoSink(enc, traceMetaOf(c), { why: true }) });
    const te = new TimelineEncoder();
    simulate(c, { trace: new PerfettoSink(te, traceMetaOf(c), { why: true }) });
    const data = te.finish();
    expect(data.tracks.map((t) => [t.id, t.kind, t.name])).toEqual(tracks.map((t) => [t.id, t.kind, t.name]));
    expect(data.slices).toBe(slices.length);
    for (const t of data.tracks) {
      const want = slices.filter((s) => s.track === t.id).sort((a, b) => a.start - b.start);
      expect(t.n).toBe(want.length);
      want.forEach((s, i) => {
        expect([t.start[i], t.end[i], data.strings[t.label[i]!]]).toEqual([s.start, s.end, s.name]);
        expect(te.details(t.id, i)).toEqual(s.args);
      });
    }
  });

  it('past its budget the encoder drops details, and a replay finds them again', () => {
    const c = config('seed-preemption', 'cfs');
    const full = new TimelineEncoder();
    simulate(c, { trace: new PerfettoSink(full, traceMetaOf(c), { why: true }) });
    const fullData = full.finish();
    const small = new TimelineEncoder(2000);
    simulate(c, { trace: new PerfettoSink(small, traceMetaOf(c), { why: true }) });
    const data = small.finish();
    expect(small.dropped).toBe(true);
    const lane = data.tracks.find((t) => t.tid !== undefined && t.n > 100)!;
    const i = lane.n - 7;
    expect(small.details(lane.id, i)).toBeUndefined();
    const want = full.details(lane.id, i);
    expect(want).toBeTruthy();
    expect(fullData.tracks.find((t) => t.id === lane.id)!.start[i]).toBe(lane.start[i]);
    const find = new FindSliceEncoder(lane.id, lane.start[i]!, lane.end[i]!);
    simulate(c, { trace: new PerfettoSink(find, traceMetaOf(c), { why: true }) });
    expect(find.found).toEqual(want);
  });
});
