import { readFile } from 'node:fs/promises';

export interface JsonLines {
  /** The objects of the lines that parsed, in file order. */
  readonly records: readonly Record<string, unknown>[];
  /** One sentence per line left out, naming the file and the line. */
  readonly dropped: readonly string[];
}

/**
 * Reads a JSON-lines file (one object per line, as the trainer appends them). A run
 * that crashed mid-append leaves a torn last line without its newline: it is dropped
 * and named, and every complete line is kept. A bad line elsewhere is dropped the same
 * way. Throws (ENOENT included) only when the file cannot be read at all.
 */
export async function readJsonLines(path: string): Promise<JsonLines> {
  const text = await readFile(path, 'utf8');
  const lines = text.split('\n');
  // A complete file ends with a newline, so its last piece is empty.
  const complete = lines.pop() === '';
  if (!complete) lines.push(text.slice(text.lastIndexOf('\n') + 1));
  const records: Record<string, unknown>[] = [];
  const dropped: string[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      const torn = !complete && i === lines.length - 1;
      dropped.push(`${path}: dropped line ${i + 1} (${line.length} characters): ${torn ? 'torn last line without its newline (the run was probably interrupted while writing it)' : 'not JSON'}`);
      return;
    }
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) records.push(value as Record<string, unknown>);
    else dropped.push(`${path}: dropped line ${i + 1}: not a JSON object`);
  });
  return { records, dropped };
}
