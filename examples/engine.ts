// The engine on its own: one graph with a loss, its forward-mode directional derivative
// and its reverse-mode gradient, run by onnxruntime. Run: node dist/examples/engine.js
import { HostTensor, compile, grad, input, jvp, matmul, relu, sum } from 'forwardprop';

const x = input('x', 'float32', ['batch', 3]);
const w = input('w', 'float32', [3, 2]);
const dw = input('dw', 'float32', [3, 2]);
const loss = sum(relu(matmul(x, w)));
const [dLoss] = jvp([loss], new Map([[w, dw]])); // forward mode: <∇w loss, dw>
const [gw] = grad(loss, [w]); // reverse mode
const f = await compile({ inputs: [x, w, dw], outputs: [loss, dLoss!, gw!] });
const [l, d, g] = await f.run({
  x: new HostTensor('float32', [2, 3], Float32Array.of(1, 2, 3, -1, 0.5, 2)),
  w: Float32Array.of(0.1, -0.2, 0.3, 0.4, -0.5, 0.6),
  dw: Float32Array.of(1, 0, 0, 0, 0, 1),
});
console.log(`loss ${l!.data[0]}, directional derivative ${d!.data[0]}, gradient [${g!.data}]`);
