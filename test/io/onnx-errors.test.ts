// Export refuses what it cannot write, with an AekitError and a code, before writing anything: an unknown kind,
// layer type, activation or part; a part the kind lacks; config and weights that disagree; a detector not yet
// fitted. And the layers no saved kind has yet (BatchNorm in its inference form, Dropout as the identity) export
// and match aekit's eval-mode forward in ONNX Runtime Web.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnomalyDetector } from '../../src/analysis/anomaly.js';
import { noGrad } from '../../src/autograd/mode.js';
import { AekitError } from '../../src/errors.js';
import { exportOnnx, type ExportableModel, onnxParts } from '../../src/io/onnx/export.js';
import { Autoencoder } from '../../src/models/autoencoder.js';
import { BatchNorm } from '../../src/nn/batchnorm.js';
import { Conv2D } from '../../src/nn/conv.js';
import { Dense, Sequential } from '../../src/nn/dense.js';
import { Dropout } from '../../src/nn/dropout.js';
import { Flatten } from '../../src/nn/reshape.js';
import { Rng } from '../../src/tensor/rng.js';
import { tensor } from '../../src/tensor/tensor.js';
import { relErr, runOnnx } from './onnx-helpers.js';

function refuses(fn: () => unknown, code: string, mentions: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof AekitError, `an AekitError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, mentions);
    assert.ok(!e.message.includes('\n'), 'one line');
    return true;
  });
}

/** A model whose saved config says `config` and whose tensors are `from`'s. */
const fake = (kind: string, config: object, from: { namedTensors: ExportableModel['namedTensors'] } = { namedTensors: () => [] }): ExportableModel =>
  ({ modelConfig: () => ({ kind, config }), namedTensors: () => from.namedTensors() });

test('an unknown kind, layer type, activation or part is E_UNSUPPORTED, naming it and what is known', () => {
  refuses(() => exportOnnx(fake('SOM', {})), 'E_UNSUPPORTED', /model kind 'SOM' \(known: Autoencoder, .*Sequential\)/);
  refuses(() => onnxParts('Nope'), 'E_UNSUPPORTED', /'Nope'/);
  const seq = new Sequential([new Dense({ inputDim: 3, units: 2 })]);
  refuses(() => exportOnnx(fake('Sequential', { layers: [{ type: 'Dense', inputDim: 3, units: 2 }, { type: 'Attention' }] }, seq)), 'E_UNSUPPORTED', /layers\.1 .*type 'Attention'.*known: Dense/);
  refuses(() => exportOnnx(fake('Sequential', { layers: [{ type: 'Dense', inputDim: 3, units: 2, activation: 'swish' }] }, seq)), 'E_UNSUPPORTED', /activation 'swish'/);
  const ae = new Autoencoder({ inputDim: 4, latentDim: 2 });
  refuses(() => exportOnnx(ae, { part: 'score' }), 'E_UNSUPPORTED', /Autoencoder exports full, encoder, decoder, not 'score'.*detect fit/);
  refuses(() => exportOnnx(ae, { part: 'weights' as 'full' }), 'E_UNSUPPORTED', /unknown part 'weights'/);
  refuses(() => exportOnnx(new Sequential([]) as unknown as ExportableModel, { part: 'encoder' }), 'E_UNSUPPORTED', /Sequential exports full, not 'encoder'/);
  refuses(() => exportOnnx({} as ExportableModel), 'E_UNSUPPORTED', /modelConfig\(\)/);
});

test('config and weights that disagree are E_FORMAT, naming the tensor', () => {
  const ae = new Autoencoder({ inputDim: 4, hidden: [3], latentDim: 2 });
  refuses(() => exportOnnx(fake('Autoencoder', { inputDim: 4, hidden: [5], latentDim: 2 }, ae)), 'E_FORMAT', /'encoder\.layers\.0\.weight' is \[3, 4\].*needs \[5, 4\]/);
  refuses(() => exportOnnx(fake('Autoencoder', { inputDim: 4, hidden: [3, 3], latentDim: 2 }, ae)), 'E_FORMAT', /'encoder\.layers\.1\.weight' is \[2, 3\].*needs \[3, 3\]/);
  refuses(() => exportOnnx(fake('Autoencoder', { inputDim: 4, hidden: [3], latentDim: 2 }, { namedTensors: () => ae.namedTensors().filter(([n]) => n !== 'decoder.layers.1.bias') })), 'E_FORMAT', /no tensor 'decoder\.layers\.1\.bias'/);
  refuses(() => exportOnnx(fake('Autoencoder', { inputDim: 4, latentDim: 2 }, ae)), 'E_FORMAT', /./);
  const extra = { namedTensors: () => [...ae.namedTensors(), ['encoder.layers.9.weight', ae.namedTensors()[0][1]] as (typeof ae.namedTensors extends () => (infer T)[] ? T : never)] };
  refuses(() => exportOnnx(fake('Autoencoder', ae.modelConfig().config, extra)), 'E_FORMAT', /encoder\.layers\.9\.weight has no place in its graph/);
  refuses(() => exportOnnx(fake('Autoencoder', { inputDim: -1, latentDim: 2 }, ae)), 'E_FORMAT', /inputDim must be a positive integer/);
  refuses(() => exportOnnx(fake('ConvAutoencoder', { inputShape: [28, 28], encoder: [], decoder: [] })), 'E_FORMAT', /inputShape/);
});

test('a detector not fitted cannot export its score (E_VALUE); a detector of a kind that is no autoencoder is E_UNSUPPORTED', async () => {
  const unfit = new AnomalyDetector(new Autoencoder({ inputDim: 4, latentDim: 2 }));
  refuses(() => exportOnnx(unfit, { part: 'score' }), 'E_VALUE', /no threshold yet \(fit it first\)/);
  refuses(() => exportOnnx(fake('AnomalyDetector', { ...unfit.modelConfig().config, autoencoder: { kind: 'MLP', config: {} } }), { part: 'full' }), 'E_UNSUPPORTED', /wrapping a 'MLP'/);
  const det = new AnomalyDetector(new Autoencoder({ inputDim: 4, latentDim: 2, seed: 1 }));
  const rng = new Rng(1);
  await det.fit(tensor(Array.from({ length: 40 }, () => rng.normal()), [10, 4]), { train: false });
  const unfitted = fake('AnomalyDetector', { ...det.modelConfig().config, threshold: null }, det);
  refuses(() => exportOnnx(unfitted, { part: 'score' }), 'E_VALUE', /no threshold yet/);
});

/** A Sequential with layers no saved kind has yet, described by hand (they have no layerConfig). */
function withLayers(seq: Sequential, layers: object[]): ExportableModel {
  return fake('Sequential', { layers }, seq);
}

test('BatchNorm (running statistics) and Dropout (identity) export and match aekit eval mode, on rows and NHWC images', async () => {
  const rng = new Rng(5);
  const jitter = (s: Sequential): Sequential => {
    for (const [name, t] of s.namedTensors()) for (let i = 0; i < t.size; i++) t.data[t.offset + i] = name.endsWith('runningVar') ? 0.5 + rng.uniform(0, 1) : t.data[t.offset + i] + 0.3 * rng.normal();
    s.eval();
    return s;
  };
  const rows = jitter(new Sequential([new Dense({ inputDim: 5, units: 4, activation: 'relu' }), new BatchNorm({ features: 4, epsilon: 1e-3 }), new Dropout(0.5), new Dense({ inputDim: 4, units: 3 })]));
  const rowLayers = [{ type: 'Dense', inputDim: 5, units: 4, activation: 'relu' }, { type: 'BatchNorm', features: 4, epsilon: 1e-3 }, { type: 'Dropout', rate: 0.5 }, { type: 'Dense', inputDim: 4, units: 3 }];
  const images = jitter(new Sequential([new Conv2D({ inChannels: 2, filters: 3, kernelSize: 3, padding: 'same' }), new BatchNorm({ features: 3, epsilon: 1e-2 }), new Dropout(0.2), new Flatten()]));
  const imageLayers = [{ type: 'Conv2D', inChannels: 2, filters: 3, kernelSize: [3, 3], padding: 'same' }, { type: 'BatchNorm', features: 3, epsilon: 1e-2 }, { type: 'Dropout', rate: 0.2 }, { type: 'Flatten' }];
  for (const [seq, layers, shape] of [[rows, rowLayers, [7, 5]], [images, imageLayers, [3, 6, 5, 2]]] as const) {
    const x = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal());
    const want = noGrad(() => seq.forward(tensor(x, [...shape]))).toTypedArray();
    const got = await runOnnx(exportOnnx(withLayers(seq, [...layers])), { input: { data: x, dims: [...shape] } });
    const err = relErr(got.output.data, want);
    assert.ok(err <= 1e-5, `error ${err}`);
  }
});
