// The playground page: controls, counters, live curves and the drawing pad. Training
// runs in worker.ts; this file only talks to it (protocol.ts) and draws.
import { type CurvePoint, LiveChart, type XAxis } from './chart.js';
import { DrawingPad, mnistInput, showInput } from './drawing.js';
import type { FromWorker, MethodInfo, RunConfig, ToWorker } from './protocol.js';

/** The page's state, also on <body data-state> for scripts and tests. */
type PageState = 'loading' | 'ready' | 'training' | 'stopped' | 'failed';

const $ = <E extends HTMLElement>(id: string) => document.getElementById(id) as E;
const field = (id: string) => $<HTMLInputElement>(id);
const methodSelect = $<HTMLSelectElement>('method');
const deviceSelect = $<HTMLSelectElement>('device');
const buttons = { train: $<HTMLButtonElement>('train'), pause: $<HTMLButtonElement>('pause'), reset: $<HTMLButtonElement>('reset'), export: $<HTMLButtonElement>('export') };
const inputs = ['method', 'hidden', 'batch', 'lr', 'seed', 'device', 'until'].map((id) => $<HTMLInputElement | HTMLSelectElement>(id));

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const send = (message: ToWorker, transfer: Transferable[] = []) => worker.postMessage(message, transfer);
const chart = new LiveChart($('chart'));
const pad = new DrawingPad($<HTMLCanvasElement>('pad'), (ink) => predict(ink));

/** What each kind of method asks of the model, for the picker. */
const NEEDS: Readonly<Record<string, string>> = { losses: 'loss values only', 'forward-mode': 'forward passes', 'reverse-mode': 'backprop' };
let methods: readonly MethodInfo[] = [];
/** The run the worker holds (its id and label), if any. */
let current: { id: number; label: string; method: string } | undefined;
let predictions = 0;

function setState(state: PageState, text: string): void {
  document.body.dataset.state = state;
  $('state').textContent = text;
  const training = state === 'training';
  buttons.train.disabled = training || state === 'loading' || state === 'failed';
  buttons.pause.disabled = !training;
  buttons.reset.disabled = training || current === undefined;
  buttons.export.disabled = current === undefined;
  for (const input of inputs) input.disabled = training || state === 'loading';
}

function showError(message: string | undefined): void {
  const box = $('error');
  box.hidden = message === undefined;
  box.textContent = message ?? '';
}

/** The run the fields describe; throws a RangeError naming the field that is out of range. */
function readConfig(): RunConfig {
  const hidden = field('hidden').value.trim();
  if (!/^(\d+(-\d+)*)?$/.test(hidden)) throw new RangeError(`hidden layers: widths separated by dashes (e.g. 256-256), got '${hidden}'`);
  const widths = hidden === '' ? [] : hidden.split('-').map(Number);
  if (widths.some((w) => w < 1 || w > 4096)) throw new RangeError(`hidden layers: each width in [1, 4096], got '${hidden}'`);
  const integer = (id: string, min: number, max: number) => {
    const v = Number(field(id).value);
    if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`${id}: an integer in [${min}, ${max}], got '${field(id).value}'`);
    return v;
  };
  const lr = Number(field('lr').value);
  if (!(lr > 0 && Number.isFinite(lr))) throw new RangeError(`learning rate: a positive number, got '${field('lr').value}'`);
  return {
    method: methodSelect.value,
    hidden: widths,
    batchSize: integer('batch', 1, 8000),
    lr,
    seed: integer('seed', 0, 2 ** 32 - 1),
    device: deviceSelect.value === 'webgpu' ? 'webgpu' : 'wasm',
    evalEvery: 25,
  };
}

function describeMethod(): void {
  const method = methods.find((m) => m.name === methodSelect.value);
  if (!method) return;
  field('lr').value = String(method.defaultLearningRate);
  $('about').textContent = `${method.name}: ${method.summary} (${method.paper}). Adam, constant learning rate (the method's default: ${method.defaultLearningRate}).`;
}

function predict(ink: Float32Array | undefined): void {
  const pixels = ink && mnistInput(ink, pad.canvas.width, pad.canvas.height);
  showInput($<HTMLCanvasElement>('input'), pixels);
  if (!pixels) return showPrediction(undefined);
  if (!current) {
    $('prediction').textContent = 'train a model first';
    return;
  }
  send({ type: 'predict', id: ++predictions, pixels }, [pixels.buffer]);
}

function showPrediction(probabilities: Float32Array | undefined): void {
  const list = $('probabilities');
  if (!probabilities) {
    list.replaceChildren();
    $('prediction').textContent = 'draw a digit';
    delete $('prediction').dataset.digit;
    return;
  }
  const top = probabilities.indexOf(Math.max(...probabilities));
  $('prediction').textContent = `prediction: ${top} (${(100 * probabilities[top]!).toFixed(1)}%)`;
  $('prediction').dataset.digit = String(top);
  list.replaceChildren(
    ...Array.from(probabilities, (p, digit) => {
      const item = document.createElement('li');
      item.className = digit === top ? 'top' : '';
      const bar = document.createElement('div');
      bar.className = 'bar';
      bar.style.width = `${(100 * p).toFixed(1)}%`;
      const track = document.createElement('div');
      track.append(bar);
      item.append(String(digit), track, `${(100 * p).toFixed(1)}%`);
      return item;
    }),
  );
}

function download(bytes: Uint8Array, name: string): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
  const link = Object.assign(document.createElement('a'), { href: url, download: name });
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

worker.onmessage = (event: MessageEvent<FromWorker>) => {
  const message = event.data;
  // A run dropped for a new one may still report its last step: only the current run is shown.
  if ((message.type === 'step' || message.type === 'evaluated' || message.type === 'stopped') && message.run !== current?.id) return;
  switch (message.type) {
    case 'loaded':
      methods = message.methods;
      methodSelect.replaceChildren(...methods.map((m) => new Option(`${m.name} (${NEEDS[m.needs] ?? m.needs})`, m.name)));
      describeMethod();
      return setState('ready', `ready: ${message.train.toLocaleString('en-US')} training and ${message.test.toLocaleString('en-US')} test digits (loaded in ${message.seconds.toFixed(1)} s)`);
    case 'started':
      if (current?.id !== message.run) {
        const { method, hidden, batchSize, lr, seed } = message.config;
        current = { id: message.run, method, label: `${message.run}: ${method}, MLP ${['784', ...hidden, '10'].join('-')}, batch ${batchSize}, lr ${lr}, seed ${seed}` };
        $('accuracy').textContent = '–';
      }
      showError(undefined);
      return setState('training', `training run ${current.label} (${message.parameters.toLocaleString('en-US')} parameters)`);
    case 'step': {
      $('step').textContent = String(message.step);
      $('epoch').textContent = message.epoch.toFixed(2);
      $('queries').textContent = message.queries.toLocaleString('en-US');
      $('loss').textContent = message.loss.toFixed(4);
      $('seconds').textContent = `${message.seconds.toFixed(1)} s`;
      const at = { run: current!.label, step: message.step, queries: message.queries, seconds: message.seconds };
      return chart.add({ ...at, curve: 'train (batch)', measure: 'loss', value: message.loss });
    }
    case 'evaluated': {
      $('accuracy').textContent = `${(100 * message.accuracy).toFixed(2)}%`;
      const at = { run: current!.label, step: message.step, queries: message.queries, seconds: message.seconds, curve: 'test' } as const;
      const points: CurvePoint[] = [
        { ...at, measure: 'loss', value: message.loss },
        { ...at, measure: 'accuracy', value: message.accuracy },
      ];
      chart.add(...points);
      // The prediction follows the training.
      return predict(pad.ink());
    }
    case 'stopped':
      return setState('stopped', `stopped at step ${message.step}; Train continues, changing a field starts a new run`);
    case 'prediction':
      if (message.id === predictions) showPrediction(message.probabilities);
      return;
    case 'exported':
      return download(message.bytes, `forwardprop-${message.method}-run${message.run}-step${message.step}.onnx`);
    case 'error':
      showError(message.message);
      if (document.body.dataset.state === 'loading') setState('failed', 'could not load the digits');
      else if (document.body.dataset.state === 'training') setState('stopped', 'stopped by an error');
      return;
  }
};
worker.onerror = (event) => {
  showError(`the training worker failed: ${event.message}`);
  setState('failed', 'failed');
};

methodSelect.addEventListener('change', describeMethod);
buttons.train.addEventListener('click', () => {
  try {
    const until = Number(field('until').value);
    if (!Number.isInteger(until) || until < 1) throw new RangeError(`train until step: a positive integer, got '${field('until').value}'`);
    send({ type: 'train', config: readConfig(), until });
    showError(undefined);
    setState('training', 'starting…');
  } catch (e) {
    showError((e as Error).message);
  }
});
buttons.pause.addEventListener('click', () => send({ type: 'pause' }));
buttons.reset.addEventListener('click', () => {
  send({ type: 'reset' });
  current = undefined;
  for (const id of ['step', 'epoch', 'queries']) $(id).textContent = '0';
  for (const id of ['loss', 'accuracy']) $(id).textContent = '–';
  $('seconds').textContent = '0 s';
  setState('ready', 'ready for a new run');
  predict(pad.ink());
});
buttons.export.addEventListener('click', () => send({ type: 'export' }));
$<HTMLSelectElement>('x-axis').addEventListener('change', (e) => chart.setX((e.target as HTMLSelectElement).value as XAxis));
$('clear-chart').addEventListener('click', () => chart.clear());
$('clear-pad').addEventListener('click', () => {
  pad.clear();
  predict(undefined);
});

// WebGPU where the browser has an adapter; wasm otherwise (and by default: it is the reproducible one).
void (async () => {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  const adapter = await gpu?.requestAdapter().catch(() => null);
  if (adapter) (deviceSelect.querySelector('option[value=webgpu]') as HTMLOptionElement).disabled = false;
})();

setState('loading', 'loading the 10,000 digits…');
send({ type: 'load', baseUrl: document.baseURI });
