#!/usr/bin/env node
// A projection (not a measurement) of steps/s for N NATS workers from one
// `forwardprop bench scale --nats <url> --json` result on stdin (docs/scale-out.md):
//   t(N) = t_coord + t_replay + ceil(T / N) · (T_q · c + rtt),   T = 2K / r parts a step,
// c the per-query time of one worker thread, t_coord the coordination overhead measured
// with one worker (taken as a fixed cost per step: the conservative reading), t_replay a
// worker's replay of the step's update (in parallel on every worker), rtt the loopback
// round trip. Prints a markdown table for the bench's K and B.
import { readFileSync } from 'node:fs';

const results = readFileSync(0, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
const r = results.at(-1);
if (!r?.nats) throw new Error('give the JSON of `forwardprop bench scale --nats <url> --json` on stdin');
const { batch: B, directions: K } = r;
const queries = 2 * K * B;
const c = r.nats.threadMs / queries;
const coord = Math.max(0, r.nats.stepMs - r.nats.threadMs);
const cases = [
  { K, r: 8, label: `K = ${K}, 4 directions a call (T = ${(2 * K) / 8})` },
  { K, r: 2, label: `K = ${K}, 1 direction a call (T = ${K})` },
  { K: 256, r: 8, label: 'K = 256, 4 directions a call (T = 64)' },
];
const workers = [1, 2, 8, 16, 32, 64];
console.log(`| parts a step | ${workers.map((n) => `N = ${n}`).join(' | ')} |`);
console.log(`| --- | ${workers.map(() => '---').join(' | ')} |`);
for (const k of cases) {
  const parts = (2 * k.K) / k.r;
  const perPart = k.r * B * c + r.nats.roundTripMs;
  const steps = workers.map((n) => 1000 / (coord + r.replayMs * (k.K / K) + Math.ceil(parts / n) * perPart));
  console.log(`| ${k.label} | ${steps.map((s) => `${s.toFixed(1)} steps/s`).join(' | ')} |`);
}
console.log(`\ninputs: c = ${(1000 * c).toFixed(2)} µs a query, t_coord = ${coord.toFixed(1)} ms, t_replay = ${r.replayMs.toFixed(2)} ms at K = ${K}, rtt = ${(1000 * r.nats.roundTripMs).toFixed(0)} µs, B = ${B}`);
