/**
 * The registry of OS scheduling policies: the kernel asks it for a policy by name and never
 * switches on names itself. Adding a policy means adding one file and one line here.
 */
import { cfsPolicy } from './cfs.js';
import { eevdfPolicy } from './eevdf.js';
import { fifoPolicy, rrPolicy } from './fifo.js';
import type { PolicyFactory } from './types.js';

export const POLICIES: ReadonlyMap<string, PolicyFactory> = new Map(
  [fifoPolicy, rrPolicy, cfsPolicy, eevdfPolicy].map((p) => [p.name, p]),
);

export const POLICY_NAMES: readonly string[] = [...POLICIES.keys()];

export function getPolicy(name: string): PolicyFactory {
  const p = POLICIES.get(name);
  if (!p) throw new Error(`unknown OS policy "${name}" (known: ${POLICY_NAMES.join(', ')})`);
  return p;
}
