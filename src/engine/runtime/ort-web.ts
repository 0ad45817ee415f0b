/**
 * The browser runtime: onnxruntime-web (WebAssembly, WebGPU, WebNN). Selected for
 * browsers by the package's "#ort" import condition; ort-node.ts is its Node twin.
 */
import * as ort from 'onnxruntime-web';

// In Node, onnxruntime-web stands for a page: the reference of browser runs and the
// coordinator of browser workers. Its sums depend on the WebAssembly threads, so it gets
// one, as a page without cross-origin isolation has (pages set it themselves).
if (typeof process !== 'undefined' && process.versions?.node !== undefined) ort.env.wasm.numThreads = 1;

export { ort };
export const RUNTIME_NAME = 'onnxruntime-web';
/** Whether the runtime writes pre-allocated CPU outputs in place (onnxruntime-web returns its own arrays instead). */
export const WRITES_PREALLOCATED = false;

/** Device names mapped to onnxruntime-web execution providers; 'cpu' means WebAssembly. */
export const DEVICES: Readonly<Record<string, string>> = Object.freeze({
  cpu: 'wasm',
  wasm: 'wasm',
  webgpu: 'webgpu',
  webnn: 'webnn',
});

/** Whether sessions take their own intra-op thread count: onnxruntime-web's are the page's (ort.env.wasm.numThreads). */
export const SESSION_THREADS = false;

/** Intra-op threads when none are asked for: onnxruntime-web's own choice (its WebAssembly threads are set through ort.env). */
export function defaultThreads(): number | undefined {
  return undefined;
}
