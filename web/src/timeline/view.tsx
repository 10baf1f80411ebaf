/**
 * The timeline panel: the canvas renderer plus mouse and keyboard controls.
 *   wheel: zoom at the pointer · shift+wheel: scroll lanes · horizontal wheel: pan
 *   drag: pan time and scroll lanes · click: select a slice (or fold a group)
 *   W / S: zoom in / out · A / D: pan left / right · ↑ / ↓: scroll lanes · F or 0: whole run
 *   Esc: clear the selection
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { formatDuration } from '../../../src/engine/time.js';
import type { TimelineData } from './data.js';
import { AXIS_H, LABEL_W, TimelineRenderer, type Hit } from './render.js';

export interface TimelineProps {
  data: TimelineData | null;
  onSelect: (hit: Hit | null) => void;
  /** Called after the first frame drawn for new data. */
  onFirstPaint?: (at: number, frameMs: number) => void;
  onRenderer?: (r: TimelineRenderer | null) => void;
}

const MIN_H = 200;
const MAX_H = 560;

export function Timeline({ data, onSelect, onFirstPaint, onRenderer }: TimelineProps) {
  const box = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const rr = useRef<TimelineRenderer | null>(null);
  const frame = useRef(0);
  const firstPending = useRef(false);
  const [hover, setHover] = useState('');
  const [height, setHeight] = useState(MIN_H);
  const fitHeight = (r: TimelineRenderer) => setHeight(Math.min(MAX_H, Math.max(MIN_H, r.totalH + AXIS_H + 2)));
  const cb = useRef({ onSelect, onFirstPaint });
  cb.current = { onSelect, onFirstPaint };

  const request = () => {
    if (frame.current !== 0) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      const r = rr.current;
      if (r === null) return;
      const ms = r.draw();
      if (firstPending.current && r.data !== null) {
        firstPending.current = false;
        canvas.current?.setAttribute('data-painted', String(r.data.slices));
        cb.current.onFirstPaint?.(performance.now(), ms);
      }
    });
  };

  useEffect(() => {
    const c = canvas.current!;
    const r = new TimelineRenderer(c);
    rr.current = r;
    onRenderer?.(r);
    const ro = new ResizeObserver(() => {
      const b = box.current!;
      r.resize(b.clientWidth, b.clientHeight, window.devicePixelRatio || 1);
      request();
    });
    ro.observe(box.current!);
    return () => {
      ro.disconnect();
      onRenderer?.(null);
      rr.current = null;
    };
  }, []);

  useLayoutEffect(() => {
    const r = rr.current;
    if (r === null) return;
    r.setData(data);
    fitHeight(r);
    canvas.current?.removeAttribute('data-painted');
    firstPending.current = data !== null;
    request();
  }, [data]);

  /** W/S/A/D and friends; `focused`: the canvas has the focus (arrow keys scroll only then). */
  const onKey = (e: KeyboardEvent, focused: boolean): void => {
    const r = rr.current;
    if (r === null || r.data === null || e.ctrlKey || e.metaKey || e.altKey) return;
    const key = e.key.toLowerCase();
    if (!focused && !'wasdf0'.includes(key) && key !== 'escape') return;
    const w = canvas.current!.clientWidth - LABEL_W;
    const at = r.cursorX >= LABEL_W ? r.cursorX : undefined;
    switch (key) {
      case 'w':
        r.zoom(1.3, at);
        break;
      case 's':
        r.zoom(1 / 1.3, at);
        break;
      case 'a':
        r.pan(-w * 0.1);
        break;
      case 'd':
        r.pan(w * 0.1);
        break;
      case 'arrowup':
        r.scroll(-54);
        break;
      case 'arrowdown':
        r.scroll(54);
        break;
      case 'pageup':
        r.scroll(-r.viewH * 0.9);
        break;
      case 'pagedown':
        r.scroll(r.viewH * 0.9);
        break;
      case 'f':
      case '0':
        r.fit();
        break;
      case 'escape':
        r.selected = null;
        cb.current.onSelect(null);
        break;
      default:
        return;
    }
    e.preventDefault();
    request();
  };

  // The zoom and pan keys also work while nothing that takes typing has the focus.
  useEffect(() => {
    const onWindowKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (t === canvas.current || (t !== null && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName)))) return;
      onKey(e, false);
    };
    window.addEventListener('keydown', onWindowKey);
    return () => window.removeEventListener('keydown', onWindowKey);
  }, []);

  const drag = useRef<{ x: number; y: number; moved: boolean; id: number } | null>(null);
  const local = (e: { clientX: number; clientY: number }) => {
    const b = canvas.current!.getBoundingClientRect();
    return { x: e.clientX - b.left, y: e.clientY - b.top };
  };
  const describe = (x: number, y: number) => {
    const r = rr.current;
    if (r === null || r.data === null || x < LABEL_W) return '';
    const t = Math.max(0, Math.round(r.timeAt(x)));
    const h = r.hit(x, y);
    if (h === null) return `${formatDuration(t)}`;
    const name = h.index >= 0 ? r.data.strings[h.track.label[h.index]!] : r.data.strings[h.track.iname[-1 - h.index]!];
    return `${formatDuration(t)} · ${h.track.name} · ${name ?? ''}${h.index >= 0 ? ` (${formatDuration(h.end - h.start)})` : ''}`;
  };

  return (
    <div class="timeline-wrap">
      <div class="timeline" ref={box} style={{ height: `${height}px` }}>
        <canvas
          ref={canvas}
          id="timeline"
          tabIndex={0}
          aria-label="timeline: W/S zoom, A/D pan, drag to pan, click a slice for its details"
          onWheel={(e) => {
            const r = rr.current;
            if (r === null) return;
            e.preventDefault();
            const { x } = local(e);
            const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? 400 : 1;
            const dx = e.deltaX * unit;
            const dy = e.deltaY * unit;
            if (e.shiftKey) r.scroll(dy || dx);
            else if (Math.abs(dx) > Math.abs(dy)) r.pan(dx);
            else r.zoom(Math.exp(-dy * 0.0015), Math.max(LABEL_W, x));
            request();
          }}
          onPointerDown={(e) => {
            const p = local(e);
            drag.current = { x: p.x, y: p.y, moved: false, id: e.pointerId };
            canvas.current!.setPointerCapture(e.pointerId);
            canvas.current!.focus();
          }}
          onPointerMove={(e) => {
            const r = rr.current;
            if (r === null) return;
            const p = local(e);
            const d = drag.current;
            if (d !== null) {
              const dx = p.x - d.x;
              const dy = p.y - d.y;
              if (!d.moved && Math.abs(dx) + Math.abs(dy) > 4) d.moved = true;
              if (d.moved) {
                r.pan(-dx);
                r.scroll(-dy);
                d.x = p.x;
                d.y = p.y;
              }
            }
            r.cursorX = p.x;
            setHover(describe(p.x, p.y));
            request();
          }}
          onPointerUp={(e) => {
            const r = rr.current;
            const d = drag.current;
            drag.current = null;
            if (r === null || d === null || d.moved) return;
            const p = local(e);
            const row = r.rowAt(p.y);
            if (row !== null && row.kind === 'group') {
              r.toggle(row.track.id);
              fitHeight(r);
              request();
              return;
            }
            const h = r.hit(p.x, p.y);
            r.selected = h !== null ? { track: h.track.id, index: h.index } : null;
            cb.current.onSelect(h);
            request();
          }}
          onPointerLeave={() => {
            const r = rr.current;
            if (r !== null) r.cursorX = -1;
            setHover('');
            request();
          }}
          onKeyDown={(e) => onKey(e, true)}
        />
      </div>
      <div class="hover" id="timeline-hover">
        {hover !== '' ? hover : 'wheel: zoom · drag: pan · W/S zoom · A/D pan · ↑/↓ lanes · F: whole run · click a slice for its "why"'}
      </div>
    </div>
  );
}
