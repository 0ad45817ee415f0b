import type { HostTensor } from '../ir/host-tensor.js';
import { broadcastShapes } from '../ir/shape.js';
import type { ConvParams, Pair, Window2d } from '../ops/window-2d.js';
import { broadcastIndex, valuesOf } from './kernels.js';

/**
 * Reference loops of the sliding-window ops, over the last two axes of row-major
 * NCHW data. Each op is written as the list of (input, output) pairs its windows
 * connect, so a convolution and its two adjoints share one loop.
 */

/**
 * For each output pixel (row-major over out) and kernel tap (row-major over the kernel),
 * the input pixel h·W + w it reads, or -1 where the tap falls in the zero padding.
 */
export function windowTaps(size: Pair, out: Pair, win: Window2d): Int32Array {
  const [kh, kw] = win.kernel;
  const taps = new Int32Array(out[0] * out[1] * kh * kw);
  let t = 0;
  for (let oh = 0; oh < out[0]; oh++) {
    for (let ow = 0; ow < out[1]; ow++) {
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          const h = oh * win.stride[0] - win.padding[0] + i * win.dilation[0];
          const w = ow * win.stride[1] - win.padding[1] + j * win.dilation[1];
          taps[t++] = h >= 0 && h < size[0] && w >= 0 && w < size[1] ? h * size[1] + w : -1;
        }
      }
    }
  }
  return taps;
}

/** Calls visit(yi, xi) for every in-bounds tap xi of every output yi of a pooling of `xShape` to `outShape`. */
function poolPairs(xShape: readonly number[], outShape: readonly number[], win: Window2d, visit: (yi: number, xi: number) => void): void {
  const [h, w] = xShape.slice(-2) as [number, number];
  const [oh, ow] = outShape.slice(-2) as [number, number];
  const taps = windowTaps([h, w], [oh, ow], win);
  const kk = win.kernel[0] * win.kernel[1];
  const planes = xShape.slice(0, -2).reduce((a, b) => a * b, 1);
  for (let plane = 0; plane < planes; plane++) {
    for (let p = 0; p < oh * ow; p++) {
      for (let k = 0; k < kk; k++) {
        const tap = taps[p * kk + k]!;
        if (tap >= 0) visit(plane * oh * ow + p, plane * h * w + tap);
      }
    }
  }
}

/** For each output of a max pooling, the offset in x of its window's first maximum in row-major window order (onnxruntime's pick). */
export function maxPoolArgmax(x: HostTensor, outShape: readonly number[], win: Window2d): Int32Array {
  const v = valuesOf(x);
  const size = outShape.reduce((a, b) => a * b, 1);
  const best = new Float64Array(size).fill(-Infinity);
  const arg = new Int32Array(size);
  poolPairs(x.shape, outShape, win, (yi, xi) => {
    if (v[xi]! > best[yi]!) [best[yi], arg[yi]] = [v[xi]!, xi];
  });
  return arg;
}

/** Window means with the padding counted as zeros (ONNX count_include_pad = 1). */
export function avgPoolValues(x: HostTensor, outShape: readonly number[], win: Window2d): Float64Array {
  const v = valuesOf(x);
  const sums = new Float64Array(outShape.reduce((a, b) => a * b, 1));
  poolPairs(x.shape, outShape, win, (yi, xi) => (sums[yi] += v[xi]!));
  return sums.map((s) => s / (win.kernel[0] * win.kernel[1]));
}

/**
 * Calls visit(xi, wi, yi) for every product x[xi]·w[wi] that the convolution of x
 * [...lead, N, C, H, W] with w [...lead, O, C/groups, kh, kw] adds into y [...lead, N, O, OH, OW];
 * leading dims broadcast.
 */
export function convPairs(
  x: readonly number[],
  w: readonly number[],
  y: readonly number[],
  p: ConvParams,
  visit: (xi: number, wi: number, yi: number) => void,
): void {
  const leads = [x, w, y].map((s) => s.slice(0, -4));
  const lead = leads.reduce((a, b) => broadcastShapes(a, b) as number[]);
  const [xb, wb, yb] = leads.map((s) => broadcastIndex(s, lead)) as [Int32Array, Int32Array, Int32Array];
  const [n, c, h, wd] = x.slice(-4) as [number, number, number, number];
  const [o, cg, kh, kw] = w.slice(-4) as [number, number, number, number];
  const [oh, ow] = y.slice(-2) as [number, number];
  const taps = windowTaps([h, wd], [oh, ow], { ...p, kernel: [kh, kw] });
  const [kk, px, py, og] = [kh * kw, h * wd, oh * ow, o / p.groups];
  for (let l = 0; l < yb.length; l++) {
    for (let b = 0; b < n; b++) {
      for (let f = 0; f < o; f++) {
        for (let ci = 0; ci < cg; ci++) {
          const xo = (xb[l]! * n * c + b * c + Math.floor(f / og) * cg + ci) * px;
          const wo = (wb[l]! * o * cg + f * cg + ci) * kk;
          const yo = (yb[l]! * n * o + b * o + f) * py;
          for (let q = 0; q < py; q++) {
            for (let k = 0; k < kk; k++) {
              const tap = taps[q * kk + k]!;
              if (tap >= 0) visit(xo + tap, wo + k, yo + q);
            }
          }
        }
      }
    }
  }
}
