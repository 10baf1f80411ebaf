/**
 * The text side of scenario files: parsing YAML and JSON with positions, finding the line and
 * column of a field path, and applying `--set path=value` overrides to the parsed document.
 * Browser-safe: the caller passes the text in.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parse as parseYaml, parseDocument, type Document, type Node } from 'yaml';
import { kindOf, show } from './scenario-text.js';
import type { PathSeg } from './scenario-issues.js';

export type ScenarioFormat = 'yaml' | 'json';

export interface ParsedText {
  file: string;
  format: ScenarioFormat;
  doc: Document;
  lines: LineCounter;
  data: unknown;
}

/** A problem found while reading the text itself (bad YAML/JSON). */
export interface TextProblem {
  line: number;
  col: number;
  message: string;
}

export function formatFromName(file: string): ScenarioFormat {
  return /\.json$/i.test(file) ? 'json' : 'yaml';
}

function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let col = 1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      col = 1;
    } else col++;
  }
  return { line, col };
}

/** Parses scenario text. Returns the document, or the problems (first few) with positions. */
export function parseText(text: string, file: string, format: ScenarioFormat = formatFromName(file)): ParsedText | TextProblem[] {
  if (format === 'json') {
    try {
      JSON.parse(text);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      const m = /position (\d+)/.exec(msg);
      const pos = m ? lineCol(text, Number(m[1])) : { line: 1, col: 1 };
      const what = msg.replace(/ in JSON at position \d+.*$/s, '').replace(/\s*\(line \d+ column \d+\)$/, '');
      return [{ ...pos, message: `bad JSON: ${what}` }];
    }
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return doc.errors.slice(0, 5).map((e) => {
      const p = lines.linePos(e.pos[0]);
      let msg = e.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '');
      if (e.code === 'MULTIPLE_DOCS') msg = 'a scenario file holds one YAML document (remove the second "---")';
      if (e.code === 'DUPLICATE_KEY') {
        const key = /^\s*("(?:[^"\\]|\\.)*"|'[^']*'|[^:\n]+?)\s*:/.exec(text.slice(e.pos[0]));
        msg = key ? `duplicate key ${key[1]!.startsWith('"') || key[1]!.startsWith("'") ? key[1] : JSON.stringify(key[1])} (each key may appear once in a map)` : 'duplicate key (each key may appear once in a map)';
      }
      return { line: p.line, col: p.col, message: `bad ${format === 'json' ? 'JSON' : 'YAML'}: ${msg}` };
    });
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    return [{ line: 1, col: 1, message: `bad YAML: ${e instanceof Error ? e.message : String(e)}` }];
  }
  return { file, format, doc, lines, data };
}

/**
 * Line and column of `path` in the document: of the key itself when `atKey`, else of the value;
 * when the path does not exist, of the deepest part that does.
 */
export function locate(parsed: ParsedText, path: readonly PathSeg[], atKey = false): { line: number; col: number } {
  const { doc, lines } = parsed;
  let node: unknown = doc.contents;
  let pos = 0;
  const setPos = (n: unknown): void => {
    const r = (n as Node | null)?.range;
    if (r) pos = r[0];
  };
  setPos(node);
  for (let i = 0; i < path.length; i++) {
    const seg = String(path[i]);
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && String(isScalar(p.key) ? p.key.value : p.key) === seg);
      if (!pair) break;
      if (last && atKey) {
        setPos(pair.key);
        break;
      }
      node = pair.value;
      if (node === null) {
        setPos(pair.key);
        break;
      }
      setPos(node);
    } else if (isSeq(node)) {
      const item = node.items[Number(seg)];
      if (item === undefined || !/^\d+$/.test(seg)) break;
      node = item;
      setPos(node);
    } else break;
  }
  return lines.linePos(pos);
}

// ---- overrides ----

export interface SetSpec {
  /** Dotted field path, as written ("workload.0.batch"). */
  path: string;
  segments: string[];
  value: unknown;
}

/** Parses the path of an override: dot-separated names and list indices. */
export function parseSetPath(path: string): string[] | string {
  const p = path.trim();
  if (p === '') return 'the field path is empty';
  const segs = p.split('.');
  for (const s of segs) {
    if (s === '') return `the field path "${p}" has an empty part (write for example machine.cpus or workload.0.batch)`;
    if (/\s/.test(s)) return `the field path "${p}" contains spaces`;
  }
  return segs;
}

/** Parses the value of `--set path=value` as a YAML scalar or flow value ("4", "fifo", "[1, 2]", "{a: 1}"). */
export function parseSetValue(text: string): { ok: true; value: unknown } | { ok: false; problem: string } {
  try {
    const v: unknown = parseYaml(text, { uniqueKeys: true });
    return { ok: true, value: v === undefined ? null : v };
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).replace(/ at line \d+, column \d+:?[\s\S]*$/, '');
    return { ok: false, problem: `the value ${show(text)} is not valid YAML: ${msg}` };
  }
}

function isPlainMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Applies one override to a parsed document in place. A null value removes a map field.
 * Missing maps on the way are created; a list index may be at most the list's length (equal
 * appends). Returns a problem in words, or the part of the path that the override owns: the
 * whole path, or up to the first map or list item it had to create (so that problems inside a
 * created item are blamed on the override, not on the file).
 */
export function applySet(root: Record<string, unknown>, segments: readonly string[], value: unknown): string | { owned: string[] } {
  let cur: unknown = root;
  let created = -1;
  const owned = (): { owned: string[] } => ({ owned: segments.slice(0, created >= 0 ? created + 1 : segments.length) });
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const last = i === segments.length - 1;
    const here = segments.slice(0, i).join('.');
    if (Array.isArray(cur)) {
      if (!/^\d+$/.test(seg)) return `${here} is a list: "${seg}" is not an index (allowed: 0 to ${cur.length})`;
      const idx = Number(seg);
      if (idx > cur.length) return `${here} has ${cur.length} item${cur.length === 1 ? '' : 's'}: index ${idx} is out of range (allowed: 0 to ${cur.length}; ${cur.length} appends)`;
      if (last) {
        if (value === null) return `list items cannot be removed one by one: set ${here} to a whole new list`;
        cur[idx] = value;
        return owned();
      }
      if (idx === cur.length || cur[idx] === null || cur[idx] === undefined) {
        cur[idx] = {};
        if (created < 0) created = i;
      }
      cur = cur[idx];
    } else if (isPlainMap(cur)) {
      if (seg === '__proto__' || seg === 'constructor' || seg === 'prototype') return `"${seg}" is not a field name`;
      if (last) {
        if (value === null) delete cur[seg];
        else cur[seg] = value;
        return owned();
      }
      if (cur[seg] === undefined || cur[seg] === null) {
        cur[seg] = {};
        if (created < 0) created = i;
      }
      cur = cur[seg];
    } else {
      return `${here} is ${kindOf(cur)} (${show(cur)}), so it has no field "${seg}"`;
    }
  }
  return owned();
}
