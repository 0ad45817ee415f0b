import type { Executable } from '../engine/runtime/executable.js';

/** Compiled programs by a key (usually K, the number of directions), built on first use. */
export class ProgramCache<Key, Program = Executable> {
  private readonly programs = new Map<Key, Promise<Program>>();

  get(key: Key, build: () => Promise<Program>): Promise<Program> {
    let program = this.programs.get(key);
    if (program === undefined) this.programs.set(key, (program = build()));
    return program;
  }
}
