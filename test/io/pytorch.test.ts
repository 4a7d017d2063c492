/**
 * PyTorch in and out without Python: for every kind, aekit -> PyTorch names and layouts -> aekit is bit-identical
 * (weights, config, data info, preprocessing); the names and layouts are checked against independent oracles
 * (the key list nn.Sequential gives, OIHW indexing written out); bad files fail naming the key. The run through
 * torch itself is pytorch-torch.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { AnomalyDetector } from '../../src/analysis/anomaly.js';
import { AekitError } from '../../src/errors.js';
import { decodeModel, encodeModel } from '../../src/io/model-codec.js';
import { fromPyTorch, PYTORCH_METADATA_KEY, toPyTorch } from '../../src/io/pytorch/index.js';
import { importPyTorchFile, writePyTorchExport } from '../../src/io/pytorch/files.js';
import { HWIO_TO_OIHW, OIHW_TO_HWIO, permute } from '../../src/io/pytorch/layout.js';
import { decodeSafetensors, encodeSafetensors, type SafeTensor } from '../../src/io/safetensors.js';
import { Autoencoder } from '../../src/models/autoencoder.js';
import { MLP } from '../../src/models/mlp.js';
import { SequenceAutoencoder } from '../../src/models/sequence-autoencoder.js';
import { noGrad } from '../../src/autograd/mode.js';
import type { Module } from '../../src/nn/module.js';
import { Rng } from '../../src/tensor/rng.js';
import { tensor } from '../../src/tensor/tensor.js';
import { inputsFor, prep, pytorchCases, randomize } from './pytorch-cases.js';

const bits = (d: Float32Array | Float64Array): Uint8Array => new Uint8Array(d.buffer, d.byteOffset, d.byteLength);

/** The PyTorch file of `ae` with `edit` applied to its tensors (and metadata), re-encoded. */
function edited(edit: (t: Record<string, SafeTensor>, meta: Record<string, string>) => void, ae: Module = randomize(new Autoencoder({ inputDim: 4, hidden: [3], latentDim: 2, seed: 1 }), 3)): Uint8Array {
  const { tensors, metadata } = decodeSafetensors(toPyTorch(ae).safetensors);
  edit(tensors, metadata);
  return encodeSafetensors(tensors, metadata);
}

const throwsAekit = (f: () => unknown, re: RegExp, code?: string): void => {
  assert.throws(f, (e: unknown) => e instanceof AekitError && re.test(e.message) && (code === undefined || e.code === code), String(re));
};

describe('aekit -> PyTorch -> aekit', () => {
  for (const c of pytorchCases()) {
    test(`${c.name}: bit-identical weights, same config, data info and preprocessing`, () => {
      const training = { dataRequest: { spec: 'rows.csv', seed: 3 }, trainLoss: [1, 0.5] };
      const out = toPyTorch(c.model, { data: c.data, preprocessing: c.preprocessing, training });
      assert.match(out.modelPy, new RegExp(`^"""aekit ${c.model.modelConfig().kind} as a PyTorch module`));
      const back = decodeModel(fromPyTorch(out.safetensors, 'x.safetensors'));
      assert.equal(back.header.kind, c.model.modelConfig().kind);
      assert.deepEqual(back.header.config, JSON.parse(JSON.stringify(c.model.modelConfig().config)));
      const mine = new Map(c.model.namedTensors());
      const theirs = back.model.namedTensors();
      assert.deepEqual(theirs.map(([n]) => n), [...mine.keys()]);
      for (const [name, t] of theirs) {
        assert.deepEqual(t.shape, mine.get(name)!.shape, name);
        assert.deepEqual(bits(t.toTypedArray() as Float32Array), bits(mine.get(name)!.toTypedArray() as Float32Array), `${name} bits`);
      }
      assert.deepEqual(back.data, c.data);
      if (c.preprocessing) {
        assert.equal(back.preprocessing!.method, c.preprocessing.method);
        assert.deepEqual(back.preprocessing!.shift, c.preprocessing.shift);
        assert.deepEqual(back.preprocessing!.scale, c.preprocessing.scale);
        assert.deepEqual(back.preprocessing!.fill, c.preprocessing.fill);
      } else assert.equal(back.preprocessing, null);
      // The data request comes back (aekit eval reopens the data with it); the old loss curve does not.
      assert.deepEqual(back.header.training, { importedFrom: 'pytorch', dataRequest: training.dataRequest });
      const x = inputsFor(c.model, 3, 5);
      assert.deepEqual(noGrad(() => back.model.forward(x)).toTypedArray(), noGrad(() => c.model.forward(x)).toTypedArray());
    });
  }
});

describe('PyTorch names and layouts', () => {
  test('a dense autoencoder: nn.Sequential keys, a Linear then its activation module (indices 0, 2, ...)', () => {
    const ae = new Autoencoder({ inputDim: 6, hidden: [5, 4], latentDim: 3 });
    const { tensors, metadata } = decodeSafetensors(toPyTorch(ae).safetensors);
    const keys = ['encoder.0', 'encoder.2', 'encoder.4', 'decoder.0', 'decoder.2', 'decoder.4'].flatMap((k) => [`${k}.weight`, `${k}.bias`]);
    assert.deepEqual(Object.keys(tensors).sort(), keys.sort());
    assert.deepEqual(tensors['encoder.2.weight'].shape, [4, 5]); // nn.Linear's [out, in], aekit's own layout
    assert.deepEqual(tensors['decoder.4.weight'].data, ae.decoder.layers[2].namedTensors()[0][1].toTypedArray());
    const meta = JSON.parse(metadata[PYTORCH_METADATA_KEY]) as Record<string, unknown>;
    assert.equal(meta.kind, 'Autoencoder');
    assert.equal(metadata.format, 'pt');
  });

  test('conv kernels are OIHW: torch[o][i][y][x] = aekit[y][x][i][o]', () => {
    const conv = pytorchCases().find((c) => c.name === 'ConvAutoencoder')!.model;
    const { tensors } = decodeSafetensors(toPyTorch(conv).safetensors);
    const w = new Map(conv.namedTensors()).get('encoder.layers.2.weight')!; // the 2x2 stage: [2, 2, 4, 3] HWIO
    const [kh, kw, ci, co] = w.shape;
    const t = tensors['encoder.3.weight']; // conv, act, pool, conv: module 3
    assert.deepEqual(t.shape, [co, ci, kh, kw]);
    const a = w.toTypedArray();
    for (let o = 0; o < co; o++) for (let i = 0; i < ci; i++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) {
      assert.equal(t.data[((o * ci + i) * kh + y) * kw + x], a[((y * kw + x) * ci + i) * co + o]);
    }
    assert.ok('decoder.6.weight' in tensors && !('decoder.5.weight' in tensors), 'stages take 3 modules: conv, activation, upsample');
  });

  test('permute: any order, and its inverse restores the array', () => {
    const rng = new Rng(1);
    const shape = [2, 3, 4, 5];
    const a = Float32Array.from({ length: 120 }, () => rng.normal());
    const p = permute(a, shape, HWIO_TO_OIHW);
    assert.deepEqual(permute(p, [5, 4, 2, 3], OIHW_TO_HWIO), a);
    assert.deepEqual(permute(Float64Array.of(1, 2, 3, 4, 5, 6), [2, 3], [1, 0]), Float64Array.of(1, 4, 2, 5, 3, 6));
    assert.deepEqual(permute(new Float32Array(0), [0, 3], [1, 0]), new Float32Array(0));
  });

  test('LSTM: one aekit bias = bias_ih_l0 + bias_hh_l0; bias_hh_l0 exported as 0 and added back on import', () => {
    const seq = randomize(new SequenceAutoencoder({ inputDim: 2, timesteps: 3, units: 2 }), 4);
    seq.encoder.bias.data[0] = -0; // -0 + 0 would come back as +0: the import keeps bias_ih's own bits
    const file = toPyTorch(seq).safetensors;
    const { tensors } = decodeSafetensors(file);
    assert.deepEqual(tensors['encoder.bias_hh_l0'].data, new Float32Array(8));
    assert.deepEqual(tensors['encoder.bias_ih_l0'].data, seq.encoder.bias.toTypedArray());
    assert.ok(Object.is(decodeModel(fromPyTorch(file)).model.namedTensors().find(([n]) => n === 'encoder.bias')![1].toTypedArray()[0], -0));
    const trained = edited((t) => { t['encoder.bias_hh_l0'].data.fill(0.25); }, seq);
    const got = new Map(decodeModel(fromPyTorch(trained)).model.namedTensors()).get('encoder.bias')!.toTypedArray();
    const want = seq.encoder.bias.toTypedArray().map((v) => Math.fround(v + 0.25));
    assert.deepEqual(got, want);
  });
});

describe('AnomalyDetector', () => {
  test('exports its autoencoder, the scaler folded into the preprocessing (to float rounding)', async () => {
    const ae = randomize(new Autoencoder({ inputDim: 4, hidden: [3], latentDim: 2, seed: 1 }), 2);
    const det = new AnomalyDetector(ae, { standardize: true });
    const rng = new Rng(3);
    const raw = Array.from({ length: 40 * 4 }, (_, i) => rng.normal(i % 4, 1 + (i % 4)));
    const p = prep(2);
    const normal = tensor(p.transform(raw), [40, 4]);
    await det.fit(normal, { train: false });
    const back = decodeModel(fromPyTorch(toPyTorch(det, { preprocessing: p }).safetensors));
    assert.equal(back.header.kind, 'Autoencoder');
    assert.deepEqual((back.header.training as Record<string, unknown>).exportedFrom, 'AnomalyDetector');
    const folded = back.preprocessing!.transform(raw);
    const twoStep = det.modelSpace(normal).toFloat32();
    for (let i = 0; i < folded.length; i++) assert.ok(Math.abs(folded[i] - twoStep[i]) <= 1e-5 * Math.max(1, Math.abs(twoStep[i])), `value ${i}: ${folded[i]} vs ${twoStep[i]}`);
    // A detector without a scaler passes the preprocessing as it is.
    const plain = new AnomalyDetector(ae);
    await plain.fit(normal, { train: false });
    assert.deepEqual(decodeModel(fromPyTorch(toPyTorch(plain, { preprocessing: p }).safetensors)).preprocessing!.shift, p.shift);
  });
});

describe('bad input: one clear error naming the key', () => {
  test('a missing key', () => throwsAekit(() => fromPyTorch(edited((t) => { delete t['decoder.2.bias']; }), 'w.safetensors'), /w\.safetensors: missing tensor 'decoder\.2\.bias' \(the first expected \[4\]\)/));
  test('keys of a DistributedDataParallel wrapper (module.*): the error says to save the inner module', () => throwsAekit(() => fromPyTorch(edited((t) => {
    for (const k of Object.keys(t)) {
      t[`module.${k}`] = t[k];
      delete t[k];
    }
  })), /missing tensors 'encoder\.0\.weight'.*the keys start with 'module\.': save the wrapped module \(model\.module\)/));
  test('an extra key', () => throwsAekit(() => fromPyTorch(edited((t) => { t['encoder.1.weight'] = { dtype: 'F32', shape: [1], data: new Float32Array(1) }; })), /unexpected tensor 'encoder\.1\.weight'/));
  test('a renamed key (aekit names are not PyTorch names)', () => throwsAekit(() => fromPyTorch(edited((t) => { t['encoder.layers.0.weight'] = t['encoder.0.weight']; delete t['encoder.0.weight']; })), /missing tensor 'encoder\.0\.weight'/));
  test('a key of the wrong shape', () => throwsAekit(() => fromPyTorch(edited((t) => {
    const w = t['encoder.0.weight'];
    t['encoder.0.weight'] = { ...w, shape: [w.shape[1], w.shape[0]] };
  })), /tensor 'encoder\.0\.weight' has shape \[4, 3\], the model expects \[3, 4\]/));
  test('a non-finite weight', () => throwsAekit(() => fromPyTorch(edited((t) => { t['decoder.0.bias'].data[1] = NaN; })), /tensor 'decoder\.0\.bias' \[3\] holds NaN at element 1/, 'E_VALUE'));
  test('float64 weights for a float32 config', () => throwsAekit(() => fromPyTorch(edited((t) => {
    t['encoder.0.weight'] = { ...t['encoder.0.weight'], dtype: 'F64', data: Float64Array.from(t['encoder.0.weight'].data) };
  })), /'encoder\.0\.weight' is F64 but the model is float32 .*model\.float\(\)/, 'E_DTYPE'));
  test('half-precision weights (model.half())', () => {
    const head = new TextEncoder().encode(JSON.stringify({ __metadata__: { [PYTORCH_METADATA_KEY]: '{}' }, 'encoder.0.weight': { dtype: 'F16', shape: [2], data_offsets: [0, 4] } }));
    const file = new Uint8Array(8 + head.length + 4);
    new DataView(file.buffer).setBigUint64(0, BigInt(head.length), true);
    file.set(head, 8);
    throwsAekit(() => fromPyTorch(file, 'h.safetensors'), /"F16" is not supported .*call model\.float\(\) before saving/, 'E_DTYPE');
  });
  test('no aekit metadata', () => throwsAekit(() => fromPyTorch(edited((_, m) => { delete m[PYTORCH_METADATA_KEY]; })), /no "aekit_pytorch" entry .*metadata=model\.aekit_metadata\(\)/));
  test('an aekit model file is not a PyTorch file', () => throwsAekit(() => fromPyTorch(encodeModel(new Autoencoder({ inputDim: 3, latentDim: 2 }))), /an aekit model file already/));
  test('a config that does not build', () => throwsAekit(() => fromPyTorch(edited((_, m) => {
    const meta = JSON.parse(m[PYTORCH_METADATA_KEY]) as { config: Record<string, unknown> };
    meta.config.activation = 'swish';
    m[PYTORCH_METADATA_KEY] = JSON.stringify(meta);
  })), /invalid model config: unknown activation 'swish'/, 'E_FORMAT'));
  test('a kind model.py does not build', () => {
    throwsAekit(() => toPyTorch(new MLP({ sizes: [2, 2, 1] })), /kind 'MLP' cannot be exported/, 'E_UNSUPPORTED');
    throwsAekit(() => fromPyTorch(edited((_, m) => {
      m[PYTORCH_METADATA_KEY] = JSON.stringify({ ...JSON.parse(m[PYTORCH_METADATA_KEY]), kind: 'Perceptron' });
    })), /kind 'Perceptron' is not one aekit imports/, 'E_UNSUPPORTED');
  });
  test('a preprocessing period that does not divide the inputs', () => {
    throwsAekit(() => toPyTorch(new Autoencoder({ inputDim: 4, latentDim: 2 }), { preprocessing: prep(3) }), /period 3 does not divide the model's 4 inputs/);
    throwsAekit(() => fromPyTorch(edited((t, m) => {
      m[PYTORCH_METADATA_KEY] = JSON.stringify({ ...JSON.parse(m[PYTORCH_METADATA_KEY]), preprocessing: { method: 'minmax', period: 3, fill: false } });
      t['preprocessing.shift'] = { dtype: 'F64', shape: [3], data: new Float64Array(3) };
      t['preprocessing.scale'] = { dtype: 'F64', shape: [3], data: new Float64Array(3).fill(1) };
    })), /period 3 does not divide the model's 4 inputs/);
  });
  test('a malformed preprocessing entry', () => throwsAekit(() => fromPyTorch(edited((_, m) => {
    m[PYTORCH_METADATA_KEY] = JSON.stringify({ ...JSON.parse(m[PYTORCH_METADATA_KEY]), preprocessing: { method: 'minmax', period: 0, fill: false } });
  })), /preprocessing must be \{ method, period, fill \}/));
});

describe('files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aekit-pytorch-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('writePyTorchExport writes DIR/model.py and DIR/model.safetensors; importPyTorchFile writes the model file', () => {
    const ae = randomize(new Autoencoder({ inputDim: 4, hidden: [3], latentDim: 2 }), 5);
    const out = join(dir, 'export', 'nested');
    const paths = writePyTorchExport(ae, {}, out);
    assert.equal(readFileSync(paths.modelPy, 'utf8'), toPyTorch(ae).modelPy);
    const modelPath = join(dir, 'model.safetensors');
    importPyTorchFile(paths.safetensors, modelPath);
    assert.deepEqual(decodeModel(readFileSync(modelPath)).model.namedTensors()[0][1].toTypedArray(), ae.encoder.layers[0].namedTensors()[0][1].toTypedArray());
  });

  test('a failed import leaves the existing file as it was; a file as DIR is refused', () => {
    const target = join(dir, 'keep.safetensors');
    writeFileSync(target, 'good');
    const bad = join(dir, 'bad.safetensors');
    writeFileSync(bad, edited((t) => { delete t['encoder.0.bias']; }));
    throwsAekit(() => importPyTorchFile(bad, target), /missing tensor 'encoder\.0\.bias'/);
    assert.equal(readFileSync(target, 'utf8'), 'good');
    throwsAekit(() => importPyTorchFile(join(dir, 'none.safetensors'), target), /none\.safetensors: file not found/, 'E_IO');
    throwsAekit(() => writePyTorchExport(new Autoencoder({ inputDim: 2, latentDim: 1 }), {}, target), /is a file/, 'E_IO');
  });
});
