/**
 * Module: the parameter walk (dotted names in declaration order, private `_` fields skipped, shared objects
 * counted once, buffers vs parameters), state dicts and their errors, train/eval, zeroGrad, parameterCount.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Autoencoder } from '../../src/models/autoencoder.js';
import { Dense, Sequential } from '../../src/nn/dense.js';
import { asBuffer, asParameter, Module } from '../../src/nn/module.js';
import { Rng } from '../../src/tensor/rng.js';
import { type Tensor, tensor, zeros } from '../../src/tensor/tensor.js';

/** A module with every kind of field the walk must handle. */
class Net extends Module {
  first = new Dense({ inputDim: 3, units: 4 }, { rng: new Rng(1) });
  blocks = [new Dense({ inputDim: 4, units: 2 }, { rng: new Rng(2) }), new Dense({ inputDim: 2, units: 3, useBias: false }, { rng: new Rng(3) })];
  stats = asBuffer(zeros([3]));
  scale = asParameter(tensor([2]));
  plain = zeros([5]); // no role: neither parameter nor state
  _cache = asParameter(zeros([7])); // private: skipped even though it is marked
  meta = { inner: asParameter(zeros([9])) }; // a plain object is not a module: not walked
  forward(x: Tensor): Tensor {
    let h = this.first.forward(x);
    for (const b of this.blocks) h = b.forward(h);
    return h;
  }
}

describe('Module: parameter walk', () => {
  test('dotted names in declaration order; buffers in namedTensors only; _private, role-less and plain-object fields skipped', () => {
    const net = new Net();
    assert.deepEqual(net.namedTensors().map(([n]) => n), [
      'first.weight', 'first.bias',
      'blocks.0.weight', 'blocks.0.bias',
      'blocks.1.weight',
      'stats', 'scale',
    ]);
    assert.deepEqual(net.namedParameters().map(([n]) => n), [
      'first.weight', 'first.bias', 'blocks.0.weight', 'blocks.0.bias', 'blocks.1.weight', 'scale',
    ]);
    assert.deepEqual(net.parameters(), net.namedParameters().map(([, t]) => t));
    assert.equal(net.parameterCount(), 4 * 3 + 4 + 2 * 4 + 2 + 3 * 2 + 1);
    for (const p of net.parameters()) assert.equal(p.requiresGrad, true);
    assert.equal(net.stats.requiresGrad, false);
    assert.equal(net.stats.role, 'buffer');
  });

  test('Autoencoder parameter names: encoder.layers.i.weight/bias then decoder', () => {
    const ae = new Autoencoder({ inputDim: 6, hidden: [5, 4], latentDim: 2 });
    const names = ae.namedParameters().map(([n]) => n);
    const expected: string[] = [];
    for (const part of ['encoder', 'decoder']) {
      for (let i = 0; i < 3; i++) expected.push(`${part}.layers.${i}.weight`, `${part}.layers.${i}.bias`);
    }
    assert.deepEqual(names, expected);
  });

  test('a module reachable twice (shared submodule) is walked once', () => {
    class Shared extends Module {
      a = new Dense({ inputDim: 2, units: 2 });
      alias = this.a;
      list = [this.a];
      forward(x: Tensor): Tensor {
        return this.alias.forward(this.a.forward(x));
      }
    }
    const m = new Shared();
    assert.deepEqual(m.namedParameters().map(([n]) => n), ['a.weight', 'a.bias']);
    assert.equal(m.parameterCount(), 6);
    assert.equal(m.modules().length, 2); // m and a
  });

  test('a tensor reachable twice (tied weights) is counted once, under its first name', () => {
    class Tied extends Module {
      a = new Dense({ inputDim: 2, units: 2 });
      tiedWeight: Tensor = this.a.weight;
      forward(x: Tensor): Tensor {
        return this.a.forward(x);
      }
    }
    const m = new Tied();
    // Counting it twice would make optimizers update the same storage twice per step and state dicts hold
    // two entries for one tensor.
    assert.deepEqual(m.namedParameters().map(([n]) => n), ['a.weight', 'a.bias']);
    assert.equal(m.parameterCount(), 6);
  });

  test('modules() lists the tree, root first; train()/eval() reach every module', () => {
    const ae = new Autoencoder({ inputDim: 4, hidden: [3], latentDim: 2 });
    const mods = ae.modules();
    assert.equal(mods[0], ae);
    assert.equal(mods.length, 1 + 2 + 4); // ae, encoder, decoder, 4 Dense
    assert.ok(mods.includes(ae.encoder.layers[1]));
    ae.eval();
    assert.ok(mods.every((m) => m.training === false));
    ae.train();
    assert.ok(mods.every((m) => m.training === true));
  });

  test('zeroGrad clears every parameter gradient', () => {
    const net = new Net();
    for (const p of net.parameters()) p.grad = zeros([...p.shape]);
    net.zeroGrad();
    assert.ok(net.parameters().every((p) => p.grad === null));
  });
});

describe('Module: state dicts', () => {
  test('stateDict / loadStateDict round trip copies values (not references)', () => {
    const a = new Net();
    const b = new Net();
    b.first.weight.data.fill(0);
    b.stats.data.fill(0);
    a.stats.data.set([1, 2, 3]);
    const sd = a.stateDict();
    assert.ok(sd instanceof Map);
    assert.deepEqual([...sd.keys()], a.namedTensors().map(([n]) => n));
    b.loadStateDict(sd);
    for (const [name, t] of b.namedTensors()) {
      assert.deepEqual(Array.from(t.toTypedArray()), Array.from(sd.get(name)!.toTypedArray()), name);
      assert.notEqual(t, sd.get(name)); // b keeps its own tensors
      assert.notEqual(t.data, sd.get(name)!.data);
    }
    // a plain object works as well
    const c = new Net();
    c.loadStateDict(Object.fromEntries(a.stateDict()));
    assert.deepEqual(Array.from(c.first.weight.toTypedArray()), Array.from(a.first.weight.toTypedArray()));
    // later changes to a do not leak into b
    a.first.weight.data[0] += 1;
    assert.notEqual(b.first.weight.data[0], a.first.weight.data[0]);
  });

  test('loading converts dtype (float64 values into a float32 model)', () => {
    const ae = new Autoencoder({ inputDim: 2, latentDim: 1 });
    const sd = new Map<string, Tensor>([
      ['encoder.layers.0.weight', tensor([0.1, 0.2], [1, 2], { dtype: 'float64' })],
      ['encoder.layers.0.bias', tensor([0.3], [1], { dtype: 'float64' })],
      ['decoder.layers.0.weight', tensor([0.4, 0.5], [2, 1], { dtype: 'float64' })],
      ['decoder.layers.0.bias', tensor([0.6, 0.7], [2], { dtype: 'float64' })],
    ]);
    ae.loadStateDict(sd);
    assert.equal(ae.encoder.layers[0] instanceof Dense, true);
    assert.deepEqual(Array.from((ae.decoder.layers[0] as Dense).bias!.toTypedArray()), Array.from(Float32Array.from([0.6, 0.7])));
  });

  test('missing tensor: error names it and its shape', () => {
    const net = new Net();
    const sd = net.stateDict();
    sd.delete('blocks.0.bias');
    assert.throws(() => new Net().loadStateDict(sd), /missing tensor 'blocks\.0\.bias' of shape \[2\]/);
  });

  test('unexpected tensor: error names it', () => {
    const sd = new Net().stateDict();
    sd.set('blocks.2.weight', zeros([1]));
    assert.throws(() => new Net().loadStateDict(sd, 'my.file'), /^Error: my\.file: unexpected tensor 'blocks\.2\.weight'/);
  });

  test('wrong shape: error names the tensor and both shapes; nothing is written', () => {
    const target = new Net();
    const before = target.namedTensors().map(([, t]) => Array.from(t.toTypedArray()));
    const sd = new Net().stateDict();
    for (const [, t] of sd) t.data.fill(0.5); // a load that would change every tensor
    sd.set('blocks.0.weight', zeros([4, 2]));
    assert.throws(() => target.loadStateDict(sd), /tensor 'blocks\.0\.weight' has shape \[4, 2\], the model expects \[2, 4\]/);
    assert.deepEqual(target.namedTensors().map(([, t]) => Array.from(t.toTypedArray())), before);
  });

  test('Sequential of Dense: state dict names and modelConfig', () => {
    const s = new Sequential([new Dense({ inputDim: 3, units: 2, activation: 'relu' }), new Dense({ inputDim: 2, units: 1 })]);
    assert.deepEqual([...s.stateDict().keys()], ['layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias']);
    const mc = s.modelConfig();
    assert.equal(mc.kind, 'Sequential');
    assert.equal(mc.config.layers.length, 2);
    // every Dense config field is recorded (other fields, e.g. a dtype, may be added)
    for (const [i, want] of [
      { type: 'Dense', inputDim: 3, units: 2, activation: 'relu', useBias: true, init: 'glorotUniform' },
      { type: 'Dense', inputDim: 2, units: 1, activation: 'linear', useBias: true, init: 'glorotUniform' },
    ].entries()) {
      for (const [k, v] of Object.entries(want)) assert.deepEqual((mc.config.layers[i] as Record<string, unknown>)[k], v, `layer ${i} ${k}`);
    }
    const notDense = new Sequential([new Net()]);
    assert.throws(() => notDense.modelConfig(), /layer 0 is not a Dense layer/);
  });
});
