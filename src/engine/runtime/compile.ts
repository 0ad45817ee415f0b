import type { GraphSpec } from '../ir/graph.js';
import { type CompileOptions, type Program, backend } from './backend.js';
// Registers the built-in backend.
import './onnxruntime.js';

/** Lowers `spec` and prepares it to run on the chosen backend (default onnxruntime). The caller owns the program. */
export function compile(spec: GraphSpec, options: CompileOptions = {}): Promise<Program> {
  return backend(options.backend).compile(spec, options);
}
