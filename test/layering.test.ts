import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * The layers, bottom first (docs/architecture.md). A module may import its own layer and
 * any layer below; an import that reaches up fails here, naming the file and the import.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['state', 'io'],
  ['engine'],
  ['rng'],
  ['data'],
  ['nn'],
  ['objectives'],
  ['estimators', 'allocators', 'surrogate', 'sparse', 'explore', 'control'],
  ['optim'],
  ['train', 'landscape'],
  ['report', 'federated'],
  ['experiments'],
  ['bench', 'cli'],
];

const src = fileURLToPath(new URL('../../src/', import.meta.url));
const rank = new Map(LAYERS.flatMap((layer, i) => layer.map((name) => [name, i] as const)));

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

test('every folder of src is a layer, and no import reaches a higher one', () => {
  const folders = readdirSync(src, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  assert.deepEqual(folders.filter((f) => !rank.has(f)), [], 'folders missing from LAYERS');
  const upward: string[] = [];
  for (const file of files(src)) {
    const from = relative(src, file).split('/')[0]!;
    if (!rank.has(from)) continue;
    for (const [, target] of readFileSync(file, 'utf8').matchAll(/from '(\.\.?\/[^']+)'/g)) {
      const to = relative(src, resolve(dirname(file), target!)).split('/')[0]!;
      if (rank.has(to) && rank.get(to)! > rank.get(from)!) upward.push(`${relative(src, file)} imports ${target} (${from} → ${to})`);
    }
  }
  assert.deepEqual(upward, []);
});
