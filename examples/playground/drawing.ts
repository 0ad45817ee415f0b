// A drawing pad and MNIST's normalisation of what is drawn on it.

const SIDE = 28;
/** MNIST digits are scaled to fit a 20×20 box, then centred by their centre of mass in 28×28 (LeCun et al. 1998). */
const BOX = 20;

/**
 * A drawing as MNIST presents its digits (LeCun, Bottou, Bengio, Haffner 1998, and
 * yann.lecun.com/exdb/mnist): the ink's bounding box scaled, aspect kept, to fit 20×20
 * with area averaging (grey levels from the anti-aliasing), then placed in 28×28 with its
 * centre of mass at the centre, or as near as keeps all of it inside the frame (a lopsided
 * drawing would otherwise lose its far end).
 * @param ink width × height values in [0, 1], row-major, 0 = background.
 * @returns 784 values in [0, 1], row-major; undefined when nothing is drawn.
 * @throws RangeError when ink does not hold width × height values.
 */
export function mnistInput(ink: Float32Array, width: number, height: number): Float32Array | undefined {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || ink.length !== width * height) {
    throw new RangeError(`mnistInput: ink holds ${ink.length} values, not width × height = ${width} × ${height}`);
  }
  let [x0, y0, x1, y1, mass, mx, my] = [width, height, -1, -1, 0, 0, 0];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = ink[y * width + x]!;
      if (v <= 0) continue;
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  if (mass === 0) return undefined;
  const scale = BOX / Math.max(x1 - x0 + 1, y1 - y0 + 1);
  // Source point p lands at (p - corner)·scale + offset; the centre of mass lands at 14.
  const place = (centre: number, corner: number, extent: number) => Math.min(Math.max(SIDE / 2 - (centre - corner) * scale, 0), SIDE - extent * scale);
  const ox = place(mx / mass, x0, x1 - x0 + 1);
  const oy = place(my / mass, y0, y1 - y0 + 1);
  const out = new Float32Array(SIDE * SIDE);
  for (let y = y0; y <= y1; y++) {
    const ty0 = (y - y0) * scale + oy;
    for (let x = x0; x <= x1; x++) {
      const v = ink[y * width + x]!;
      if (v <= 0) continue;
      const tx0 = (x - x0) * scale + ox;
      // Spread the source pixel's ink over the target pixels its square overlaps, by area.
      for (let ty = Math.max(0, Math.floor(ty0)); ty < Math.min(SIDE, Math.ceil(ty0 + scale)); ty++) {
        const cy = Math.min(ty + 1, ty0 + scale) - Math.max(ty, ty0);
        for (let tx = Math.max(0, Math.floor(tx0)); tx < Math.min(SIDE, Math.ceil(tx0 + scale)); tx++) {
          const cx = Math.min(tx + 1, tx0 + scale) - Math.max(tx, tx0);
          out[ty * SIDE + tx]! += v * cx * cy;
        }
      }
    }
  }
  for (let i = 0; i < out.length; i++) out[i] = Math.min(1, out[i]!);
  return out;
}

/**
 * A square canvas to draw on with a mouse, pen or finger: white strokes on black, as
 * MNIST's digits. `onDrawn` receives the drawing's ink (red channel / 255) after each stroke.
 */
export class DrawingPad {
  private readonly context: CanvasRenderingContext2D;
  private drawing = false;
  private inked = false;

  constructor(
    readonly canvas: HTMLCanvasElement,
    private readonly onDrawn: (ink: Float32Array | undefined) => void,
  ) {
    this.context = canvas.getContext('2d', { willReadFrequently: true })!;
    this.clear();
    canvas.addEventListener('pointerdown', (e) => {
      canvas.setPointerCapture(e.pointerId);
      this.drawing = true;
      this.context.beginPath();
      this.context.moveTo(...this.at(e));
      this.context.lineTo(...this.at(e));
      this.context.stroke();
    });
    canvas.addEventListener('pointermove', (e) => {
      if (!this.drawing) return;
      this.context.lineTo(...this.at(e));
      this.context.stroke();
    });
    const end = () => {
      if (!this.drawing) return;
      this.drawing = false;
      this.inked = true;
      this.onDrawn(this.ink());
    };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
  }

  /** Pointer position in canvas pixels (the canvas may be drawn at another CSS size). */
  private at(e: PointerEvent): [number, number] {
    const box = this.canvas.getBoundingClientRect();
    return [((e.clientX - box.left) * this.canvas.width) / box.width, ((e.clientY - box.top) * this.canvas.height) / box.height];
  }

  clear(): void {
    const { context, canvas } = this;
    context.fillStyle = 'black';
    context.fillRect(0, 0, canvas.width, canvas.height);
    // A pen 1/14 of the pad wide: a digit drawn two thirds of the pad tall, scaled into
    // MNIST's 20-pixel box, gets a 2-pixel stroke, as the digits have.
    context.strokeStyle = 'white';
    context.lineWidth = canvas.width / 14;
    context.lineCap = 'round';
    context.lineJoin = 'round';
    this.inked = false;
  }

  /** The drawing's ink in [0, 1], row-major; undefined before the first stroke. */
  ink(): Float32Array | undefined {
    if (!this.inked) return undefined;
    const { data } = this.context.getImageData(0, 0, this.canvas.width, this.canvas.height);
    const ink = new Float32Array(this.canvas.width * this.canvas.height);
    for (let i = 0; i < ink.length; i++) ink[i] = data[4 * i]! / 255;
    return ink;
  }
}

/** Draws 28×28 values in [0, 1] onto a canvas, scaled up without smoothing: what the model sees. */
export function showInput(canvas: HTMLCanvasElement, pixels: Float32Array | undefined): void {
  const context = canvas.getContext('2d')!;
  context.fillStyle = 'black';
  context.fillRect(0, 0, canvas.width, canvas.height);
  if (!pixels) return;
  const image = new ImageData(SIDE, SIDE);
  pixels.forEach((v, i) => {
    const grey = Math.round(255 * v);
    image.data.set([grey, grey, grey, 255], 4 * i);
  });
  const small = new OffscreenCanvas(SIDE, SIDE);
  small.getContext('2d')!.putImageData(image, 0, 0);
  context.imageSmoothingEnabled = false;
  context.drawImage(small, 0, 0, canvas.width, canvas.height);
}
