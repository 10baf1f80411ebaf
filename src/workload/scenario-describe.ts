/**
 * A resolved scenario in words, for the CLI header and the playground: machine, OS policy with
 * its effective parameters (defaults filled in as the policy computes them), model, workload.
 */
import { defaultGomaxprocs, modelName, modelSpecOf } from '../exec/model.js';
import { formatDuration, type Nanos } from '../engine/time.js';
import { DEFAULT_COSTS, type Costs } from '../hw/costs.js';
import type { Dur } from '../program/dist.js';
import { cfsDefaults } from '../os/policy/cfs.js';
import { eevdfDefaults } from '../os/policy/eevdf.js';
import { RR_DEFAULT_QUANTUM } from '../os/policy/fifo.js';
import { DEFAULT_BALANCE_INTERVAL, DEFAULT_HZ, type SimConfig } from '../sim.js';
import type { OpSpec, ProgramRef, SourceSpec, ProgramDef } from './spec.js';
import { groupDigits } from './scenario-text.js';

/** Like formatDuration, but whole minutes and hours as "5m", "1h". */
export function formatLongDuration(ns: Nanos): string {
  const H = 3_600_000_000_000;
  const M = 60_000_000_000;
  if (ns >= H && ns % H === 0) return `${ns / H}h`;
  if (ns >= M && ns % M === 0) return `${ns / M}m`;
  return formatDuration(ns);
}

/** "10ms", "exp(1ms)", "uniform(1ms, 3ms)", "lognormal(1ms, 0.5)". */
export function formatDur(d: Dur): string {
  if (typeof d === 'number') return formatDuration(d);
  switch (d.dist) {
    case 'constant':
      return formatDuration(d.value);
    case 'uniform':
      return `uniform(${formatDuration(d.min)}, ${formatDuration(d.max)})`;
    case 'exponential':
      return `exp(${formatDuration(d.mean)})`;
    case 'lognormal':
      return `lognormal(${formatDuration(d.median)}, ${d.sigma})`;
  }
}

/** The policy's parameters with defaults filled in, as [name, shown value]. */
export function effectivePolicyParams(config: SimConfig): Array<[string, string]> {
  const p = config.os.params ?? {};
  const cpus = config.machine.cpus;
  const dur = (k: string, dflt: Nanos): [string, string] => [k, formatDuration((p[k] as number | undefined) ?? dflt)];
  switch (config.os.policy) {
    case 'rr':
      return [dur('quantum', RR_DEFAULT_QUANTUM)];
    case 'cfs': {
      const d = cfsDefaults(cpus);
      return [dur('latency', d.latency), dur('minGranularity', d.minGranularity), dur('wakeupGranularity', d.wakeupGranularity)];
    }
    case 'eevdf': {
      const d = eevdfDefaults(cpus);
      return [dur('baseSlice', d.baseSlice), ['runToParity', String((p.runToParity as boolean | undefined) ?? d.runToParity)]];
    }
    default:
      return [];
  }
}

function opText(op: OpSpec): string {
  if ('compute' in op) return `compute ${formatDur(op.compute)}`;
  if ('io' in op) return `io ${formatDur(op.io)}`;
  if ('syscall' in op) return `syscall ${formatDur(op.syscall)}`;
  if ('sleep' in op) return `sleep ${formatDur(op.sleep)}`;
  if ('yield' in op) return 'yield';
  if ('spawn' in op) {
    const what = typeof op.spawn === 'string' ? op.spawn : `[${opsText(op.spawn)}]`;
    return `spawn ${op.count !== undefined && op.count !== 1 ? `${groupDigits(op.count)}× ` : ''}${what}`;
  }
  if ('send' in op) return `send ${op.send}`;
  if ('recv' in op) return `recv ${op.recv}`;
  if ('close' in op) return `close ${op.close}`;
  if ('select' in op) return `select(${op.select.map((c) => ('recv' in c ? `recv ${c.recv}` : `send ${c.send}`)).join(' | ')}${op.default === true ? ' | default' : ''})`;
  if ('lock' in op) return `lock ${op.lock}`;
  if ('unlock' in op) return `unlock ${op.unlock}`;
  if ('wgAdd' in op) return `wgAdd ${op.wgAdd}${op.n !== undefined ? ` ${op.n}` : ''}`;
  if ('wgDone' in op) return `wgDone ${op.wgDone}`;
  if ('wgWait' in op) return `wgWait ${op.wgWait}`;
  return `repeat ${op.repeat === 'forever' ? 'forever' : `${groupDigits(op.repeat)}×`} [${opsText(op.do)}]`;
}

function opsText(ops: readonly OpSpec[]): string {
  return ops.map(opText).join(', ');
}

/** A program in one line, cut at `max` characters. */
export function programText(ref: ProgramRef, programs: Readonly<Record<string, OpSpec[] | ProgramDef>> = {}, max = 80): string {
  let s: string;
  if (typeof ref === 'string') {
    const body = programs[ref];
    s = body !== undefined ? `${ref} [${opsText(Array.isArray(body) ? body : body.do)}]` : ref;
  } else if (Array.isArray(ref)) s = opsText(ref);
  else if ('do' in ref) s = opsText(ref.do);
  else s = ref.name;
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

function sourceText(src: SourceSpec, programs: Readonly<Record<string, OpSpec[] | ProgramDef>>): string {
  const prog = programText(src.program, programs);
  if (src.kind === 'batch') {
    const at = src.at !== undefined && src.at > 0 ? ` at ${formatDuration(src.at)}` : '';
    return `${src.name}: ${groupDigits(src.count)} task${src.count === 1 ? '' : 's'}${at}: ${prog}`;
  }
  const start = src.start !== undefined && src.start > 0 ? ` from ${formatDuration(src.start)}` : '';
  return `${src.name}: ${src.process} arrivals at ${groupDigits(src.ratePerSec)}/s for ${formatDuration(src.durationNs)}${start}: ${prog}`;
}

/** The resolved scenario as [label, text] rows. */
export function describeConfig(config: SimConfig): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  const costs: Costs = { ...DEFAULT_COSTS, ...(config.machine.costs ?? {}) };
  const costText = (Object.keys(DEFAULT_COSTS) as Array<keyof Costs>).map((k) => `${k} ${formatDuration(costs[k])}`).join(', ');
  rows.push(['machine', `${config.machine.cpus} CPU${config.machine.cpus === 1 ? '' : 's'}; costs: ${costText}`]);
  const params = effectivePolicyParams(config);
  const os = config.os;
  const ticks = os.exactSliceEnd === true ? 'slice ends exact' : `hz ${os.hz ?? DEFAULT_HZ} (slice ends at ticks)`;
  const balance = os.balanceIntervalNs ?? DEFAULT_BALANCE_INTERVAL;
  let osText = `${os.policy}${params.length > 0 ? ` ${params.map(([k, v]) => `${k}=${v}`).join(' ')}` : ''}; ${ticks}; balance ${balance > 0 ? `every ${formatDuration(balance)}` : 'on idle only'}`;
  if (os.bandwidth) osText += `; bandwidth ${formatDuration(os.bandwidth.quotaNs)} per ${formatDuration(os.bandwidth.periodNs)}`;
  rows.push(['os', osText]);
  {
    const spec = modelSpecOf(config.model);
    const auto = spec.kind === 'go' && spec.procs === 0;
    const procs = auto ? defaultGomaxprocs(config.machine.cpus, config.os.bandwidth) : 0;
    rows.push(['model', auto ? `go (Go 1.25 default GOMAXPROCS: ${procs})` : modelName(spec)]);
  }
  const programs = config.workload.programs ?? {};
  config.workload.sources.forEach((src, i) => rows.push([i === 0 ? 'workload' : '', sourceText(src, programs)]));
  (config.workload.background ?? []).forEach((b, i) =>
    rows.push([i === 0 ? 'background' : '', `${b.name}: ${groupDigits(b.count)} thread${b.count === 1 ? '' : 's'}${b.nice ? ` nice ${b.nice}` : ''}: ${programText(b.program, programs)}`]),
  );
  const objs: string[] = [];
  for (const c of config.workload.channels ?? []) objs.push(`chan ${c.name}(${c.cap})`);
  for (const m of config.workload.mutexes ?? []) objs.push(`mutex ${m.name}`);
  for (const w of config.workload.waitgroups ?? []) objs.push(`waitgroup ${w.name}(${w.count ?? 0})`);
  if (objs.length > 0) rows.push(['objects', objs.join(', ')]);
  const lim = config.limits ?? {};
  rows.push(['limits', `time ${lim.timeNs !== undefined ? formatLongDuration(lim.timeNs) : 'none'}, events ${lim.events !== undefined ? groupDigits(lim.events) : 'none'}`]);
  return rows;
}
