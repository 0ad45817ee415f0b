import { readFile } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { writeFileAtomic } from '../io/atomic-write.js';
import type { SerializedState, StateJson } from '../state/state.js';

/**
 * One-file checkpoints, written atomically (temp file + rename), so a crash mid-write
 * leaves the previous checkpoint intact. Layout, little-endian:
 *   "FPCKPT01" | u32 header length | header JSON | zero padding to 4 bytes
 *   | float32 buffers (θ, then the optimiser's) | u32 CRC-32 of everything before it
 * The header describes the run and the buffer lengths, so a truncated or corrupt file
 * is recognised and named instead of silently resuming from garbage.
 */

const MAGIC = 'FPCKPT01';

export interface Progress {
  /** Completed epochs. */
  readonly epoch: number;
  /** Batches already done in the current epoch. */
  readonly batch: number;
  readonly step: number;
  readonly queries: number;
  /** Training wall time so far (excluding evaluation and checkpointing). */
  readonly seconds: number;
}

export interface Checkpoint {
  /** The run's configuration, as JSON (checked for compatibility on resume). */
  readonly config: Readonly<Record<string, unknown>>;
  readonly progress: Progress;
  readonly params: Float32Array;
  readonly optimizer: SerializedState;
  /** Other learned state that a resumed run needs (the estimator's, the allocator's), by name. */
  readonly extras?: Readonly<Record<string, SerializedState>>;
}

interface Header {
  readonly config: Readonly<Record<string, unknown>>;
  readonly progress: Progress;
  readonly optimizer: StateJson;
  /** Each extra's JSON and how many of the buffers are its own. */
  readonly extras?: Readonly<Record<string, { readonly json: StateJson; readonly buffers: number }>>;
  /** Element counts of the buffers that follow: θ, the optimiser's, then each extra's. */
  readonly buffers: readonly number[];
}

export function encodeCheckpoint(c: Checkpoint): Uint8Array {
  const extras = Object.entries(c.extras ?? {});
  const buffers = [c.params, ...c.optimizer.buffers, ...extras.flatMap(([, e]) => e.buffers)];
  const header: Header = {
    config: c.config,
    progress: c.progress,
    optimizer: c.optimizer.json,
    ...(extras.length > 0 && { extras: Object.fromEntries(extras.map(([name, e]) => [name, { json: e.json, buffers: e.buffers.length }])) }),
    buffers: buffers.map((b) => b.length),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerEnd = align4(MAGIC.length + 4 + json.length);
  const size = headerEnd + buffers.reduce((s, b) => s + b.byteLength, 0) + 4;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  view.setUint32(MAGIC.length, json.length, true);
  bytes.set(json, MAGIC.length + 4);
  let offset = headerEnd;
  for (const b of buffers) {
    bytes.set(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), offset);
    offset += b.byteLength;
  }
  view.setUint32(offset, crc32(bytes.subarray(0, offset)), true);
  return bytes;
}

export function decodeCheckpoint(bytes: Uint8Array, path: string): Checkpoint {
  const fail = (why: string): never => {
    throw new Error(`checkpoint ${path} is unusable: ${why}`);
  };
  if (bytes.length < MAGIC.length + 8 || new TextDecoder().decode(bytes.subarray(0, MAGIC.length)) !== MAGIC) {
    fail('not a forwardprop checkpoint (bad magic or too short)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const jsonLength = view.getUint32(MAGIC.length, true);
  const headerEnd = align4(MAGIC.length + 4 + jsonLength);
  if (headerEnd + 4 > bytes.length) fail(`truncated: the header alone needs ${headerEnd + 4} bytes, the file has ${bytes.length}`);
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(MAGIC.length + 4, MAGIC.length + 4 + jsonLength))) as Header;
  } catch {
    return fail('corrupt header');
  }
  const expected = headerEnd + header.buffers.reduce((s, n) => s + 4 * n, 0) + 4;
  if (bytes.length !== expected) fail(`truncated or padded: expected ${expected} bytes, found ${bytes.length}`);
  if (view.getUint32(expected - 4, true) !== crc32(bytes.subarray(0, expected - 4))) fail('checksum mismatch (the file is corrupt)');
  // Copy so the buffers are aligned and independent of the file's bytes.
  let offset = headerEnd;
  const buffers = header.buffers.map((n) => {
    const b = new Float32Array(n);
    new Uint8Array(b.buffer).set(bytes.subarray(offset, offset + 4 * n));
    offset += 4 * n;
    return b;
  });
  const extraBuffers = Object.values(header.extras ?? {}).reduce((n, e) => n + e.buffers, 0);
  const optimizerEnd = buffers.length - extraBuffers;
  let next = optimizerEnd;
  const extras = Object.fromEntries(
    Object.entries(header.extras ?? {}).map(([name, e]) => {
      const own = buffers.slice(next, (next += e.buffers));
      return [name, { json: e.json, buffers: own }];
    }),
  );
  return { config: header.config, progress: header.progress, params: buffers[0]!, optimizer: { json: header.optimizer, buffers: buffers.slice(1, optimizerEnd) }, extras };
}

export async function saveCheckpoint(path: string, c: Checkpoint): Promise<void> {
  await writeFileAtomic(path, encodeCheckpoint(c));
}

export async function loadCheckpoint(path: string): Promise<Checkpoint> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new Error(`cannot read checkpoint ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  return decodeCheckpoint(bytes, path);
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
