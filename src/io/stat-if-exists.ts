import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { FileError } from './file-error.js';

/**
 * The path's stats, or undefined when nothing is there (ENOENT, or ENOTDIR for a path
 * through a regular file).
 * @throws FileError for any other failure, e.g. "cannot inspect /x: permission denied".
 */
export async function statIfExists(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw FileError.from('inspect', path, e);
  }
}
