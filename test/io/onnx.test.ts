// ONNX export, checked by an independent engine: every model kind x every part it exports is written by
// exportOnnx, run in ONNX Runtime Web (wasm backend, in Node) on real inputs in the data's units, and compared
// with aekit's own outputs for the same inputs (test/io/onnx-cases.ts). The measure is onnx-helpers.ts relErr:
// max |onnx - aekit| / max(1e-6, max |aekit|), held under 1e-5. The score part's decisions and probabilities
// must also be exactly the detector's decide/probability of the graph's own scores. Every exported file then
// goes through Python's onnx.checker (full_check) where /usr/bin/python3 has `onnx`. The matrix is printed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportOnnx, type OnnxPart } from '../../src/io/onnx/export.js';
import { type ExportCase, exportCases } from './onnx-cases.js';
import { checkerMissing, checkModels, relErr, runOnnx } from './onnx-helpers.js';

const TOLERANCE = 1e-5;
const dir = mkdtempSync(join(tmpdir(), 'aekit-onnx-'));
const files: string[] = [];
const matrix: { model: string; part: string; outputs: string; err: number }[] = [];
let cases: ExportCase[] = [];

before(async () => {
  cases = await exportCases();
});

after(() => {
  const w = Math.max(...matrix.map((r) => r.model.length));
  const lines = matrix.map((r) => `${r.model.padEnd(w)}  ${r.part.padEnd(7)}  ${r.err.toExponential(2)}  ${r.outputs}`);
  console.log(`\nONNX export matrix (max |onnx - aekit| / max |aekit|, per part; outputs compared):\n${lines.join('\n')}\n`);
  rmSync(dir, { recursive: true, force: true });
});

describe('every kind and part, in ONNX Runtime Web, matches aekit', () => {
  test('all cases', async (t) => {
    for (const c of cases) {
      for (const [part, make] of Object.entries(c.parts)) {
        await t.test(`${c.name}: ${part}`, async () => {
          const bytes = exportOnnx(c.model, { part: part as OnnxPart, extras: { preprocessing: c.prep, data: c.sample ? { sampleShape: c.sample } : null } });
          const file = join(dir, `${files.length}.onnx`);
          writeFileSync(file, bytes);
          files.push(file);
          const { feed, expected } = make();
          const got = await runOnnx(bytes, feed);
          assert.deepEqual(Object.keys(got).sort(), Object.keys(expected).sort(), 'output names');
          let worst = 0;
          for (const [name, want] of Object.entries(expected)) {
            const have = got[name];
            assert.equal(have.dims[0], feed[Object.keys(feed)[0]].dims[0], `${name}: batch axis`);
            if (name === 'is_anomaly' || name === 'anomaly_probability') continue; // below, against the detector's rule
            const err = relErr(have.data, want);
            assert.ok(err <= TOLERANCE, `${name}: error ${err} > ${TOLERANCE}`);
            worst = Math.max(worst, err);
          }
          if (part === 'score') {
            const det = c.detector!;
            const scores = got.reconstruction_error.data as Float64Array;
            assert.equal(got.reconstruction_error.type, 'float64');
            assert.equal(got.is_anomaly.type, 'bool');
            assert.deepEqual(Array.from(got.is_anomaly.data), Array.from(det.decide(scores)), 'is_anomaly = decide(score)');
            assert.deepEqual(Array.from(got.anomaly_probability.data), Array.from(det.probability(scores)), 'anomaly_probability = probability(score)');
            // And against aekit's own scores: the same decisions wherever the score is not within the tolerance of the threshold.
            const want = expected.reconstruction_error;
            for (let i = 0; i < scores.length; i++) {
              if (Math.abs(want[i] - det.threshold) > TOLERANCE * Math.abs(det.threshold)) assert.equal(got.is_anomaly.data[i], expected.is_anomaly[i], `is_anomaly of sample ${i}`);
            }
          }
          matrix.push({ model: c.name, part, outputs: Object.keys(expected).join(', '), err: worst });
        });
      }
    }
  });

  test('every exported graph passes onnx.checker (full_check)', (t) => {
    const missing = checkerMissing();
    if (missing) {
      t.skip(missing);
      return;
    }
    assert.ok(files.length > 40, `${files.length} files written`);
    assert.deepEqual(checkModels(files), []);
  });
});
