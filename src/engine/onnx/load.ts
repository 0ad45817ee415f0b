import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize } from 'node:path';
import { type OnnxGraph, readOnnx } from './read.js';

/**
 * Reads an `.onnx` file (Node), with the external-data files its initializers name,
 * which ONNX places beside the model (paths relative to the model's folder).
 * Throws Error naming the file when it cannot be read, is not ONNX, or an external-data
 * file is missing; see `readOnnx` for the rest.
 */
export async function loadOnnx(path: string): Promise<OnnxGraph> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new Error(`${path}: cannot read the model (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const files = new Map<string, Uint8Array>();
  const externalData = (location: string): Uint8Array => {
    const relative = normalize(location);
    if (isAbsolute(relative) || relative.startsWith('..')) throw new RangeError(`${path}: external data location '${location}' must be a path inside the model's folder`);
    const file = join(dirname(path), relative);
    let data = files.get(file);
    if (data === undefined) {
      try {
        data = readFileSync(file);
      } catch (e) {
        throw new Error(`${path}: external data file '${file}' cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
      files.set(file, data);
    }
    return data;
  };
  return readOnnx(bytes, { source: path, externalData });
}
