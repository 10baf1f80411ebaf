/**
 * A synthetic timeline for measuring the renderer: `lanes` thread lanes of `perLane` slices
 * each, cycling Running / Runnable / Waiting with pseudo-random lengths (a fixed LCG, so every
 * measurement draws the same data).
 */
import { Cls, classColor, TrackBuilder, type TimelineData } from './data.js';

export function syntheticTimeline(lanes: number, perLane: number): TimelineData {
  const strings = ['Running', 'Runnable', 'Waiting: sleep', 'synthetic'];
  const tracks = [];
  let seed = 12345;
  const rnd = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
  let endNs = 0;
  const group = new TrackBuilder({ id: 1, kind: 'process', name: `synthetic (${lanes} × ${perLane} slices)`, parent: 0, rank: 0 });
  tracks.push(group.finish().track);
  for (let l = 0; l < lanes; l++) {
    const b = new TrackBuilder({ id: 2 + l, kind: 'thread', name: `thread ${l + 1}`, parent: 1, rank: l, tid: l + 1 });
    let t = 0;
    for (let i = 0; i < perLane; i++) {
      const k = i % 3;
      const d = 200 + Math.floor(rnd() * (k === 0 ? 3000 : 1500));
      const cls = k === 0 ? Cls.Running : k === 1 ? Cls.Runnable : Cls.Waiting;
      b.addSlice(t, t + d, k, classColor(cls), cls);
      t += d;
    }
    endNs = Math.max(endNs, t);
    tracks.push(b.finish().track);
  }
  return { endNs, strings, tracks, slices: lanes * perLane };
}
