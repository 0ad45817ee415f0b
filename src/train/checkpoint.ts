import { open } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { writeFileAtomic } from '../io/atomic-write.js';
import { readRegularFile, withFileContext } from '../io/file-error.js';
import type { SerializedState, StateJson } from '../state/state.js';
import type { Progress } from './step.js';

/**
 * One-file checkpoints, written atomically (temp file + rename), so a crash mid-write
 * leaves the previous checkpoint intact. Layout, little-endian:
 *   "FPCKPT01" | u32 header length | header JSON | zero padding to 4 bytes
 *   | float32 buffers (θ, then the optimiser's) | u32 CRC-32 of everything before it
 * The header describes the run and the buffer lengths, so a truncated or corrupt file
 * is recognised and named instead of silently resuming from garbage.
 */

const MAGIC = 'FPCKPT01';


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

/** The checkpoint as bytes in the layout above. */
export function encodeCheckpoint(c: Checkpoint): Uint8Array {
  const parts = checkpointParts(c);
  const bytes = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  parts.reduce((offset, p) => (bytes.set(p, offset), offset + p.length), 0);
  return bytes;
}

/**
 * The checkpoint's bytes as consecutive parts: the header, views of the buffers
 * themselves (nothing copied: a checkpoint of 20M parameters and Adam's moments must not
 * double the run's memory while it is written) and the CRC, computed across the parts.
 */
function checkpointParts(c: Checkpoint): Uint8Array[] {
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
  const head = new Uint8Array(align4(MAGIC.length + 4 + json.length));
  head.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(head.buffer).setUint32(MAGIC.length, json.length, true);
  head.set(json, MAGIC.length + 4);
  // Empty buffers are left out: zlib's crc32 of an array without a backing store restarts from 0.
  const parts = [head, ...buffers.filter((b) => b.length > 0).map((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength))];
  const tail = new Uint8Array(4);
  new DataView(tail.buffer).setUint32(0, parts.reduce((crc, p) => crc32(p, crc), 0), true);
  return [...parts, tail];
}

/**
 * Decodes checkpoint bytes; `path` names them in errors. Every field is checked, so bytes
 * from a truncated, corrupt or foreign file are refused, never returned as a checkpoint.
 * @throws Error "checkpoint <path> is unusable: <why>".
 */
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
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(MAGIC.length + 4, MAGIC.length + 4 + jsonLength)));
  } catch {
    return fail('corrupt header (not UTF-8 JSON)');
  }
  if (!isRecord(header)) return fail('corrupt header (not a JSON object)');
  const sizes: number[] =
    Array.isArray(header.buffers) && header.buffers.length > 0 && header.buffers.every(isCount) ? header.buffers : fail('corrupt header (buffers is not a non-empty list of element counts)');
  const expected = headerEnd + sizes.reduce((s, n) => s + 4 * n, 0) + 4;
  if (bytes.length !== expected) fail(`truncated or padded: expected ${expected} bytes, found ${bytes.length}`);
  if (view.getUint32(expected - 4, true) !== crc32(bytes.subarray(0, expected - 4))) fail('checksum mismatch (the file is corrupt)');
  // Past the checksum the bytes are as written; a header that still does not fit comes from another program or version.
  const { config, progress, optimizer, extras = {} } = header;
  if (!isRecord(config)) fail('config is not a JSON object');
  if (!isProgress(progress)) fail('progress is not {epoch, batch, step, queries: counts; seconds: ≥ 0}');
  if (optimizer === undefined) fail('the optimiser state is missing');
  if (!isRecord(extras) || !Object.values(extras).every((e) => isRecord(e) && e.json !== undefined && isCount(e.buffers))) {
    fail('extras is not a map of {json, buffers: count}');
  }
  const extraEntries = Object.entries(extras as Record<string, { json: StateJson; buffers: number }>);
  const extraBuffers = extraEntries.reduce((n, [, e]) => n + e.buffers, 0);
  if (extraBuffers > sizes.length - 1) fail(`the extras claim ${extraBuffers} buffers, but only ${sizes.length - 1} follow the parameters`);
  // Copy so the buffers are aligned and independent of the file's bytes.
  let offset = headerEnd;
  const buffers = sizes.map((n) => {
    const b = new Float32Array(n);
    new Uint8Array(b.buffer).set(bytes.subarray(offset, offset + 4 * n));
    offset += 4 * n;
    return b;
  });
  const optimizerEnd = buffers.length - extraBuffers;
  let next = optimizerEnd;
  const decodedExtras = Object.fromEntries(extraEntries.map(([name, e]) => [name, { json: e.json, buffers: buffers.slice(next, (next += e.buffers)) }]));
  return {
    config: config as Record<string, unknown>,
    // Checkpoints written before updates were counted apart from steps had one per step.
    progress: { ...(progress as Progress), updates: (progress as Partial<Progress>).updates ?? (progress as Progress).step },
    params: buffers[0]!,
    optimizer: { json: optimizer as StateJson, buffers: buffers.slice(1, optimizerEnd) },
    extras: decodedExtras,
  };
}

/**
 * Writes a checkpoint atomically (see writeFileAtomic): a crash mid-write keeps the previous
 * one. The buffers are written from where they lie; they must not change until it resolves.
 */
export async function saveCheckpoint(path: string, c: Checkpoint): Promise<void> {
  await writeFileAtomic(path, checkpointParts(c), 'checkpoint');
}

/**
 * Reads and decodes a checkpoint.
 * @throws FileError "cannot read checkpoint <path>: <reason>"; Error "checkpoint <path> is unusable: <why>".
 */
export async function loadCheckpoint(path: string): Promise<Checkpoint> {
  return decodeCheckpoint(await readRegularFile(path, 'checkpoint'), path);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}

function isProgress(v: unknown): v is Progress {
  return isRecord(v) && isCount(v.epoch) && isCount(v.batch) && isCount(v.step) && (v.updates === undefined || isCount(v.updates)) && isCount(v.queries) && typeof v.seconds === 'number' && v.seconds >= 0;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

/** What a checkpoint's header says, read without loading its buffers. */
export interface CheckpointHeader {
  readonly config: Readonly<Record<string, unknown>>;
  readonly progress: Progress;
  /** The file's size in bytes. */
  readonly bytes: number;
  /** The size the header's buffer lengths imply; a different `bytes` means a truncated or padded file. */
  readonly expectedBytes: number;
}

/**
 * Reads a checkpoint's header and the file's size without reading its parameter buffers
 * (for reports over many runs); the CRC is not checked, since that needs the whole file.
 * @throws Error naming `path` when the file is missing, not a checkpoint, or its header is cut off or corrupt.
 */
export async function readCheckpointHeader(path: string): Promise<CheckpointHeader> {
  const prefix = MAGIC.length + 4;
  const handle = await withFileContext('read checkpoint', path, () => open(path, 'r'));
  try {
    const bytes = (await handle.stat()).size;
    const head = Buffer.alloc(prefix);
    await handle.read(head, 0, prefix, 0);
    if (bytes < prefix || head.toString('latin1', 0, MAGIC.length) !== MAGIC) throw new Error(`${path}: not a forwardprop checkpoint (bad magic or too short)`);
    const length = head.readUInt32LE(MAGIC.length);
    if (prefix + length > bytes) throw new Error(`${path}: truncated inside its header (${bytes} bytes, the header needs ${prefix + length})`);
    const json = Buffer.alloc(length);
    await handle.read(json, 0, length, prefix);
    let header: { config?: unknown; progress?: unknown; buffers?: unknown };
    try {
      header = JSON.parse(json.toString('utf8'));
    } catch {
      throw new Error(`${path}: corrupt header (not JSON)`);
    }
    const { config, progress, buffers } = header;
    if (typeof config !== 'object' || config === null || typeof progress !== 'object' || progress === null || !Array.isArray(buffers)) {
      throw new Error(`${path}: corrupt header (no config, progress or buffer lengths)`);
    }
    const expectedBytes = align4(prefix + length) + 4 * buffers.reduce((s: number, n) => s + Number(n), 0) + 4;
    return { config: config as Record<string, unknown>, progress: progress as Progress, bytes, expectedBytes };
  } finally {
    await handle.close();
  }
}
