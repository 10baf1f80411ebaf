/** Builds the playground into dist/web once before the e2e tests (when missing or stale). */
import { buildWeb, needsBuild } from '../../src/cli/ui.js';

export default async function setup(): Promise<void> {
  if (process.env.CI !== undefined || needsBuild()) await buildWeb();
}
