/** Writing output files whole or not at all. */
import { renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * Writes `content` to `path` through a temporary file in the same directory, renamed into place
 * only when complete; on failure the temporary file is removed.
 */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  const dir = dirname(resolve(path));
  const tmp = join(dir, `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, content);
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing to remove
    }
    throw e;
  }
}
