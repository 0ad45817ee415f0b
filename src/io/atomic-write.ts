/**
 * Atomic file replacement: readers see the old content or the new, never a torn write.
 * The data goes to a temporary file beside the target, named `<target>.<pid>-<12 hex>.fp-tmp`,
 * is synced, and a rename (atomic on POSIX file systems) replaces the target. A process
 * killed mid-write (SIGKILL, power loss) cannot remove its temporary file; the name says
 * whose it is, so removeStaleTemps can delete it later without touching a live writer's.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { FileError, withFileContext } from './file-error.js';

const TEMP_SUFFIX = '.fp-tmp';

/** Temporary files this process is writing now: the only ones of its own pid that are not stale. */
const inFlight = new Set<string>();

/**
 * Writes `data` (or its parts, one after another) to `path` atomically, creating missing parent directories. The data and then
 * the directory entry are synced, so after it resolves a crash keeps the new content.
 * `what` names the file in errors: "cannot write <what> <path>: no space left on the device".
 * @throws FileError naming the target (never the temporary file) when any step fails; the
 *   temporary file is removed and the target keeps its old content.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string | readonly Uint8Array[], what = 'file'): Promise<void> {
  const action = `write ${what}`;
  const dir = dirname(path);
  await withFileContext(action, path, () => mkdir(dir, { recursive: true }));
  const temp = `${path}.${process.pid}-${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`;
  inFlight.add(resolve(temp));
  try {
    await withFileContext(action, path, async () => {
      const file = await open(temp, 'wx');
      try {
        for (const part of typeof data === 'string' || data instanceof Uint8Array ? [data] : data) await file.writeFile(part);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temp, path);
    });
  } catch (e) {
    // The write's failure is what to report; a temporary file that cannot be removed either is stale, for removeStaleTemps.
    await rm(temp, { force: true }).catch(() => undefined);
    throw e;
  } finally {
    inFlight.delete(resolve(temp));
  }
  // The rename lives in the directory; without syncing it a crash may bring back the old file.
  if (process.platform !== 'win32') await withFileContext(`sync the directory of ${what}`, dir, () => syncDirectory(dir));
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Deletes the temporary files that interrupted writeFileAtomic calls left beside `path`: those
 * of processes no longer running on this host, and those of this process that it is not
 * writing now (a restarted container often reuses the pid). Call it when a run starts or
 * resumes, before writing `path` again. A temporary file of another live process is kept:
 * that process may still be writing it. Also removes `<target>.<12 hex>.tmp` files, the
 * names used before the pid was recorded.
 * @returns the paths removed, in name order.
 * @throws FileError when the directory cannot be listed or a stale file cannot be removed;
 *   a missing directory means nothing to remove.
 */
export async function removeStaleTemps(path: string): Promise<string[]> {
  const dir = dirname(path);
  const base = basename(path);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw FileError.from('list the directory of', path, e);
  }
  const removed: string[] = [];
  for (const name of names.sort()) {
    if (!name.startsWith(`${base}.`)) continue;
    const rest = name.slice(base.length + 1);
    const current = /^(\d+)-[0-9a-f]{12}\.fp-tmp$/.exec(rest);
    const legacy = /^[0-9a-f]{12}\.tmp$/.test(rest);
    const temp = join(dir, name);
    if (current ? isStale(Number(current[1]), temp) : legacy) {
      await withFileContext('remove the stale temporary file', temp, () => rm(temp, { force: true }));
      removed.push(temp);
    }
  }
  return removed;
}

function isStale(pid: number, temp: string): boolean {
  if (pid === process.pid) return !inFlight.has(resolve(temp));
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    // EPERM: the process exists but belongs to another user.
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
