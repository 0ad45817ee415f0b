/**
 * File-system errors that say what was being done to which file. Node's own messages name
 * the system call, not the purpose ("EISDIR: illegal operation on a directory, read"); these
 * read "cannot read CSV file /data/x.csv: it is a directory".
 */
import type { Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';

/** A failed file operation: `code` and `syscall` are Node's (e.g. 'ENOENT', 'open') when it raised one. */
export class FileError extends Error {
  readonly path: string;
  readonly code: string | undefined;
  readonly syscall: string | undefined;

  /** Message "cannot <action> <path>: <reason>", e.g. "cannot write checkpoint /run/x.fpck: no space left on the device". */
  constructor(action: string, path: string, reason: string, options: { code?: string; syscall?: string; cause?: unknown } = {}) {
    super(`cannot ${action} ${path}: ${reason}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.path = path;
    this.code = options.code;
    this.syscall = options.syscall;
  }

  /** Wraps an error thrown by a Node fs call, keeping it as `cause`. */
  static from(action: string, path: string, error: unknown): FileError {
    const e = error as NodeJS.ErrnoException;
    const reason = (e?.code && REASONS[e.code]) ?? (e instanceof Error ? e.message : String(e));
    return new FileError(action, path, reason, { code: e?.code, syscall: e?.syscall, cause: error });
  }
}

/** Plain-language reasons for the codes a user can act on; anything else keeps Node's message. */
const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a component of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'the file system is read-only',
  EMFILE: 'too many open files in this process',
  ENFILE: 'too many open files on this system',
  ENAMETOOLONG: 'the path is too long',
  ELOOP: 'too many levels of symbolic links',
  EIO: 'input/output error (a failing disk or network file system)',
  EEXIST: 'it already exists',
  EBUSY: 'the file is busy',
  EXDEV: 'it is on another file system',
  ERR_FS_FILE_TOO_LARGE: 'it is larger than the 2 GiB that Node.js reads into memory at once',
};

/**
 * Runs one fs call and rethrows its failure as a FileError "cannot <action> <path>: <reason>",
 * e.g. withFileContext('write checkpoint', path, () => rename(temp, path)).
 */
export async function withFileContext<T>(action: string, path: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw FileError.from(action, path, e);
  }
}

/**
 * The bytes of a regular file; `what` names it in errors ("cannot read <what> <path>: …").
 * A directory, named pipe, socket or device is refused before it is opened, so a wrong path
 * fails at once with a reason instead of blocking on a pipe or reading a device forever.
 * @throws FileError when the path is missing, unreadable or not a regular file.
 */
export async function readRegularFile(path: string, what: string): Promise<Buffer> {
  const action = `read ${what}`;
  const stats = await withFileContext(action, path, () => stat(path));
  if (stats.isDirectory()) throw new FileError(action, path, REASONS.EISDIR!, { code: 'EISDIR' });
  if (!stats.isFile()) throw new FileError(action, path, `it is not a regular file but ${kind(stats)}`);
  return withFileContext(action, path, () => readFile(path));
}

function kind(stats: Stats): string {
  if (stats.isFIFO()) return 'a named pipe';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'something else';
}
