/**
 * The canvas timeline. Lanes follow the Perfetto layout (groups of tracks); slices are drawn
 * into one pixel buffer (an ImageData written with typed-array fills, put once per frame), and
 * text (lane names, the time axis, labels of wide slices) on top with the 2D context.
 *
 * Level of detail: walking a lane left to right, a slice at least one pixel wide is drawn as
 * it is; where slices are narrower than a pixel, the whole pixel column is summarised from the
 * track's prefix sums: a density bar whose height is the share of the column that slices
 * cover, split into the shares of each state (running, runnable, waiting, ...) stacked from
 * the bottom, so the dominant state is the biggest part. A frame therefore costs
 * O(visible lanes × (pixel columns + wide slices)), whatever the number of slices.
 */
import { formatDuration } from '../../../src/engine/time.js';
import { CLASS_COLORS, PALETTE, search, type TimelineData, type TrackData } from './data.js';

export const AXIS_H = 24;
export const LABEL_W = 190;
const HEADER_H = 20;
const LANE_H = 18;
const COUNTER_H = 26;

export interface Row {
  kind: 'group' | 'slices' | 'counter';
  track: TrackData;
  depth: number;
  /** CSS px from the top of the lanes area. */
  y: number;
  h: number;
  /** Groups: number of lanes inside and whether folded. */
  count: number;
  collapsed: boolean;
}

interface Label {
  x0: number;
  x1: number;
  y: number;
  text: string;
  dark: boolean;
}

export interface Hit {
  row: Row;
  track: TrackData;
  /** Slice index, or -1 - i for instant i. */
  index: number;
  start: number;
  end: number;
}

function rgba(hex: string): number {
  const v = parseInt(hex.slice(1), 16);
  const r = (v >> 16) & 255;
  const g = (v >> 8) & 255;
  const b = v & 255;
  return (0xff000000 | (b << 16) | (g << 8) | r) >>> 0;
}

const PAL = Uint32Array.from(PALETTE.map(rgba));
const CLASS_PAL = Uint32Array.from(CLASS_COLORS.map(rgba));
/** Light text on these palette entries, dark on the others. */
const DARK = PALETTE.map((hex) => {
  const v = parseInt(hex.slice(1), 16);
  const l = 0.299 * ((v >> 16) & 255) + 0.587 * ((v >> 8) & 255) + 0.114 * (v & 255);
  return l < 150;
});
const BG = rgba('#ffffff');
const STRIPE = rgba('#f6f8fa');
const HEADER_BG = rgba('#eef1f4');
const LABEL_BG = rgba('#fbfcfd');
const COUNTER = rgba('#4c6ef5');
const COUNTER_MAX = rgba('#bac8ff');
const TICK = rgba('#212529');
const GRID = rgba('#e9ecef');

function byRank(a: TrackData, b: TrackData): number {
  return a.rank - b.rank || a.id - b.id;
}

function hasContent(t: TrackData): boolean {
  return t.kind === 'counter' ? t.nc > 0 : t.n > 0 || t.ni > 0;
}

/**
 * A tick's time with as many decimals as the tick step needs, so neighbouring ticks never read
 * the same ("1.0005s", "1.001s", not "1s", "1s").
 */
export function tickLabel(t: number, step: number): string {
  if (t === 0) return '0';
  const units: Array<[number, string]> = [
    [1e9, 's'],
    [1e6, 'ms'],
    [1e3, 'us'],
    [1, 'ns'],
  ];
  const [u, name] = units.find(([v]) => Math.abs(t) >= v) ?? [1, 'ns'];
  const decimals = Math.min(9, Math.max(0, Math.ceil(Math.log10(u / step) - 1e-9)));
  return `${(t / u).toFixed(decimals)}${name}`;
}

/**
 * Fills a rectangle of the pixel buffer (row width W). Narrow rectangles (most of them: slices
 * and summarised columns) by plain stores; a TypedArray.fill call per row only pays off for
 * wide ones.
 */
function fillRect(buf: Uint32Array, W: number, x0: number, x1: number, y0: number, y1: number, c: number): void {
  const w = x1 - x0;
  if (w <= 0) return;
  if (w < 24) {
    for (let y = y0; y < y1; y++) {
      const o = y * W + x0;
      for (let k = 0; k < w; k++) buf[o + k] = c;
    }
  } else for (let y = y0; y < y1; y++) buf.fill(c, y * W + x0, y * W + x1);
}

/** "nice" tick step (1, 2, 5 × 10^k ns) for about `target` ns. */
function niceStep(target: number): number {
  const p = Math.pow(10, Math.floor(Math.log10(Math.max(1, target))));
  for (const m of [1, 2, 5, 10]) if (m * p >= target) return m * p;
  return 10 * p;
}

export class TimelineRenderer {
  data: TimelineData | null = null;
  rows: Row[] = [];
  totalH = 0;
  readonly collapsed = new Set<number>();
  t0 = 0;
  t1 = 1;
  scrollY = 0;
  selected: { track: number; index: number } | null = null;
  cursorX = -1;
  private cssW = 0;
  private cssH = 0;
  private dpr = 1;
  private image: ImageData | null = null;
  private buf: Uint32Array = new Uint32Array(0);
  private readonly ctx: CanvasRenderingContext2D;
  private charW = 6.2;
  private colMax = new Float64Array(0);
  private colSum = new Float64Array(0);
  private readonly share = new Float64Array(8);
  /** Statistics of the last frame: total time, time to fill the pixel buffer and to put it. */
  lastFrame = { ms: 0, pixelsMs: 0, putMs: 0, lanes: 0, solid: 0, summarized: 0 };

  constructor(readonly canvas: HTMLCanvasElement) {
    const ctx = canvas.getContext('2d', { alpha: false });
    if (ctx === null) throw new Error('no 2D canvas');
    this.ctx = ctx;
  }

  setData(data: TimelineData | null): void {
    this.data = data;
    this.collapsed.clear();
    this.selected = null;
    this.scrollY = 0;
    this.layout();
    this.fit();
  }

  /** Shows the whole run. */
  fit(): void {
    const end = this.data !== null && this.data.endNs > 0 ? this.data.endNs : 1;
    this.t0 = 0;
    this.t1 = end;
  }

  /** Rebuilds the rows (after data or folding changed). */
  layout(): void {
    const rows: Row[] = [];
    const d = this.data;
    this.rows = rows;
    if (d === null) {
      this.totalH = 0;
      return;
    }
    const children = new Map<number, TrackData[]>();
    for (const t of d.tracks) {
      let a = children.get(t.parent);
      if (a === undefined) children.set(t.parent, (a = []));
      a.push(t);
    }
    for (const a of children.values()) a.sort(byRank);
    let y = 0;
    const countLanes = (id: number): number => {
      let n = 0;
      for (const c of children.get(id) ?? []) n += c.kind === 'group' || c.kind === 'process' ? countLanes(c.id) : hasContent(c) ? 1 : 0;
      return n;
    };
    const walk = (parent: number, depth: number): void => {
      for (const t of children.get(parent) ?? []) {
        if (t.kind === 'group' || t.kind === 'process') {
          const count = countLanes(t.id);
          if (count === 0) continue;
          const collapsed = this.collapsed.has(t.id);
          rows.push({ kind: 'group', track: t, depth, y, h: HEADER_H, count, collapsed });
          y += HEADER_H;
          if (!collapsed) walk(t.id, depth + 1);
        } else if (hasContent(t)) {
          const kind = t.kind === 'counter' ? 'counter' : 'slices';
          const h = kind === 'counter' ? COUNTER_H : LANE_H;
          rows.push({ kind, track: t, depth, y, h, count: 0, collapsed: false });
          y += h;
        }
      }
    };
    walk(0, 0);
    this.totalH = y;
    this.clampScroll();
  }

  toggle(groupId: number): void {
    if (this.collapsed.has(groupId)) this.collapsed.delete(groupId);
    else this.collapsed.add(groupId);
    this.layout();
  }

  resize(cssW: number, cssH: number, dpr: number): void {
    this.cssW = Math.max(1, Math.floor(cssW));
    this.cssH = Math.max(1, Math.floor(cssH));
    this.dpr = dpr > 0 ? dpr : 1;
    const w = Math.round(this.cssW * this.dpr);
    const h = Math.round(this.cssH * this.dpr);
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
    }
    this.canvas.style.width = `${this.cssW}px`;
    this.canvas.style.height = `${this.cssH}px`;
    this.image = this.ctx.createImageData(w, h);
    this.buf = new Uint32Array(this.image.data.buffer);
    this.colMax = new Float64Array(w);
    this.colSum = new Float64Array(w);
    this.ctx.font = '11px system-ui, sans-serif';
    this.charW = this.ctx.measureText('abcdefghijklmnopqrstuvwxyz0123456789').width / 36 || 6.2;
    this.clampScroll();
  }

  get viewH(): number {
    return this.cssH - AXIS_H;
  }

  clampScroll(): void {
    const max = Math.max(0, this.totalH - this.viewH);
    this.scrollY = Math.min(max, Math.max(0, this.scrollY));
  }

  /** Time width of one CSS px of the timeline area. */
  get nsPerPx(): number {
    return (this.t1 - this.t0) / Math.max(1, this.cssW - LABEL_W);
  }

  /** The time at CSS x (in the timeline area). */
  timeAt(x: number): number {
    return this.t0 + (x - LABEL_W) * this.nsPerPx;
  }

  /** Zooms by `factor` (> 1: in) keeping the time under CSS x in place. */
  zoom(factor: number, x: number = LABEL_W + (this.cssW - LABEL_W) / 2): void {
    const end = this.data?.endNs ?? 1;
    const anchor = this.timeAt(x);
    let span = (this.t1 - this.t0) / factor;
    span = Math.min(Math.max(span, 50), Math.max(end, 1000) * 1.5);
    const frac = (x - LABEL_W) / Math.max(1, this.cssW - LABEL_W);
    this.t0 = anchor - frac * span;
    this.t1 = this.t0 + span;
    this.clampTime();
  }

  /** Pans by `dx` CSS px (positive: later times move into view from the right). */
  pan(dx: number): void {
    const d = dx * this.nsPerPx;
    this.t0 += d;
    this.t1 += d;
    this.clampTime();
  }

  private clampTime(): void {
    const end = this.data?.endNs ?? 1;
    const span = this.t1 - this.t0;
    const pad = span * 0.25;
    if (this.t0 < -pad) {
      this.t0 = -pad;
      this.t1 = this.t0 + span;
    }
    if (this.t1 > end + pad) {
      this.t1 = end + pad;
      this.t0 = this.t1 - span;
    }
  }

  scroll(dy: number): void {
    this.scrollY += dy;
    this.clampScroll();
  }

  /** The row at CSS y (canvas coordinates), if any. */
  rowAt(y: number): Row | null {
    const ly = y - AXIS_H + this.scrollY;
    if (y < AXIS_H || ly < 0) return null;
    const rows = this.rows;
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (rows[mid]!.y + rows[mid]!.h <= ly) lo = mid + 1;
      else hi = mid;
    }
    const r = rows[lo];
    return r !== undefined && r.y <= ly ? r : null;
  }

  /** The slice or instant under CSS (x, y), within a few pixels. */
  hit(x: number, y: number): Hit | null {
    const row = this.rowAt(y);
    if (row === null || row.kind !== 'slices' || x < LABEL_W) return null;
    const t = row.track;
    const at = this.timeAt(x);
    const slop = 4 * this.nsPerPx;
    // Instants first (drawn on top).
    if (t.ni > 0) {
      const i = search(t.it, at - slop, 0, t.ni, true);
      if (i < t.ni && t.it[i]! <= at + slop) return { row, track: t, index: -1 - i, start: t.it[i]!, end: t.it[i]! };
    }
    if (t.n === 0) return null;
    const i = search(t.start, at, 0, t.n, false) - 1;
    if (i >= 0 && t.end[i]! > at) return { row, track: t, index: i, start: t.start[i]!, end: t.end[i]! };
    let best = -1;
    let bestD = slop;
    for (const j of [i, i + 1]) {
      if (j < 0 || j >= t.n) continue;
      const dd = at < t.start[j]! ? t.start[j]! - at : at - t.end[j]!;
      if (dd <= bestD) {
        bestD = dd;
        best = j;
      }
    }
    return best >= 0 ? { row, track: t, index: best, start: t.start[best]!, end: t.end[best]! } : null;
  }

  /** Draws a frame; returns its time in ms. */
  draw(): number {
    const f0 = performance.now();
    const img = this.image;
    if (img === null) return 0;
    const W = img.width;
    const H = img.height;
    const buf = this.buf;
    const dpr = this.dpr;
    const ctx = this.ctx;
    buf.fill(BG);
    const Ld = Math.round(LABEL_W * dpr);
    const axisD = Math.round(AXIS_H * dpr);
    const Wt = W - Ld;
    const t0 = this.t0;
    const dt = (this.t1 - this.t0) / Math.max(1, Wt);
    const labels: Label[] = [];
    let lanes = 0;
    let solid = 0;
    let summarized = 0;
    const d = this.data;
    const rows = this.rows;
    // First visible row.
    let r0 = 0;
    for (let hi = rows.length; r0 < hi; ) {
      const mid = (r0 + hi) >>> 1;
      if (rows[mid]!.y + rows[mid]!.h <= this.scrollY) r0 = mid + 1;
      else hi = mid;
    }
    const fill = (x0: number, x1: number, y0: number, y1: number, c: number): void => fillRect(buf, W, x0, x1, y0, y1, c);
    // Vertical grid lines at the axis ticks.
    const step = niceStep(((this.t1 - this.t0) / Math.max(1, this.cssW - LABEL_W)) * 90);
    const firstTick = Math.ceil(this.t0 / step) * step;
    const tickXs: number[] = [];
    for (let tk = firstTick; tk <= this.t1; tk += step) tickXs.push(Math.round(Ld + (tk - t0) / dt));
    const visible: Row[] = [];
    for (let ri = r0; ri < rows.length; ri++) {
      const row = rows[ri]!;
      const yc = row.y - this.scrollY + AXIS_H;
      if (yc >= this.cssH) break;
      visible.push(row);
      const y0 = Math.max(axisD, Math.round(yc * dpr));
      const y1 = Math.min(H, Math.round((yc + row.h) * dpr));
      if (y1 <= y0) continue;
      if (row.kind === 'group') {
        fill(0, W, y0, y1, HEADER_BG);
        continue;
      }
      lanes++;
      if (ri % 2 === 0) fill(Ld, W, y0, y1, STRIPE);
      fill(0, Ld, y0, y1, LABEL_BG);
      for (const x of tickXs) if (x >= Ld && x < W) fill(x, x + 1, y0, y1, GRID);
      const t = row.track;
      const pad = Math.max(1, Math.round(dpr));
      const ly0 = y0 + pad;
      const ly1 = y1 - pad;
      const lh = ly1 - ly0;
      if (lh <= 0) continue;
      if (row.kind === 'counter') {
        this.drawCounter(t, Ld, W, ly0, ly1, t0, dt);
        continue;
      }
      // ---- slices ----
      const sc = this.drawSlices(t, Ld, Wt, ly0, ly1, pad, t0, dt, labels);
      solid += sc >>> 16;
      summarized += sc & 0xffff;
      // Instants: a tick at the top of the lane, one per pixel column.
      if (t.ni > 0) {
        let k = search(t.it, t0, 0, t.ni, true);
        let lastX = -1;
        const th = Math.max(2, Math.round(lh * 0.35));
        for (; k < t.ni; k++) {
          const x = Math.floor((t.it[k]! - t0) / dt);
          if (x >= Wt) break;
          if (x === lastX) continue;
          lastX = x;
          fill(Ld + x, Ld + Math.min(Wt, x + Math.max(2, Math.round(2 * dpr))), ly0, ly0 + th, TICK);
        }
      }
    }
    // Axis background.
    fill(0, W, 0, Math.min(H, axisD), HEADER_BG);
    const fBuf = performance.now();
    ctx.putImageData(img, 0, 0);
    const fPut = performance.now();
    if (d === null) {
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.font = '13px system-ui, sans-serif';
      ctx.fillStyle = '#868e96';
      ctx.textBaseline = 'middle';
      ctx.fillText('Run a scenario: its hardware threads, OS threads and (for go) Ps, Ms and goroutines appear here.', 16, this.cssH / 2);
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      this.lastFrame = { ms: performance.now() - f0, pixelsMs: fBuf - f0, putMs: fPut - fBuf, lanes: 0, solid: 0, summarized: 0 };
      return this.lastFrame.ms;
    }

    // ---- text ----
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    for (const l of labels) {
      const w = (l.x1 - l.x0) / dpr - 6;
      const max = Math.floor(w / this.charW);
      if (max < 3) continue;
      const text = l.text.length > max ? `${l.text.slice(0, max - 1)}…` : l.text;
      ctx.fillStyle = l.dark ? '#ffffff' : '#212529';
      ctx.fillText(text, l.x0 / dpr + 3, l.y / dpr + (LANE_H - 2) / 2);
    }
    for (const row of visible) {
      const yc = row.y - this.scrollY + AXIS_H;
      if (yc + row.h <= AXIS_H) continue;
      const mid = yc + row.h / 2;
      const x = 6 + row.depth * 12;
      if (row.kind === 'group') {
        ctx.fillStyle = '#343a40';
        ctx.font = '600 11px system-ui, sans-serif';
        ctx.fillText(`${row.collapsed ? '▸' : '▾'} ${row.track.name}  (${row.count})`, x, mid);
        ctx.font = '11px system-ui, sans-serif';
      } else {
        ctx.fillStyle = '#495057';
        const maxc = Math.floor((LABEL_W - x - 4) / this.charW);
        const name = row.track.tid !== undefined ? `T${row.track.tid} ${row.track.name}` : row.track.name;
        // A counter's maximum is kept visible: the name is shortened, not the figure.
        const suffix = row.kind === 'counter' ? ` (max ${row.track.cmax})` : '';
        const room = maxc - suffix.length;
        const shown = name.length > room ? `${name.slice(0, Math.max(1, room - 1))}…` : name;
        ctx.fillText(shown + suffix, x, mid);
      }
    }
    // Selection outline.
    if (this.selected !== null) {
      const sel = this.selected;
      const row = visible.find((r) => r.track.id === sel.track);
      if (row !== undefined) {
        const t = row.track;
        const s = sel.index >= 0 ? t.start[sel.index]! : t.it[-1 - sel.index]!;
        const e = sel.index >= 0 ? t.end[sel.index]! : s;
        const xa = Math.max(LABEL_W, LABEL_W + (s - this.t0) / this.nsPerPx);
        const xb = Math.min(this.cssW, LABEL_W + (e - this.t0) / this.nsPerPx);
        const yc = row.y - this.scrollY + AXIS_H;
        if (xb >= LABEL_W && xa <= this.cssW) {
          ctx.strokeStyle = '#000000';
          ctx.lineWidth = 2;
          ctx.strokeRect(xa - 1, yc, Math.max(2, xb - xa) + 2, row.h);
        }
      }
    }
    // Time axis.
    ctx.fillStyle = '#eef1f4';
    ctx.fillRect(0, 0, LABEL_W, AXIS_H);
    ctx.fillStyle = '#343a40';
    ctx.fillText(`span ${formatDuration(Math.round(this.t1 - this.t0))}`, 6, AXIS_H / 2);
    ctx.strokeStyle = '#868e96';
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let tk = firstTick; tk <= this.t1; tk += step) {
      const x = LABEL_W + (tk - this.t0) / this.nsPerPx;
      if (x < LABEL_W) continue;
      ctx.moveTo(Math.round(x) + 0.5, AXIS_H - 6);
      ctx.lineTo(Math.round(x) + 0.5, AXIS_H);
      ctx.fillText(tickLabel(tk, step), x + 3, AXIS_H / 2 - 2);
    }
    ctx.moveTo(0, AXIS_H - 0.5);
    ctx.lineTo(this.cssW, AXIS_H - 0.5);
    ctx.stroke();
    if (this.cursorX >= LABEL_W) {
      ctx.strokeStyle = 'rgba(0,0,0,0.35)';
      ctx.beginPath();
      ctx.moveTo(Math.round(this.cursorX) + 0.5, AXIS_H);
      ctx.lineTo(Math.round(this.cursorX) + 0.5, this.cssH);
      ctx.stroke();
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    const ms = performance.now() - f0;
    this.lastFrame = { ms, pixelsMs: fBuf - f0, putMs: fPut - fBuf, lanes, solid, summarized };
    return ms;
  }

  /**
   * One lane's slices into the pixel buffer (see the file comment); returns
   * (solid slices << 16) | summarised columns, each capped at 0xffff.
   */
  private drawSlices(t: TrackData, Ld: number, Wt: number, ly0: number, ly1: number, pad: number, t0: number, dt: number, labels: Label[]): number {
    const buf = this.buf;
    const W = this.image!.width;
    const dpr = this.dpr;
    const d = this.data!;
    const share = this.share;
    const lh = ly1 - ly0;
    let solid = 0;
    let summarized = 0;
    const fill = (x0: number, x1: number, y0: number, y1: number, c: number): void => fillRect(buf, W, x0, x1, y0, y1, c);
    const n = t.n;
    const start = t.start;
    const end = t.end;
    const tEnd = t0 + Wt * dt;
    let i = search(end, t0, 0, n, false);
    let c = 0; // next free column (relative to Ld)
    while (i < n && c < Wt) {
      const s = start[i]!;
      if (s >= tEnd) break;
      const xs = (s - t0) / dt;
      const xe = (end[i]! - t0) / dt;
      if (xe - xs >= 1) {
        const a = Math.max(c, Math.round(xs));
        const b = Math.min(Wt, Math.round(xe));
        if (b > a) {
          const col = t.color[i]!;
          fill(Ld + a, Ld + b, ly0, ly1, PAL[col]!);
          solid++;
          if (b - a >= 40 * dpr) labels.push({ x0: Ld + a, x1: Ld + b, y: ly0, text: d.strings[t.label[i]!]!, dark: DARK[col]! });
          c = b;
        }
        i++;
        continue;
      }
      // Narrower than a pixel: summarise column cc.
      const cc = Math.max(c, Math.floor(xs));
      if (cc >= Wt) break;
      const colStart = t0 + cc * dt;
      const colEnd = colStart + dt;
      // j: first slice starting at or after the column's end (galloping from i).
      let stepG = 1;
      let lo = i + 1;
      while (i + stepG < n && start[i + stepG]! < colEnd) {
        lo = i + stepG + 1;
        stepG *= 2;
      }
      const j = search(start, colEnd, lo, Math.min(n, i + stepG), true);
      const classes = t.classes;
      const nk = classes.length;
      let covered = 0;
      const first = t.cls[i]!;
      const last = t.cls[j - 1]!;
      const cutFirst = s < colStart ? colStart - s : 0;
      const cutLast = end[j - 1]! > colEnd ? end[j - 1]! - colEnd : 0;
      for (let q = 0; q < nk; q++) {
        const k = classes[q]!;
        const cum = t.cum[q]!;
        let v = cum[j]! - cum[i]!;
        if (k === first) v -= cutFirst;
        if (k === last) v -= cutLast;
        share[q] = v > 0 ? v : 0;
        covered += share[q]!;
      }
      if (covered > 0) {
        // A density bar (height: the share of the column that slices cover) made of the
        // classes' shares, stacked in class order from the bottom.
        const bh = Math.max(pad, Math.min(lh, Math.round((covered / dt) * lh)));
        let y = ly1;
        let acc = 0;
        for (let q = 0; q < nk; q++) {
          const v = share[q]!;
          if (v <= 0) continue;
          acc += v;
          const top = ly1 - Math.round((acc / covered) * bh);
          if (top < y) {
            const col = CLASS_PAL[classes[q]!]!;
            for (let o = top * W + Ld + cc, e = y * W + Ld + cc; o < e; o += W) buf[o] = col;
            y = top;
          }
        }
        summarized++;
      }
      c = cc + 1;
      i = end[j - 1]! > colEnd ? j - 1 : j;
    }
    return (Math.min(solid, 0xffff) << 16) | Math.min(summarized, 0xffff);
  }

  /**
   * A counter lane: per pixel column, the time-weighted mean of the value (dark) in front of
   * its maximum (light), so a value that flickers is neither hidden nor overstated.
   */
  private drawCounter(t: TrackData, Ld: number, W: number, y0: number, y1: number, t0: number, dt: number): void {
    const Wt = W - Ld;
    const cm = this.colMax;
    const cs = this.colSum;
    cm.fill(-1, 0, Wt);
    cs.fill(0, 0, Wt);
    const n = t.nc;
    const tEnd = t0 + Wt * dt;
    const endNs = this.data!.endNs;
    let i = search(t.ct, t0, 0, n, false) - 1;
    if (i < 0) i = 0;
    for (; i < n; i++) {
      const ta = t.ct[i]!;
      if (ta >= tEnd) break;
      const tb = i + 1 < n ? t.ct[i + 1]! : endNs;
      const a = Math.max(t0, ta);
      const b = Math.min(tEnd, tb);
      const v = t.cv[i]!;
      const xa = (a - t0) / dt;
      const ca = Math.floor(xa);
      if (b <= a) {
        // An instant value (zero length): it counts for the maximum only.
        if (ca >= 0 && ca < Wt && v > cm[ca]!) cm[ca] = v;
        continue;
      }
      const xb = (b - t0) / dt;
      const cb = Math.min(Wt - 1, Math.ceil(xb) - 1);
      for (let x = ca; x <= cb; x++) {
        if (v > cm[x]!) cm[x] = v;
        const lo = x > xa ? x : xa;
        const hi = x + 1 < xb ? x + 1 : xb;
        cs[x] = cs[x]! + v * (hi - lo);
      }
    }
    const h = y1 - y0;
    const max = t.cmax > 0 ? t.cmax : 1;
    const buf = this.buf;
    for (let x = 0; x < Wt; x++) {
      const vmax = cm[x]!;
      if (vmax <= 0) continue;
      const hmax = Math.max(1, Math.round((vmax / max) * h));
      const mean = cs[x]!;
      const hmean = mean > 0 ? Math.max(1, Math.round((mean / max) * h)) : 0;
      for (let y = y1 - hmax; y < y1; y++) buf[y * W + Ld + x] = y >= y1 - hmean ? COUNTER : COUNTER_MAX;
    }
  }

}
