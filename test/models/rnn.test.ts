/** SimpleRNN and RNNRegressor: forward by hand, gradcheck through time, orthogonal init, sine prediction. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import { RNNRegressor, slidingWindows } from '../../src/models/rnn.js';
import { orthogonalInit, SimpleRNN } from '../../src/nn/rnn.js';
import { Rng } from '../../src/tensor/rng.js';
import { tensor, zeros } from '../../src/tensor/tensor.js';
import { assertClose, rand } from '../helpers.js';

/** h_t = tanh(W_x x_t + W_h h_{t-1} + b) with plain numbers, every state [batch][time][units]. */
function handStates(layer: SimpleRNN, x: number[][][], h0?: number[][]): number[][][] {
  const u = layer.config.units, f = layer.config.inputDim;
  const wx = layer.inputWeight.toTypedArray(), wh = layer.recurrentWeight.toTypedArray(), b = layer.bias!.toTypedArray();
  return x.map((seq, n) => {
    let h = h0 ? h0[n] : new Array<number>(u).fill(0);
    return seq.map((xt) => {
      h = Array.from({ length: u }, (_, i) => {
        let a = b[i];
        for (let k = 0; k < f; k++) a += wx[i * f + k] * xt[k];
        for (let k = 0; k < u; k++) a += wh[i * u + k] * h[k];
        return Math.tanh(a);
      });
      return h;
    });
  });
}

describe('SimpleRNN', () => {
  test('forward matches a hand-written loop: last state, every state, and a given initial state', () => {
    const layer = new SimpleRNN({ inputDim: 2, units: 3 }, { dtype: 'float64', rng: new Rng(1) });
    layer.bias!.data.set([0.1, -0.2, 0.3]);
    const x = rand([2, 4, 2], 5);
    const xs = x.toArray() as number[][][];
    const want = handStates(layer, xs);
    assertClose(layer.forward(x).toTypedArray(), want.flatMap((s) => s[3]), 1e-12, 0, 'last state');
    const seqLayer = new SimpleRNN({ inputDim: 2, units: 3, returnSequences: true }, { dtype: 'float64' });
    seqLayer.loadStateDict(layer.stateDict());
    const all = seqLayer.forward(x);
    assert.deepEqual([...all.shape], [2, 4, 3]);
    assertClose(all.toTypedArray(), want.flat(2), 1e-12, 0, 'all states');
    const h0 = rand([2, 3], 9);
    const withH0 = handStates(layer, xs, h0.toArray() as number[][]);
    assertClose(layer.forward(x, h0).toTypedArray(), withH0.flatMap((s) => s[3]), 1e-12, 0, 'with h0');
  });

  test('gradcheck (float64) through 3 time steps: inputs, both weights, bias and the initial state', () => {
    for (const returnSequences of [false, true]) {
      const layer = new SimpleRNN({ inputDim: 2, units: 3, returnSequences }, { dtype: 'float64', rng: new Rng(3) });
      layer.bias!.data.set([0.2, -0.1, 0.05]);
      const r = gradcheck((x, _wx, _wh, _b, h0) => layer.forward(x, h0),
        [rand([2, 3, 2], 11), layer.inputWeight, layer.recurrentWeight, layer.bias!, rand([2, 3], 12)]);
      assert.ok(r.ok, `returnSequences ${returnSequences}: ${JSON.stringify(r.worst)}`);
    }
  });

  test('the recurrent weight starts orthogonal (W W^T = I), the input weight Glorot-uniform', () => {
    const n = 6;
    const q = new Float64Array(n * n);
    orthogonalInit(q, n, new Rng(2));
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let dot = 0;
        for (let k = 0; k < n; k++) dot += q[i * n + k] * q[j * n + k];
        assertClose([dot], [i === j ? 1 : 0], 1e-12, 0, `row ${i} . row ${j}`);
      }
    }
    const layer = new SimpleRNN({ inputDim: 4, units: 6 });
    const a = Math.sqrt(6 / 10);
    assert.ok(Array.from(layer.inputWeight.toTypedArray()).every((v) => Math.abs(v) <= a));
    assert.deepEqual(layer.namedParameters().map(([name, t]) => [name, [...t.shape]]),
      [['inputWeight', [6, 4]], ['recurrentWeight', [6, 6]], ['bias', [6]]]);
  });

  test('edge cases: zero time steps, wrong shapes', () => {
    const layer = new SimpleRNN({ inputDim: 2, units: 3 });
    assert.deepEqual([...layer.forward(zeros([4, 0, 2])).shape], [4, 3]);
    assert.deepEqual(Array.from(layer.forward(zeros([1, 0, 2])).toTypedArray()), [0, 0, 0]);
    const seq = new SimpleRNN({ inputDim: 2, units: 3, returnSequences: true });
    assert.deepEqual([...seq.forward(zeros([4, 0, 2])).shape], [4, 0, 3]);
    assert.throws(() => layer.forward(zeros([4, 2])), /SimpleRNN expects input of shape \[batch, time, 2\], got \[4, 2\]/);
    assert.throws(() => layer.forward(zeros([4, 5, 2]), zeros([3, 3])), /initial state must have shape \[4, 3\], got \[3, 3\]/);
    assert.throws(() => new SimpleRNN({ inputDim: 0, units: 3 }), /inputDim must be a positive integer/);
  });
});

describe('RNNRegressor', () => {
  test('slidingWindows: each window of values and the value after it', () => {
    const { x, y } = slidingWindows([1, 2, 3, 4, 5], 3);
    assert.deepEqual(x.toArray(), [[[1], [2], [3]], [[2], [3], [4]]]);
    assert.deepEqual(y.toArray(), [[4], [5]]);
    assert.throws(() => slidingWindows([1, 2, 3], 3), /no window of 3 followed by a target/);
    assert.throws(() => slidingWindows([1, 2, 3], 0), /window must be a positive integer/);
  });

  test('predicts the next value of a sine wave: held-out MSE far below that of predicting the mean', async () => {
    const series = Array.from({ length: 300 }, (_, t) => Math.sin((2 * Math.PI * t) / 25));
    const { x, y } = slidingWindows(series, 10);
    const n = x.shape[0], nTrain = Math.floor(n * 0.8);
    const xd = x.toTypedArray(), yd = y.toTypedArray();
    // Hold out the end of the series (later in time than anything trained on).
    const xTrain = tensor(xd.slice(0, nTrain * 10), [nTrain, 10, 1]), yTrain = tensor(yd.slice(0, nTrain), [nTrain, 1]);
    const xTest = tensor(xd.slice(nTrain * 10), [n - nTrain, 10, 1]), yTest = Array.from(yd.slice(nTrain));
    const net = new RNNRegressor({ units: 16, seed: 0 });
    const h = await net.fit(xTrain, yTrain, { epochs: 20 });
    assert.ok(h.loss[h.loss.length - 1] < h.loss[0], `training loss ${h.loss[0]} -> ${h.loss[h.loss.length - 1]}`);
    const mean = yTest.reduce((s, v) => s + v, 0) / yTest.length;
    const baseline = yTest.reduce((s, v) => s + (v - mean) ** 2, 0) / yTest.length;
    const testMse = net.evaluate(xTest, yTest);
    assert.ok(testMse < 0.1 * baseline, `test MSE ${testMse}, mean-prediction MSE ${baseline}`);
    assert.deepEqual([...net.predict(xTest).shape], [n - nTrain, 1]);
  });

  test('arrays of scalar windows work; the same seed trains the same; config round-trips', async () => {
    const windows = [[0, 0.5, 1], [0.5, 1, 0.5], [1, 0.5, 0]];
    const run = async () => {
      const net = new RNNRegressor({ units: 4, seed: 3 });
      const h = await net.fit(windows, [0.5, 0, -0.5], { epochs: 5 });
      return { net, loss: h.loss };
    };
    const a = await run(), b = await run();
    assert.deepEqual(a.loss, b.loss);
    const copy = new RNNRegressor(a.net.modelConfig().config);
    copy.loadStateDict(a.net.stateDict());
    assert.deepEqual(Array.from(copy.predict(windows).toTypedArray()), Array.from(a.net.predict(windows).toTypedArray()));
    assert.throws(() => new RNNRegressor({ inputDim: 2 }).predict(windows), /arrays of scalars need inputDim 1/);
    await assert.rejects(() => a.net.fit(windows, [1, 2]), /targets have shape \[2, 1\], expected \[3, 1\]/);
  });
});
