/**
 * The model file (.safetensors + aekit metadata): bit-exact round trips in float32 and float64, the file's
 * layout as seen by an independent reader, loading one half of an autoencoder, rejection of corrupt files
 * with messages that name the file and the problem, and atomic overwrite.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { noGrad } from '../../src/autograd/mode.js';
import { AekitError } from '../../src/errors.js';
import { decodeModel, encodeModel, loadAutoencoder, loadModel, loadModelFile, registerModelKind, saveModel, tensorsCrc32 } from '../../src/io/model-file.js';
import { decodeSafetensors, encodeSafetensors, type SafeTensor } from '../../src/io/safetensors.js';
import { readSafetensors } from '../../src/io/safetensors-file.js';
import type { DType } from '../../src/kernels/types.js';
import { Autoencoder } from '../../src/models/autoencoder.js';
import { Dense, Sequential } from '../../src/nn/dense.js';
import { asParameter, Module } from '../../src/nn/module.js';
import { Rng } from '../../src/tensor/rng.js';
import * as ops from '../../src/tensor/ops.js';
import { type Tensor, tensor } from '../../src/tensor/tensor.js';

const dir = mkdtempSync(join(tmpdir(), 'aekit-model-file-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
const tmp = (name = 'model') => join(dir, `${name}-${fileNo++}.safetensors`);

/** A model with non-trivial values in every tensor (biases too). */
function makeAE(dtype: DType = 'float32'): Autoencoder {
  const ae = new Autoencoder({ inputDim: 6, hidden: [5], latentDim: 3, activation: 'tanh', seed: 7, dtype });
  const rng = new Rng(11);
  for (const p of ae.parameters()) for (let i = 0; i < p.size; i++) p.data[i] = rng.normal(0, 0.7);
  return ae;
}
function input(dtype: DType = 'float32', n = 9, d = 6): Tensor {
  const rng = new Rng(5);
  return tensor(Array.from({ length: n * d }, () => rng.uniform(0, 1)), [n, d], { dtype });
}
const bytesOf = (t: Tensor) => {
  const a = t.toTypedArray();
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
};
function assertSameWeights(a: Module, b: Module): void {
  const na = a.namedTensors(), nb = b.namedTensors();
  assert.deepEqual(nb.map(([n]) => n), na.map(([n]) => n));
  na.forEach(([name, t], i) => {
    assert.equal(nb[i][1].dtype, t.dtype, `${name}: dtype`);
    assert.deepEqual(bytesOf(nb[i][1]), bytesOf(t), `${name}: bits`);
  });
}

/** Re-encodes the contents of a valid model file after `edit`, and writes it. */
function craft(edit: (tensors: Record<string, SafeTensor>, meta: Record<string, string>) => void, model: Autoencoder = makeAE()): string {
  const { tensors, metadata } = decodeSafetensors(encodeModel(model));
  edit(tensors, metadata);
  // The edit is what the test is about: the checksum is kept true to the edited tensors.
  try {
    const h = JSON.parse(metadata.aekit) as Record<string, unknown>;
    if (typeof h.tensors_crc32 === 'number') metadata.aekit = JSON.stringify({ ...h, tensors_crc32: tensorsCrc32(tensors) });
  } catch { /* not JSON: the test's point */ }
  const path = tmp('crafted');
  writeFileSync(path, encodeSafetensors(tensors, metadata));
  return path;
}
const editHeader = (f: (h: Record<string, unknown>) => void) => (_: Record<string, SafeTensor>, meta: Record<string, string>) => {
  const h = JSON.parse(meta.aekit) as Record<string, unknown>;
  f(h);
  meta.aekit = JSON.stringify(h);
};
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('model file: round trip', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    test(`${dtype}: saveModel then loadModel gives bit-identical weights and identical outputs`, () => {
      const ae = makeAE(dtype);
      const path = tmp(dtype);
      saveModel(path, ae, { epochs: 3, note: 'test' });
      const loaded = loadModel(path);
      assert.ok(loaded instanceof Autoencoder);
      assert.deepEqual(loaded.config, ae.config);
      assertSameWeights(ae, loaded);
      assert.equal(loaded.training, false, 'loaded models are in eval mode');
      const x = input(dtype);
      assert.deepEqual(loaded.reconstruct(x).toTypedArray(), ae.reconstruct(x).toTypedArray());
      assert.deepEqual(loaded.encode(x).toTypedArray(), ae.encode(x).toTypedArray());
      // loadAutoencoder, loadModelFile and decodeModel agree
      assertSameWeights(ae, loadAutoencoder(path));
      const { model, header } = loadModelFile(path);
      assertSameWeights(ae, model);
      assert.deepEqual(header.training, { epochs: 3, note: 'test' });
      assertSameWeights(ae, decodeModel(encodeModel(ae)).model);
    });
  }

  test('the file is valid safetensors: tensors by module path, metadata "aekit" holds aekit_format 1 and the config', () => {
    const ae = makeAE('float64');
    const path = tmp();
    saveModel(path, ae, { epochs: 2 });
    const raw = readFileSync(path);
    // independent look at the layout: u64 LE header length, JSON header, data starting 8-byte aligned
    const n = Number(raw.readBigUInt64LE(0));
    assert.equal((8 + n) % 8, 0);
    const header = JSON.parse(raw.subarray(8, 8 + n).toString('utf8')) as Record<string, { dtype: string; shape: number[] }> & { __metadata__: Record<string, string> };
    const names = ae.namedTensors().map(([name]) => name);
    assert.deepEqual(Object.keys(header).filter((k) => k !== '__metadata__').sort(), [...names].sort());
    for (const [name, t] of ae.namedTensors()) {
      assert.equal(header[name].dtype, 'F64');
      assert.deepEqual(header[name].shape, [...t.shape]);
    }
    const meta = JSON.parse(header.__metadata__.aekit) as Record<string, unknown>;
    assert.equal(meta.aekit_format, 1);
    assert.equal(meta.kind, 'Autoencoder');
    assert.deepEqual(meta.config, JSON.parse(JSON.stringify(ae.config)));
    assert.deepEqual(meta.training, { epochs: 2 });
    // and through the codec
    const { tensors } = readSafetensors(path);
    assert.deepEqual(Array.from(tensors['decoder.layers.1.bias'].data), Array.from((ae.decoder.layers[1] as Dense).bias!.toTypedArray()));
    // no training record: no "training" key
    const path2 = tmp();
    saveModel(path2, ae);
    assert.equal(loadModelFile(path2).header.training, undefined);
  });

  test("loadModel(path, { part: 'encoder' | 'decoder' }) gives a module equal to that half", () => {
    const ae = makeAE();
    const path = tmp();
    saveModel(path, ae);
    const enc = loadModel(path, { part: 'encoder' });
    assert.ok(enc instanceof Sequential);
    assert.deepEqual(enc.namedParameters().map(([n]) => n), ['layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias']);
    const x = input();
    assert.deepEqual(noGrad(() => enc.forward(x)).toTypedArray(), noGrad(() => ae.encoder.forward(x)).toTypedArray());
    const dec = loadModel(path, { part: 'decoder' });
    const h = noGrad(() => ae.encoder.forward(x));
    assert.deepEqual(noGrad(() => dec.forward(h)).toTypedArray(), noGrad(() => ae.decoder.forward(h)).toTypedArray());
  });

  for (const dtype of ['float32', 'float64'] as const) {
    test(`${dtype}: a Sequential (e.g. a saved encoder) round-trips bit-identically`, () => {
      const ae = makeAE(dtype);
      const path = tmp('seq');
      saveModel(path, ae.encoder);
      const loaded = loadModel(path);
      assert.ok(loaded instanceof Sequential);
      assertSameWeights(ae.encoder, loaded);
      const x = input(dtype);
      assert.deepEqual(noGrad(() => loaded.forward(x)).toTypedArray(), noGrad(() => ae.encoder.forward(x)).toTypedArray());
    });
  }

  test('parts and kinds that do not exist are reported', () => {
    const path = tmp('seq');
    saveModel(path, makeAE().encoder);
    assert.throws(() => loadModel(path, { part: 'encoder' }), new RegExp(`^AekitError: ${esc(path)}: a Sequential has no encoder$`));
    assert.throws(() => loadAutoencoder(path), new RegExp(`${esc(path)}: expected an Autoencoder model, found Sequential`));
  });

  test('registerModelKind lets a new model class be loaded', () => {
    class Scale extends Module {
      s = asParameter(tensor([2, 3]));
      forward(x: Tensor): Tensor {
        return ops.mul(x, this.s);
      }
      modelConfig() {
        return { kind: 'TestScale', config: { size: 2 } };
      }
    }
    registerModelKind('TestScale', (c) => {
      assert.deepEqual(c, { size: 2 });
      return new Scale();
    });
    const m = new Scale();
    m.s.data.set([0.25, -4]);
    const path = tmp('scale');
    saveModel(path, m);
    const loaded = loadModel(path) as Scale;
    assert.deepEqual(Array.from(loaded.s.toTypedArray()), [0.25, -4]);
  });
});

describe('model file: corrupt files are rejected with clear errors', () => {
  const good = () => {
    const path = tmp('good');
    saveModel(path, makeAE());
    return path;
  };

  test('truncated file', () => {
    const bytes = readFileSync(good());
    const p1 = tmp('trunc');
    writeFileSync(p1, bytes.subarray(0, bytes.length - 10));
    assert.throws(() => loadModel(p1), new RegExp(`safetensors ${esc(p1)}: file is truncated`));
    const p2 = tmp('trunc-header');
    writeFileSync(p2, bytes.subarray(0, 40));
    assert.throws(() => loadModel(p2), new RegExp(`safetensors ${esc(p2)}: header length \\d+ exceeds the file size .*truncated or not a safetensors file`));
    const p3 = tmp('trunc-empty');
    writeFileSync(p3, new Uint8Array(3));
    assert.throws(() => loadModel(p3), /shorter than the 8-byte header length field/);
  });

  test('random bytes', () => {
    const rng = new Rng(123);
    const bytes = new Uint8Array(4096).map(() => rng.int(256));
    const path = tmp('random');
    writeFileSync(path, bytes);
    assert.throws(() => loadModel(path), (e: Error) => e.name === 'SafetensorsError' && e.message.includes(path));
    // a plausible header length but garbage after it
    bytes.set([16, 0, 0, 0, 0, 0, 0, 0], 0);
    writeFileSync(path, bytes);
    assert.throws(() => loadModel(path), new RegExp(`${esc(path)}: header (is not valid UTF-8|must be a JSON object)`));
  });

  test('a missing file', () => {
    assert.throws(() => loadModel(join(dir, 'nope.safetensors')), /file not found/);
  });

  test('valid safetensors without aekit metadata', () => {
    const path = tmp('plain');
    writeFileSync(path, encodeSafetensors({ w: { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) } }, { format: 'pt' }));
    assert.throws(() => loadModel(path), new RegExp(`^AekitError: ${esc(path)}: not an aekit model file \\(no "aekit" entry in the safetensors metadata\\)$`));
    const path2 = tmp('no-meta');
    writeFileSync(path2, encodeSafetensors({ w: { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) } }));
    assert.throws(() => loadModel(path2), /not an aekit model file/);
  });

  test('aekit metadata that is not a JSON object, or lacks kind/config', () => {
    assert.throws(() => loadModel(craft((_, m) => { m.aekit = '{not json'; })), /the aekit metadata is not valid JSON/);
    assert.throws(() => loadModel(craft((_, m) => { m.aekit = '[1]'; })), /the aekit metadata is not a JSON object/);
    assert.throws(() => loadModel(craft(editHeader((h) => { delete h.kind; }))), /the aekit metadata has no model 'kind'/);
    assert.throws(() => loadModel(craft(editHeader((h) => { h.config = null; }))), /the aekit metadata has no model 'config'/);
  });

  test('aekit_format 2', () => {
    const path = craft(editHeader((h) => { h.aekit_format = 2; }));
    assert.throws(() => loadModel(path), new RegExp(`${esc(path)}: unsupported aekit_format 2 \\(this version reads format 1\\)`));
    assert.throws(() => loadModel(craft(editHeader((h) => { delete h.aekit_format; }))), /unsupported aekit_format undefined/);
  });

  test('unknown kind', () => {
    const path = craft(editHeader((h) => { h.kind = 'Transformer'; }));
    assert.throws(() => loadModel(path), new RegExp(`${esc(path)}: unknown model kind 'Transformer' \\(known: Autoencoder, SparseAutoencoder`));
  });

  test('an invalid config', () => {
    const path = craft(editHeader((h) => { (h.config as Record<string, unknown>).latentDim = -1; }));
    assert.throws(() => loadModel(path), new RegExp(`${esc(path)}: invalid model config: Autoencoder: latentDim must be a positive integer, got -1`));
  });

  test('a weight with the wrong shape, a missing weight, an extra tensor', () => {
    const wrong = craft((t) => {
      const w = t['encoder.layers.0.weight'];
      t['encoder.layers.0.weight'] = { ...w, shape: [w.shape[1], w.shape[0]] };
    });
    assert.throws(() => loadModel(wrong), new RegExp(`${esc(wrong)}: tensor 'encoder\\.layers\\.0\\.weight' has shape \\[6, 5\\], the model expects \\[5, 6\\]`));
    const missing = craft((t) => { delete t['decoder.layers.0.bias']; });
    assert.throws(() => loadModel(missing), new RegExp(`${esc(missing)}: missing tensor 'decoder\\.layers\\.0\\.bias' of shape \\[5\\]`));
    const extra = craft((t) => { t['decoder.layers.2.weight'] = { dtype: 'F32', shape: [1], data: new Float32Array(1) }; });
    assert.throws(() => loadModel(extra), /unexpected tensor 'decoder\.layers\.2\.weight'/);
  });

  test('a NaN or infinite weight: "corrupt weights"', () => {
    const nan = craft((t) => { t['decoder.layers.1.bias'].data[2] = NaN; });
    assert.throws(() => loadModel(nan), new RegExp(`${esc(nan)}: corrupt weights: tensor 'decoder\\.layers\\.1\\.bias' \\[6\\] holds NaN at element 2`));
    const inf = craft((t) => { t['encoder.layers.1.weight'].data[0] = -Infinity; });
    assert.throws(() => loadModel(inf), /corrupt weights: tensor 'encoder\.layers\.1\.weight' \[3, 5\] holds -Infinity at element 0/);
  });

  test('weights whose dtype contradicts the config', () => {
    const path = craft((t) => {
      for (const k of Object.keys(t)) t[k] = { dtype: 'F64', shape: t[k].shape, data: Float64Array.from(t[k].data) };
    });
    assert.throws(() => loadModel(path), new RegExp(`${esc(path)}: weights are F64 but the config says float32`));
  });

  test('a dtype aekit does not compute in ("float16") is refused, anywhere in the config', () => {
    const path = craft(editHeader((h) => { (h.config as Record<string, unknown>).dtype = 'float16'; }));
    assert.throws(() => loadModel(path), (e: unknown) => e instanceof AekitError && e.code === 'E_DTYPE' && /config\.dtype is "float16"; aekit computes in float32 or float64 only/.test(e.message));
  });

  test('the weights carry a CRC-32: one flipped bit in a weight is a checksum error; a file without one still loads', () => {
    const bytes = encodeModel(makeAE());
    const header = JSON.parse(decodeSafetensors(bytes).metadata.aekit) as Record<string, unknown>;
    assert.equal(typeof header.tensors_crc32, 'number');
    const flipped = bytes.slice();
    flipped[flipped.length - 3] ^= 0x04; // the last weight's high bytes: still a finite float
    assert.throws(() => decodeModel(flipped, 'flipped'), (e: unknown) => e instanceof AekitError && e.code === 'E_CHECKSUM' && /^flipped: checksum mismatch: the weights' CRC-32 is [0-9a-f]{8} but the file records [0-9a-f]{8} \(damaged file\)$/.test(e.message));
    const old = craft(editHeader((h) => { delete h.tensors_crc32; }));
    assert.ok(loadModel(old) instanceof Autoencoder);
  });
});

describe('model file: atomic overwrite', () => {
  test('saving over an existing file when encoding throws leaves the old file intact (and no temp files)', () => {
    const sub = mkdtempSync(join(dir, 'atomic-'));
    const path = join(sub, 'model.safetensors');
    const original = makeAE();
    saveModel(path, original);
    const before = readFileSync(path);
    // 1. the training record cannot be serialized (a BigInt)
    assert.throws(() => saveModel(path, makeAE('float64'), { steps: 10n as unknown as number }), /BigInt/);
    // 2. the model cannot describe itself (a Sequential with a non-Dense layer)
    class Odd extends Module {
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    assert.throws(() => saveModel(path, new Sequential([new Odd()])), /layer 0 is not a Dense layer/);
    assert.deepEqual(readFileSync(path), before);
    assert.deepEqual(readdirSync(sub), ['model.safetensors']);
    assertSameWeights(original, loadModel(path));
    // a successful save does replace it
    const other = makeAE('float64');
    saveModel(path, other);
    assertSameWeights(other, loadModel(path));
    assert.deepEqual(readdirSync(sub), ['model.safetensors']);
  });

  test('saving into a directory that does not exist fails with the OS error', () => {
    assert.throws(() => saveModel(join(dir, 'missing-dir', 'm.safetensors'), makeAE()), /ENOENT/);
  });
});
