// The worker page (`npm run worker-page`): joins a run over NATS WebSocket and answers its
// tasks with onnxruntime-web on this page's thread. The URL may fill the form and join at
// once: ?nats=ws://host:8080&run=name&name=tab-1 (credentials are typed, never put in a URL).
import { env } from 'onnxruntime-web';
import { joinOverWebSocket } from '../../src/scale/browser-worker.js';
import type { JoinedWorker } from '../../src/scale/nats-worker.js';

// One WebAssembly thread, as the coordinator's onnxruntime-web in Node has: the sums depend
// on the thread count (cross-origin-isolated pages would otherwise get more).
env.wasm.numThreads = 1;

/** The page's state, also on <body data-state> for scripts and tests. */
type PageState = 'idle' | 'connecting' | 'joined' | 'stopped' | 'failed';

const $ = <E extends HTMLElement>(id: string) => document.getElementById(id) as E;
const field = (id: string) => $<HTMLInputElement>(id);
const buttons = { start: $<HTMLButtonElement>('start'), leave: $<HTMLButtonElement>('leave') };
let joined: JoinedWorker | undefined;
let stop: AbortController | undefined;
let timer: ReturnType<typeof setInterval> | undefined;

function setState(state: PageState, text: string): void {
  document.body.dataset.state = state;
  $('state').textContent = text;
  buttons.start.disabled = state === 'connecting' || state === 'joined';
  buttons.leave.disabled = !(state === 'connecting' || state === 'joined');
}

function log(line: string): void {
  $('log').textContent += `${new Date().toISOString().slice(11, 19)} ${line}\n`;
}

function showCounts(): void {
  if (!joined) return;
  const s = joined.worker.stats;
  $('answered').textContent = String(s.answered);
  $('busy').textContent = String(s.busy);
  $('refused').textContent = JSON.stringify(s.refused);
  $('rejected').textContent = `${s.malformed} malformed, ${s.oversized} oversized, ${s.replayed} replayed`;
}

async function join(): Promise<void> {
  const servers = field('nats').value.trim();
  const run = field('run').value.trim();
  const name = field('name').value.trim() || `tab-${Math.random().toString(36).slice(2, 8)}`;
  const [token, user, pass] = ['token', 'user', 'password'].map((id) => field(id).value);
  if (token !== '' && user !== '') return setState('failed', 'a token or a user and password: give one');
  field('name').value = name;
  stop = new AbortController();
  setState('connecting', `connecting to ${servers}, waiting for run '${run}'`);
  try {
    joined = await joinOverWebSocket({ servers, run, name, ...(token !== '' && { token }), ...(user !== '' && { user, pass }), signal: stop.signal, log });
    setState('joined', `answering tasks of run '${run}' as '${name}'`);
    timer = setInterval(showCounts, 250);
  } catch (e) {
    setState('failed', e instanceof Error ? e.message : String(e));
  }
}

async function leave(): Promise<void> {
  stop?.abort();
  clearInterval(timer);
  await joined?.stop();
  showCounts();
  joined = undefined;
  setState('stopped', 'left the run');
}

$<HTMLFormElement>('join').addEventListener('submit', (event) => {
  event.preventDefault();
  void join();
});
buttons.leave.addEventListener('click', () => void leave());

const params = new URLSearchParams(location.search);
for (const id of ['nats', 'run', 'name']) {
  const value = params.get(id);
  if (value !== null) field(id).value = value;
}
if (params.has('nats') && params.has('run')) void join();
