/**
 * The Node runtime: onnxruntime-node (native, multi-threaded). Selected for Node by
 * the package's "#ort" import condition; ort-web.ts is its browser twin.
 */
import ort from 'onnxruntime-node';

export { ort };
export const RUNTIME_NAME = 'onnxruntime-node';

/** Device names mapped to onnxruntime-node execution providers. */
export const DEVICES: Readonly<Record<string, string>> = Object.freeze({
  cpu: 'cpu',
  webgpu: 'webgpu',
  cuda: 'cuda',
  tensorrt: 'tensorrt',
  dml: 'dml',
  coreml: 'coreml',
});
