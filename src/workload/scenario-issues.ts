/**
 * Turns zod issues into scenario issues: a field path and one sentence that names the bad value
 * and what is allowed ("5000 is too large (allowed: an integer from 1 to 4,096)").
 *
 * zod reports a failed union as one issue holding every option's issues; we pick the option the
 * value was evidently meant for (by its JSON type, then by its keys) and report only that
 * option's issues, so `{compute: 10}` says "10 has no unit", not "no union option matched".
 * What is allowed comes from the ALLOWED registry (scenario-schema.ts), found by walking the
 * schema along the issue's path.
 */
import type * as z from 'zod';
import { ALLOWED, OP_NAMES, type AllowedMeta } from './scenario-schema.js';
import { didYouMean, kindOf, show, suggest } from './scenario-text.js';

export type PathSeg = string | number;

/** One problem with a scenario, before it is given a place in a file. */
export interface ScenarioIssue {
  path: PathSeg[];
  message: string;
  /** The problem is the key itself (unknown field): point at the key, not the value. */
  atKey?: boolean;
}

type Schema = z.core.$ZodType;
type Kind = 'string' | 'number' | 'boolean' | 'null' | 'array' | 'object' | 'any';

// zod's schema definitions, as far as this walker reads them.
interface Def {
  type: string;
  innerType?: Schema;
  getter?: () => Schema;
  in?: Schema;
  shape?: Record<string, Schema>;
  catchall?: Schema;
  element?: Schema;
  keyType?: Schema;
  valueType?: Schema;
  options?: Schema[];
  values?: unknown[];
  entries?: Record<string, unknown>;
  discriminator?: string;
}

function defOf(s: Schema): Def {
  return s._zod.def;
}

const WRAPPERS = new Set(['optional', 'default', 'prefault', 'nullable', 'readonly', 'nonoptional', 'catch']);

/** Unwraps optional/default/lazy/pipe(input side) layers. */
function unwrap(s: Schema): Schema {
  for (let i = 0; i < 64; i++) {
    const d = defOf(s);
    if (WRAPPERS.has(d.type) && d.innerType) s = d.innerType;
    else if (d.type === 'lazy' && d.getter) s = d.getter();
    else if (d.type === 'pipe' && d.in) s = d.in;
    else return s;
  }
  return s;
}

function kinds(s: Schema, depth = 0): Set<Kind> {
  const out = new Set<Kind>();
  if (depth > 16) {
    out.add('any');
    return out;
  }
  const d = defOf(s);
  switch (d.type) {
    case 'string':
    case 'template_literal':
      out.add('string');
      break;
    case 'number':
      out.add('number');
      break;
    case 'boolean':
      out.add('boolean');
      break;
    case 'null':
      out.add('null');
      break;
    case 'array':
    case 'tuple':
      out.add('array');
      break;
    case 'object':
    case 'record':
      out.add('object');
      break;
    case 'literal':
    case 'enum':
      for (const v of d.values ?? Object.values(d.entries ?? {})) out.add(v === null ? 'null' : (typeof v as Kind));
      break;
    case 'union':
      for (const o of d.options ?? []) for (const k of kinds(o, depth + 1)) out.add(k);
      break;
    case 'nullable':
      out.add('null');
      for (const k of kinds(d.innerType!, depth + 1)) out.add(k);
      break;
    default:
      if (WRAPPERS.has(d.type) || d.type === 'lazy' || d.type === 'pipe') {
        for (const k of kinds(unwrap(s), depth + 1)) out.add(k);
      } else out.add('any');
  }
  return out;
}

function valueKind(v: unknown): Kind {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  const t = typeof v;
  return t === 'string' || t === 'number' || t === 'boolean' || t === 'object' ? t : 'any';
}

/** Index of the union option `v` was meant for, or -1 if none fits its type. */
function chooseOption(options: Schema[], v: unknown): number {
  const vk = valueKind(v);
  const fit: number[] = [];
  options.forEach((o, i) => {
    const k = kinds(o);
    if (k.has(vk) || k.has('any')) fit.push(i);
  });
  if (fit.length <= 1 || vk !== 'object') return fit.length === 1 ? fit[0]! : -1;
  // Several map options: the one with the most of the value's keys.
  const keys = Object.keys(v as object);
  let best = fit[0]!;
  let bestScore = -1;
  for (const i of fit) {
    const u = defOf(unwrap(options[i]!));
    const shape = u.shape ?? {};
    let score = keys.filter((k) => k in shape).length;
    const disc = Object.entries(shape).find(([, f]) => defOf(unwrap(f)).type === 'literal');
    if (disc && (v as Record<string, unknown>)[disc[0]] === defOf(unwrap(disc[1])).values?.[0]) score += 100;
    if (score > bestScore) {
      bestScore = score;
      best = i;
    }
  }
  return best;
}

interface Located {
  schema: Schema | undefined;
  meta: AllowedMeta | undefined;
}

/**
 * Settles `s` against value `v`: unwraps layers and picks union options, collecting the innermost
 * ALLOWED entry on the way.
 */
function settle(s: Schema, v: unknown, meta: AllowedMeta | undefined): Located {
  let m = meta;
  for (let i = 0; i < 64; i++) {
    const own = ALLOWED.get(s);
    if (own) m = { ...own, duration: own.duration === true || m?.duration === true, op: own.op === true || m?.op === true };
    const d = defOf(s);
    if ((WRAPPERS.has(d.type) && d.innerType) || (d.type === 'lazy' && d.getter) || (d.type === 'pipe' && d.in)) {
      s = d.type === 'lazy' ? d.getter!() : d.type === 'pipe' ? d.in! : d.innerType!;
      continue;
    }
    if (d.type === 'union' && d.options) {
      const idx = chooseOption(d.options, v);
      if (idx < 0) return { schema: s, meta: m };
      s = d.options[idx]!;
      continue;
    }
    return { schema: s, meta: m };
  }
  return { schema: s, meta: m };
}

function childOf(s: Schema, seg: PathSeg): Schema | undefined {
  const d = defOf(s);
  if (d.type === 'object') return d.shape?.[String(seg)] ?? d.catchall;
  if (d.type === 'array') return d.element;
  if (d.type === 'record') return d.valueType;
  return undefined;
}

export function getAt(data: unknown, path: readonly PathSeg[]): unknown {
  let v = data;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[String(seg)];
  }
  return v;
}

/** The schema (settled against the data) and its ALLOWED entry at `path`. */
export function schemaAt(root: Schema, data: unknown, path: readonly PathSeg[]): Located {
  let cur: Located = settle(root, data, undefined);
  for (let i = 0; i < path.length; i++) {
    if (cur.schema === undefined) return cur;
    const next = childOf(cur.schema, path[i]!);
    if (next === undefined) return { schema: undefined, meta: undefined };
    cur = settle(next, getAt(data, path.slice(0, i + 1)), undefined);
  }
  return cur;
}

function withAllowed(problem: string, meta: AllowedMeta | undefined): string {
  return meta ? `${problem} (allowed: ${meta.allowed})` : problem;
}

function typeProblem(v: unknown, meta: AllowedMeta | undefined): string {
  if (v === undefined) return meta ? `missing (required: ${meta.allowed})` : 'missing (required)';
  if (meta?.duration === true && typeof v === 'number') return withAllowed(`${show(v)} has no unit`, meta);
  if (v === null) return withAllowed('is empty', meta);
  if (typeof v === 'number' && !Number.isInteger(v) && /integer/.test(meta?.allowed ?? '')) return withAllowed(`${show(v)} is not a whole number`, meta);
  return withAllowed(`${show(v)} is ${kindOf(v)}`, meta);
}

function fieldNames(s: Schema | undefined): string[] {
  if (s === undefined) return [];
  const d = defOf(s);
  return d.type === 'object' ? Object.keys(d.shape ?? {}) : [];
}

/** Converts zod issues for `data` (validated against `root`) into scenario issues. */
export function fromZodIssues(issues: readonly z.core.$ZodIssue[], root: Schema, data: unknown): ScenarioIssue[] {
  const out: ScenarioIssue[] = [];
  const seen = new Set<string>();
  const typoOf = new Set<string>();
  const push = (i: ScenarioIssue): void => {
    const k = `${i.path.join('\u0000')}\u0001${i.message}`;
    if (seen.has(k)) return;
    seen.add(k);
    out.push(i);
  };
  /** The unsettled schema at prefix+rel, walking from `base` (the schema at prefix). */
  const rawAt = (base: Schema, prefix: PathSeg[], rel: PathSeg[]): Schema | undefined => {
    let s: Schema | undefined = base;
    for (let i = 0; i < rel.length && s !== undefined; i++) {
      const settled: Schema | undefined = settle(s, getAt(data, [...prefix, ...rel.slice(0, i)]), undefined).schema;
      s = settled === undefined ? undefined : childOf(settled, rel[i]!);
    }
    return s;
  };
  const visit = (iss: z.core.$ZodIssue, prefix: PathSeg[], base: Schema, baseMeta: AllowedMeta | undefined): void => {
    const rel = iss.path as PathSeg[];
    const path: PathSeg[] = [...prefix, ...rel];
    const v = getAt(data, path);
    const raw = rawAt(base, prefix, rel);
    const inherited = rel.length === 0 ? baseMeta : undefined;
    const at = (): Located => (raw === undefined ? { schema: undefined, meta: inherited } : settle(raw, v, inherited));
    switch (iss.code) {
      case 'invalid_union': {
        if (iss.discriminator !== undefined && iss.errors.length === 0) {
          // A discriminated union whose tag is missing or unknown ({dist: foo}).
          const opts = ('options' in iss ? (iss.options ?? []) : []).map(String);
          const tagPath = path[path.length - 1] === iss.discriminator ? path : [...path, iss.discriminator];
          const tag = getAt(data, tagPath);
          push({
            path: tagPath,
            message:
              tag === undefined
                ? `missing (required: one of ${opts.join(', ')})`
                : `${show(tag)} is not allowed${typeof tag === 'string' ? didYouMean(tag, opts) : ''} (allowed: ${opts.join(', ')})`,
          });
          return;
        }
        // Find the union under any wrappers, collecting what is allowed on the way.
        let u: Schema | undefined = raw;
        let meta = inherited;
        for (let i = 0; u !== undefined && i < 64; i++) {
          const own = ALLOWED.get(u);
          if (own) meta = { ...own, duration: own.duration === true || meta?.duration === true, op: own.op === true || meta?.op === true };
          const d = defOf(u);
          if (d.type === 'union') break;
          if (WRAPPERS.has(d.type) || d.type === 'lazy' || d.type === 'pipe') u = d.type === 'lazy' ? d.getter!() : d.type === 'pipe' ? d.in : d.innerType;
          else u = undefined;
        }
        const options = u !== undefined ? (defOf(u).options ?? []) : [];
        const idx = chooseOption(options, v);
        if (idx >= 0 && iss.errors[idx] !== undefined && iss.errors[idx].length > 0) {
          for (const e of iss.errors[idx]) visit(e, path, options[idx]!, meta);
          return;
        }
        push({ path, message: typeProblem(v, meta) });
        return;
      }
      case 'invalid_type':
        push({ path, message: typeProblem(v, at().meta) });
        return;
      case 'too_big':
      case 'too_small': {
        const meta = at().meta;
        const big = iss.code === 'too_big';
        let problem: string;
        if (Array.isArray(v)) problem = big ? `has ${v.length} items, too many` : v.length === 0 ? 'is empty' : `has only ${v.length} items`;
        else if (typeof v === 'string') problem = `${show(v)} is too ${big ? 'long' : 'short'}`;
        else problem = `${show(v)} is too ${big ? 'large' : 'small'}`;
        push({ path, message: withAllowed(problem, meta) });
        return;
      }
      case 'invalid_value': {
        const values = iss.values.map((x) => String(x));
        const meta = at().meta;
        const dym = typeof v === 'string' ? didYouMean(v, values) : '';
        push({ path, message: `${show(v)} is not allowed${dym} (allowed: ${meta?.allowed ?? values.join(', ')})` });
        return;
      }
      case 'invalid_format':
        push({ path, message: withAllowed(`${show(v)} is not allowed`, at().meta) });
        return;
      case 'unrecognized_keys': {
        const loc = at();
        const names = fieldNames(loc.schema);
        const listed = names.filter((n) => !n.startsWith('$'));
        for (const key of iss.keys) {
          const dym = didYouMean(key, names);
          const meant = suggest(key, names);
          if (meant !== undefined && getAt(data, [...path, meant]) === undefined) typoOf.add([...path, meant].join('\u0000'));
          if (loc.meta?.op === true) {
            push({ path: [...path, key], atKey: true, message: `unknown op "${key}"${dym} (ops: ${OP_NAMES.join(', ')})` });
          } else {
            push({ path: [...path, key], atKey: true, message: `unknown field "${key}"${dym} (allowed here: ${listed.join(', ')})` });
          }
        }
        return;
      }
      case 'invalid_key': {
        const key = path[path.length - 1];
        const parentRaw = rawAt(base, prefix, rel.slice(0, -1));
        const parent = parentRaw ? settle(parentRaw, getAt(data, path.slice(0, -1)), undefined).schema : undefined;
        const keyType = parent ? defOf(parent).keyType : undefined;
        const meta = keyType ? settle(keyType, key, undefined).meta : undefined;
        push({ path, atKey: true, message: withAllowed(`${show(key)} is not allowed as a name`, meta) });
        return;
      }
      case 'custom': {
        const params = (iss as { params?: { complete?: boolean } }).params;
        if (params?.complete === true) push({ path, message: iss.message });
        else push({ path, message: withAllowed(iss.message, at().meta) });
        return;
      }
      case 'invalid_element':
      case 'not_multiple_of':
        push({ path, message: withAllowed(`${show(v)} is not allowed`, at().meta) });
        return;
    }
  };
  for (const iss of issues) visit(iss, [], root, undefined);
  // An unknown field that looks like a typo of a missing required one says it all.
  return out.filter((i) => !(i.message.startsWith('missing (required') && typoOf.has(i.path.join('\u0000'))));
}

/** "workload.0.program.2.compute"; keys that are not plain words are quoted: set["os.policy"]. */
export function formatPath(path: readonly PathSeg[]): string {
  if (path.length === 0) return '(top level)';
  let s = '';
  for (const seg of path) {
    const t = String(seg);
    if (/^[A-Za-z0-9_$-]+$/.test(t)) s += s === '' ? t : `.${t}`;
    else s += `[${JSON.stringify(t)}]`;
  }
  return s;
}
