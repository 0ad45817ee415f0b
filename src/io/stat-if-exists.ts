import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';

/** The file's stats, or undefined when nothing is at `path` (other errors propagate). */
export async function statIfExists(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}
