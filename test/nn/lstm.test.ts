/**
 * LSTM: forward against a hand-written loop (float64), gradcheck through 3 time steps in both return modes,
 * the Keras-style initialization, float32 on the current backend against float64, and edge cases.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import { LSTM } from '../../src/nn/lstm.js';
import { Rng } from '../../src/tensor/rng.js';
import { tensor, zeros } from '../../src/tensor/tensor.js';
import { assertClose, rand } from '../helpers.js';

const TOL = { eps: 1e-6, atol: 1e-6, rtol: 1e-4 };
const sig = (v: number) => 1 / (1 + Math.exp(-v));

/** The LSTM equations with plain numbers: every h [batch][time][units] and the final c [batch][units]. */
function handLSTM(layer: LSTM, x: number[][][], h0?: number[][], c0?: number[][]): { hs: number[][][]; c: number[][] } {
  const u = layer.config.units, f = layer.config.inputDim;
  const wx = layer.inputWeight.toTypedArray(), wh = layer.recurrentWeight.toTypedArray(), b = layer.bias.toTypedArray();
  const finalC: number[][] = [];
  const hs = x.map((seq, n) => {
    let h = h0 ? [...h0[n]] : new Array<number>(u).fill(0);
    let c = c0 ? [...c0[n]] : new Array<number>(u).fill(0);
    const out = seq.map((xt) => {
      // Row r of the weights is gate Math.floor(r / u), unit r % u; gates in order i, f, g, o.
      const z = Array.from({ length: 4 * u }, (_, r) => {
        let a = b[r];
        for (let k = 0; k < f; k++) a += wx[r * f + k] * xt[k];
        for (let k = 0; k < u; k++) a += wh[r * u + k] * h[k];
        return a;
      });
      c = c.map((cj, j) => sig(z[u + j]) * cj + sig(z[j]) * Math.tanh(z[2 * u + j]));
      h = c.map((cj, j) => sig(z[3 * u + j]) * Math.tanh(cj));
      return h;
    });
    finalC.push(c);
    return out;
  });
  return { hs, c: finalC };
}

describe('LSTM', () => {
  test('forward matches a hand-written loop (float64): last state, every state, given initial states, final c', () => {
    const layer = new LSTM({ inputDim: 2, units: 3 }, { dtype: 'float64', rng: new Rng(1) });
    for (let i = 0; i < 12; i++) layer.bias.data[i] += 0.05 * (i - 6); // a non-trivial bias in every gate
    const x = rand([2, 4, 2], 5, -2, 2);
    const xs = x.toArray() as number[][][];
    const want = handLSTM(layer, xs);
    assertClose(layer.forward(x).toTypedArray(), want.hs.flatMap((s) => s[3]), 1e-12, 0, 'last h');
    const seq = new LSTM({ inputDim: 2, units: 3, returnSequences: true }, { dtype: 'float64' });
    seq.loadStateDict(layer.stateDict());
    const all = seq.forward(x);
    assert.deepEqual([...all.shape], [2, 4, 3]);
    assertClose(all.toTypedArray(), want.hs.flat(2), 1e-12, 0, 'every h');
    const h0 = rand([2, 3], 8), c0 = rand([2, 3], 9, -2, 2);
    const withInit = handLSTM(layer, xs, h0.toArray() as number[][], c0.toArray() as number[][]);
    const r = layer.run(x, h0, c0);
    assertClose(r.output.toTypedArray(), withInit.hs.flatMap((s) => s[3]), 1e-12, 0, 'h with h0, c0');
    assertClose(r.c.toTypedArray(), withInit.c.flat(), 1e-12, 0, 'final c');
    assert.equal(r.h, r.output);
  });

  test('gradcheck (float64) through 3 time steps, both return modes: input, weights, bias, h0 and c0', () => {
    for (const returnSequences of [false, true]) {
      const layer = new LSTM({ inputDim: 2, units: 3, returnSequences }, { dtype: 'float64', rng: new Rng(3) });
      const r = gradcheck((x, _wx, _wh, _b, h0, c0) => layer.forward(x, h0, c0),
        [rand([2, 3, 2], 11), layer.inputWeight, layer.recurrentWeight, layer.bias, rand([2, 3], 12), rand([2, 3], 13)], TOL);
      assert.ok(r.ok, `returnSequences ${returnSequences}: ${JSON.stringify(r.worst)}`);
      // And from zero initial states, where the first step skips the recurrent matmul and f * c_0.
      const r0 = gradcheck((x) => layer.forward(x), [rand([2, 3, 2], 14), layer.inputWeight, layer.recurrentWeight, layer.bias], TOL);
      assert.ok(r0.ok, `zero states, returnSequences ${returnSequences}: ${JSON.stringify(r0.worst)}`);
    }
  });

  test('initialization: forget-gate bias 1, other biases 0, orthogonal recurrent blocks, Glorot-uniform input weights', () => {
    const u = 5, f = 3;
    const layer = new LSTM({ inputDim: f, units: u }, { dtype: 'float64', rng: new Rng(2) });
    assert.deepEqual(layer.namedParameters().map(([n, t]) => [n, [...t.shape]]),
      [['inputWeight', [4 * u, f]], ['recurrentWeight', [4 * u, u]], ['bias', [4 * u]]]);
    const b = Array.from(layer.bias.toTypedArray());
    assert.deepEqual(b, [...new Array(u).fill(0), ...new Array(u).fill(1), ...new Array(2 * u).fill(0)]);
    assert.ok(Array.from(new LSTM({ inputDim: f, units: u, unitForgetBias: false }).bias.toTypedArray()).every((v) => v === 0));
    const w = layer.recurrentWeight.toTypedArray();
    for (let g = 0; g < 4; g++) {
      for (let i = 0; i < u; i++) {
        for (let j = 0; j < u; j++) {
          let dot = 0;
          for (let k = 0; k < u; k++) dot += w[(g * u + i) * u + k] * w[(g * u + j) * u + k];
          assertClose([dot], [i === j ? 1 : 0], 1e-12, 0, `gate ${g}: row ${i} . row ${j}`);
        }
      }
    }
    const a = Math.sqrt(6 / (f + 4 * u));
    assert.ok(Array.from(layer.inputWeight.toTypedArray()).every((v) => Math.abs(v) <= a));
  });

  test('float32 on the current backend agrees with float64; extreme inputs stay finite and bounded', () => {
    const l64 = new LSTM({ inputDim: 3, units: 4, returnSequences: true }, { dtype: 'float64', rng: new Rng(4) });
    const l32 = new LSTM({ inputDim: 3, units: 4, returnSequences: true }, { rng: new Rng(4) });
    const x = rand([3, 6, 3], 20, -2, 2);
    const x32 = tensor(x.toTypedArray(), x.shape, { dtype: 'float32' });
    assertClose(l32.forward(x32).toTypedArray(), l64.forward(x).toTypedArray(), 2e-6, 0, 'float32 vs float64');
    const big = tensor([300, -300, 1e4, -1e4, 0, 50], [1, 2, 3]);
    const y = Array.from(l32.forward(big).toTypedArray());
    assert.ok(y.every((v) => Number.isFinite(v) && Math.abs(v) <= 1), `h = o * tanh(c) lies in [-1, 1]: ${y}`);
  });

  test('edge cases: zero time steps, wrong shapes, bad config', () => {
    const layer = new LSTM({ inputDim: 2, units: 3 });
    assert.deepEqual([...layer.forward(zeros([4, 0, 2])).shape], [4, 3]);
    const h0 = rand([1, 3], 3, -1, 1, 'float32');
    assert.equal(layer.forward(zeros([1, 0, 2]), h0), h0, 'no steps: the initial state is the last state');
    assert.deepEqual([...new LSTM({ inputDim: 2, units: 3, returnSequences: true }).forward(zeros([4, 0, 2])).shape], [4, 0, 3]);
    assert.deepEqual([...layer.forward(zeros([0, 5, 2])).shape], [0, 3]);
    assert.throws(() => layer.forward(zeros([4, 2])), /LSTM expects input of shape \[batch, time, 2\], got \[4, 2\]/);
    assert.throws(() => layer.forward(zeros([4, 5, 3])), /got \[4, 5, 3\]/);
    assert.throws(() => layer.forward(zeros([4, 5, 2]), zeros([3, 3])), /initial state h0 must have shape \[4, 3\], got \[3, 3\]/);
    assert.throws(() => layer.forward(zeros([4, 5, 2]), undefined, zeros([4, 2])), /initial state c0 must have shape \[4, 3\], got \[4, 2\]/);
    assert.throws(() => new LSTM({ inputDim: 2, units: 0 }), /units must be a positive integer/);
    assert.throws(() => new LSTM({ inputDim: 1.5, units: 2 }), /inputDim must be a positive integer/);
  });
});
