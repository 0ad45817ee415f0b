import type { Program } from '../engine/runtime/backend.js';

/**
 * Compiled programs by a key (usually K, the number of directions), built on first use
 * and owned by the cache: `dispose()` releases every one. Values are programs or records
 * holding one under `program`.
 */
export class ProgramCache<Key, Value extends Program | { readonly program: Program } = Program> {
  private readonly values = new Map<Key, Promise<Value>>();

  get(key: Key, build: () => Promise<Value>): Promise<Value> {
    let value = this.values.get(key);
    if (value === undefined) this.values.set(key, (value = build()));
    return value;
  }

  async dispose(): Promise<void> {
    const values = [...this.values.values()];
    this.values.clear();
    await Promise.all(values.map(async (v) => {
      const value = await v.catch(() => undefined);
      await (value && 'program' in value ? value.program : (value as Program | undefined))?.dispose();
    }));
  }
}
