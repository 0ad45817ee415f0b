/** 8-bit pixels scaled to [0, 1]: every loader maps byte k to the same float32, k/255. */
export function pixelsToUnit(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i]! / 255;
  return out;
}
