import { Activation, type ActivationKind } from './layers/activation.js';
import { Conv2d } from './layers/conv2d.js';
import { DeviceSigmoid, type SigmoidVariation } from './layers/device-sigmoid.js';
import { Flatten } from './layers/flatten.js';
import { Linear } from './layers/linear.js';
import { Pool2d } from './layers/pool.js';
import { Sequential } from './layers/sequential.js';
import { LocalMixer, localMixerConfig } from './local-mixer.js';
import { Model } from './model.js';
import type { Module } from './module.js';
import { Vit, vitConfig } from './vit.js';

export interface MlpOptions {
  /** Hidden nonlinearity (default relu). */
  readonly activation?: ActivationKind;
  /** A sigmoid on the outputs too (the MGD papers' networks); default none (logits). */
  readonly output?: 'sigmoid';
  /** Device-to-device variation of every sigmoid neuron (σ > 0; needs sigmoid layers). */
  readonly variation?: SigmoidVariation;
}

/**
 * An MLP, e.g. mlp([784, 256, 256, 10]) (ReLU). Takes flat inputs. With sigmoid hidden
 * units it is the network of the MGD papers (McCaughan et al. 2023; Oripov et al. 2025):
 * weights and biases from U(−0.5, 0.5), usually with `output: 'sigmoid'` and an MSE
 * objective. Their pre-activation Wx − b is ours, xW + b, with the bias negated: the same
 * functions and, the init being symmetric, the same initial distribution.
 * @throws RangeError for dims that are not at least two positive integers, or a
 *   variation without sigmoid layers.
 */
export function mlp(dims: readonly number[], { activation = 'relu', output, variation }: MlpOptions = {}): Model {
  if (dims.length < 2 || dims.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new RangeError(`mlp: dims must be at least two positive integers, got [${dims.join(', ')}]`);
  }
  const sigmoidLayer = (i: number) => (i + 2 < dims.length ? activation === 'sigmoid' : output === 'sigmoid');
  if (variation !== undefined && !dims.slice(1).some((_, i) => sigmoidLayer(i))) throw new RangeError('mlp: device variation applies to sigmoid neurons; the network has none');
  const init = activation === 'sigmoid' ? { uniform: 0.5 } : undefined;
  const layers = dims.slice(1).flatMap((d, i): Module[] => {
    const linear = new Linear(dims[i]!, d, init && { init });
    const last = i + 2 === dims.length;
    if (sigmoidLayer(i) && variation !== undefined && variation.sigma > 0) return [linear, new DeviceSigmoid(d, i, variation)];
    if (last) return output === 'sigmoid' ? [linear, new Activation('sigmoid')] : [linear];
    return [linear, new Activation(activation)];
  });
  const suffix = [activation === 'sigmoid' || output ? `:${activation}` : '', output ? `:${output}` : '', variation ? `:variation=${variation.sigma},seed=${variation.seed}` : ''].join('');
  return new Model(new Sequential(...layers), [dims[0]!], dims[dims.length - 1]!, `mlp:${dims.join('-')}${suffix}`);
}

export interface CnnOptions {
  readonly channels?: number;
  readonly size?: number;
  readonly classes?: number;
  /** Output channels of the three conv stages (default 16, 32, 32: the Fashion-MNIST network). */
  readonly widths?: readonly [number, number, number];
  /** Initialiser of every layer (default 'kaiming'). */
  readonly init?: 'kaiming' | 'glorot';
}

/**
 * The CNNs of the MGD papers (McCaughan et al. 2023, their GPU code): three unpadded 3×3
 * convs, each ReLU + 2×2 max-pool, then dense → classes. The default widths 16, 32, 32
 * give the Fashion-MNIST network (14,378 parameters at 28×28: 28 → 26 → 13 → 11 → 5 → 3
 * → 1); widths 16, 32, 64 on 3×32×32 with Glorot uniform init give the CIFAR-10 one
 * (26,154 parameters: 32 → 30 → 15 → 13 → 6 → 4 → 2, dense 256 → 10): specs 'cnn' and
 * 'cnn:cifar10'.
 */
export function cnn({ channels = 1, size = 28, classes = 10, widths = [16, 32, 32], init = 'kaiming' }: CnnOptions = {}): Model {
  const layers = [];
  let c = channels;
  let s = size;
  for (const out of widths) {
    layers.push(new Conv2d(c, out, { kernel: 3, init }), new Activation('relu'), new Pool2d('maxpool2d', 2));
    c = out;
    s = Math.floor((s - 2) / 2);
    if (s < 1) throw new RangeError(`cnn: inputs of size ${size} are too small for three conv+pool stages`);
  }
  layers.push(new Flatten(), new Linear(c * s * s, classes, { init }));
  const name = widths.join('-');
  const spec = name === '16-32-32' && init === 'kaiming' ? 'cnn' : name === '16-32-64' && init === 'glorot' ? 'cnn:cifar10' : `cnn(${name}, ${init})`;
  return new Model(new Sequential(...layers), [channels, size, size], classes, spec);
}

/** 'variation=0.1,seed=3' → the variation (seed default 0). */
function parseVariation(text: string, spec: string): SigmoidVariation {
  const fields = Object.fromEntries(text.split(',').map((kv) => kv.split('=') as [string, string]));
  const sigma = Number(fields.variation);
  const seed = fields.seed === undefined ? 0 : Number(fields.seed);
  const keys = Object.keys(fields).filter((k) => k !== 'variation' && k !== 'seed');
  if (keys.length > 0 || !(sigma >= 0 && Number.isFinite(sigma)) || !Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`model '${spec}': variation takes variation=<σ ≥ 0>[,seed=<integer ≥ 0>], got '${text}'`);
  }
  return { sigma, seed };
}

/**
 * Builds a model from a spec string: 'mlp:784-256-256-10', 'mlp:784-256-10:gelu',
 * 'mlp' (two hidden layers of 256, sized to the data), 'mlp:4-4-1:sigmoid:sigmoid' (the
 * MGD papers' network), 'mlp:4-4-1:sigmoid:sigmoid:variation=0.1,seed=3' (with device
 * variation), 'cnn', 'cnn:cifar10', 'localmixer:M/1/16', 'vit:tiny' or
 * 'vit:patch=7,dim=64,heads=4,mlp=128,layers=2'.
 * `input` is the dataset's example shape, checked against the spec.
 */
export function modelFromSpec(spec: string, input: readonly number[], classes: number): Model {
  const [kind, arg] = spec.split(':');
  if (kind === 'mlp') {
    const features = input.reduce((a, b) => a * b, 1);
    const dims = arg === undefined || arg === '' ? [features, 256, 256, classes] : arg.split('-').map(Number);
    const { hidden, output, variation } = mlpActivations(spec);
    const model = mlp(dims, { activation: hidden, ...(output === 'sigmoid' && { output }), ...(variation && { variation }) });
    if (dims[0] !== features) throw new RangeError(`model '${spec}' takes ${dims[0]} inputs but the data has ${features} features`);
    if (dims[dims.length - 1] !== classes) throw new RangeError(`model '${spec}' has ${dims[dims.length - 1]} outputs but the data has ${classes} classes`);
    return model;
  }
  if (kind === 'localmixer') {
    const name = spec.slice('localmixer:'.length);
    if (input.length !== 3) throw new RangeError(`model '${spec}' needs image inputs [C, H, W], got [${input.join(', ')}]`);
    return new Model(new LocalMixer(localMixerConfig(name), input, classes), input, classes, spec);
  }
  if (kind === 'vit') {
    if (input.length !== 3) throw new RangeError(`model '${spec}' needs image inputs [C, H, W], got [${input.join(', ')}]`);
    return new Model(new Vit(vitConfig(spec.slice('vit:'.length) || 'tiny'), input, classes), input, classes, spec);
  }
  if (kind === 'cnn') {
    if (input.length !== 3 || input[1] !== input[2]) throw new RangeError(`model '${spec}' needs square image inputs [C, H, W], got [${input.join(', ')}]`);
    if (arg === 'cifar10') return cnn({ channels: input[0]!, size: input[1]!, classes, widths: [16, 32, 64], init: 'glorot' });
    if (arg !== undefined) throw new RangeError(`model '${spec}': expected cnn (the Fashion-MNIST network) or cnn:cifar10`);
    return cnn({ channels: input[0]!, size: input[1]!, classes });
  }
  throw new RangeError(`unknown model '${spec}'; ${MODEL_FORMS}`);
}

const MODEL_FORMS =
  'models: mlp, mlp:<in>-<hidden>-…-<out>[:relu|gelu|sigmoid[:linear|sigmoid]][:variation=<σ>[,seed=<n>]], cnn, cnn:cifar10, localmixer:<S/1/1|M/1/16|M/8/16|L/8/64|blocks=…,patches=…,channels=…,groups=…>, vit:<tiny|small|patch=…,dim=…,heads=…,mlp=…,layers=…>, onnx:<file>';

/** An mlp spec's activations and device variation (the fields after its dims); throws a RangeError naming the spec. */
function mlpActivations(spec: string): { hidden: ActivationKind; output: 'linear' | 'sigmoid'; variation?: ReturnType<typeof parseVariation> } {
  const rest = spec.split(':').slice(2);
  const variation = rest.length > 0 && rest[rest.length - 1]!.startsWith('variation=') ? parseVariation(rest.pop()!, spec) : undefined;
  const [hidden = 'relu', output = 'linear', ...more] = rest;
  if (!['relu', 'gelu', 'sigmoid'].includes(hidden) || !['linear', 'sigmoid'].includes(output) || more.length > 0) {
    throw new RangeError(`model '${spec}': expected mlp:<dims>[:relu|gelu|sigmoid[:linear|sigmoid]][:variation=<σ>[,seed=<n>]]`);
  }
  return { hidden: hidden as ActivationKind, output: output as 'linear' | 'sigmoid', ...(variation && { variation }) };
}

/**
 * Checks a model spec's form without data or files (the shapes are checked against the
 * data once it is loaded), so a command refuses a bad one before reading anything.
 * @throws RangeError naming the spec and what is wrong with it.
 */
export function checkModelSpec(spec: string): void {
  const [kind, arg] = spec.split(':');
  if (kind === 'onnx') {
    if (!arg) throw new RangeError(`model '${spec}': onnx:<file> needs the file's path`);
    return;
  }
  if (kind === 'mlp') {
    if (arg !== undefined && arg !== '' && !arg.split('-').every((d) => /^[1-9]\d*$/.test(d))) throw new RangeError(`model '${spec}': mlp:<in>-<hidden>-…-<out> takes positive integers`);
    if (arg !== undefined && arg !== '' && arg.split('-').length < 2) throw new RangeError(`model '${spec}': an mlp needs at least an input and an output size`);
    mlpActivations(spec);
    return;
  }
  if (kind === 'localmixer') return void localMixerConfig(spec.slice('localmixer:'.length));
  if (kind === 'vit') return void vitConfig(spec.slice('vit:'.length) || 'tiny');
  if (kind === 'cnn' && (arg === undefined || arg === 'cifar10')) return;
  throw new RangeError(`unknown model '${spec}'; ${MODEL_FORMS}`);
}
