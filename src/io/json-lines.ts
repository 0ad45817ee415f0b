/**
 * JSON-lines logs (one JSON value per line, each ending in '\n') that survive crashes: a
 * write cut short leaves at most a torn last line, which the reader reports instead of
 * failing on, and truncateJsonLines cuts a log back to a point (e.g. the step of the last
 * checkpoint) so that a resumed run's log is never ahead of its state.
 */
import { open } from 'node:fs/promises';
import { writeFileAtomic } from './atomic-write.js';
import { FileError, readRegularFile, withFileContext } from './file-error.js';

export interface JsonLines {
  /** The values of the complete lines, in file order (blank lines are skipped). */
  readonly records: unknown[];
  /** Bytes after the last '\n': a line whose write was cut short, never parsed (0 when the file ends in '\n'). */
  readonly tornBytes: number;
}

interface Parsed extends JsonLines {
  /** The byte offset where each record's line starts. */
  readonly starts: number[];
  /** Bytes up to and including the last '\n'. */
  readonly completeBytes: number;
}

const NEWLINE = 0x0a;

/**
 * Parses JSON-lines bytes; `source` names them in errors. Only '\n'-terminated lines count:
 * an unterminated tail is reported as torn even when it happens to parse ('12' of '123').
 * @throws Error "<source>:<line>: …" for a complete line that is not UTF-8 JSON: a log
 *   corrupted in the middle is refused rather than silently shortened.
 */
export function parseJsonLines(bytes: Uint8Array, source: string): JsonLines {
  const { records, tornBytes } = parse(bytes, source);
  return { records, tornBytes };
}

/** Parses the complete lines; a bad one throws, or with `skip` is reported to it and left out. */
function parse(bytes: Uint8Array, source: string, skip?: (line: number, characters: number, why: string) => void): Parsed {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const records: unknown[] = [];
  const starts: number[] = [];
  const bad = (line: number, characters: number, why: string): void => {
    if (!skip) throw new Error(`${source}:${line}: ${why}`);
    skip(line, characters, why);
  };
  let start = 0;
  for (let line = 1, end = bytes.indexOf(NEWLINE); end >= 0; line++, start = end + 1, end = bytes.indexOf(NEWLINE, start)) {
    let text: string;
    try {
      text = decoder.decode(bytes.subarray(start, end));
    } catch {
      bad(line, end - start, 'not UTF-8 text');
      continue;
    }
    if (text.trim() === '') continue;
    try {
      records.push(JSON.parse(text));
    } catch (e) {
      bad(line, text.length, `not a JSON value (${(e as Error).message})`);
      continue;
    }
    starts.push(start);
  }
  return { records, tornBytes: bytes.length - start, starts, completeBytes: start };
}

/**
 * The records of a JSON-lines file and the size of its torn last line, if any.
 * @throws FileError when the file cannot be read; Error naming file and line for a corrupt complete line.
 */
export async function readJsonLines(path: string): Promise<JsonLines> {
  return parseJsonLines(await readRegularFile(path, 'JSON-lines file'), path);
}

/**
 * The records of a log a person will look at (a report of a crashed or damaged run): the
 * complete lines that parse, and one sentence per line left out — a torn last line or a
 * corrupt one — naming the file and the line, instead of refusing the whole file.
 * @throws FileError when the file cannot be read at all (ENOENT included).
 */
export async function readJsonLinesLeniently(path: string): Promise<{ readonly records: unknown[]; readonly dropped: string[] }> {
  const bytes = await readRegularFile(path, 'JSON-lines file');
  const dropped: string[] = [];
  let lines = 0;
  const { records, tornBytes } = parse(bytes, path, (line, characters, why) => dropped.push(`${path}: dropped line ${line} (${characters} characters): ${why}`));
  for (let i = 0; i < bytes.length - tornBytes; i++) if (bytes[i] === NEWLINE) lines++;
  if (tornBytes > 0) dropped.push(`${path}: dropped line ${lines + 1} (${tornBytes} bytes): torn last line without its newline (the run was probably interrupted while writing it)`);
  return { records, dropped };
}

/**
 * Appends records, one JSON line each, in one write, and syncs the file, so a record that
 * was appended before a checkpoint was written is on disk before the checkpoint is.
 * Creates the file when missing.
 * @throws Error when the file ends in a torn line (appending would glue the new record to
 *   it: call truncateJsonLines first); FileError when it cannot be written; TypeError for
 *   a record that JSON cannot represent (undefined, a function).
 */
export async function appendJsonLines(path: string, records: readonly unknown[]): Promise<void> {
  const text = records
    .map((record, i) => {
      const json = JSON.stringify(record);
      if (typeof json !== 'string') throw new TypeError(`records[${i}] is ${typeof record}, which JSON cannot represent`);
      return `${json}\n`;
    })
    .join('');
  if (text === '') return;
  const action = 'append to JSON-lines file';
  const handle = await withFileContext(action, path, () => open(path, 'a+'));
  try {
    const { size } = await withFileContext(action, path, () => handle.stat());
    if (size > 0) {
      const last = new Uint8Array(1);
      await withFileContext(action, path, () => handle.read(last, 0, 1, size - 1));
      if (last[0] !== NEWLINE) throw new FileError(action, path, 'its last line is torn (no final newline); truncate it with truncateJsonLines first');
    }
    await withFileContext(action, path, async () => {
      await handle.appendFile(text);
      await handle.sync();
    });
  } finally {
    await handle.close();
  }
}

export interface Truncation {
  /** Records left in the file. */
  readonly kept: number;
  /** Complete records removed. */
  readonly dropped: number;
  /** Bytes of a torn last line removed. */
  readonly tornBytes: number;
}

/**
 * Cuts a JSON-lines file back to the records before the first one that `keep` rejects,
 * and drops a torn last line. For a log ordered by step, `keep = (r) => r.step <= step`
 * leaves exactly the records of the steps a checkpoint at `step` has seen. The file is
 * replaced atomically (writeFileAtomic), byte for byte the prefix it kept, and not written
 * at all when nothing is to be cut. A missing file has nothing to cut. Call it before
 * anything appends to the file again.
 * @throws Error naming file and line for a corrupt complete line; FileError when the file
 *   cannot be read or replaced.
 */
export async function truncateJsonLines(path: string, keep: (record: unknown, index: number) => boolean): Promise<Truncation> {
  let bytes: Uint8Array;
  try {
    bytes = await readRegularFile(path, 'JSON-lines file');
  } catch (e) {
    if (e instanceof FileError && e.code === 'ENOENT') return { kept: 0, dropped: 0, tornBytes: 0 };
    throw e;
  }
  const { records, starts, completeBytes, tornBytes } = parse(bytes, path);
  const first = records.findIndex((record, i) => !keep(record, i));
  const kept = first < 0 ? records.length : first;
  const end = first < 0 ? completeBytes : starts[first]!;
  if (end < bytes.length) await writeFileAtomic(path, bytes.subarray(0, end), 'JSON-lines file');
  return { kept, dropped: records.length - kept, tornBytes };
}
