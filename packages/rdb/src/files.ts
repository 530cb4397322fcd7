import { unlinkSync } from 'node:fs';

/** Deletes a file that may not exist. */
export function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Nothing to remove.
  }
}
