/** The example scenarios, bundled at build time from examples/*.yaml (text only). */
import { loadScenario } from '../../src/workload/scenario.js';

const files = import.meta.glob<string>('../../examples/*.yaml', { query: '?raw', import: 'default', eager: true });

export interface Example {
  name: string;
  file: string;
  text: string;
  description: string;
  /** First sentence of the description. */
  summary: string;
}

function summaryOf(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const end = flat.search(/[.!?](\s|$)/);
  return end >= 0 ? flat.slice(0, end + 1) : flat;
}

export const EXAMPLES: Example[] = Object.entries(files)
  .map(([path, text]) => {
    const file = path.slice(path.lastIndexOf('/') + 1);
    let description: string;
    try {
      description = loadScenario(text, file).description ?? '';
    } catch {
      description = '(this example does not load)';
    }
    return { name: file.replace(/\.ya?ml$/, ''), file, text, description: description.trim(), summary: summaryOf(description) };
  })
  .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
