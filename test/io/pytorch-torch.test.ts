/**
 * PyTorch in and out, run by PyTorch itself (/usr/bin/python3 with torch; skipped, visibly, where it has none).
 * For every kind: model.py loads the exported file (strictly: every key and shape must match its module's state
 * dict), its forward pass reproduces aekit's reconstruction, its preprocess/postprocess reproduce aekit's
 * preprocessing, then one training step in PyTorch, model.py's save, fromPyTorch back, and aekit's forward with
 * the changed weights reproduces PyTorch's. The file model.py writes uses its pure-Python safetensors writer when
 * the safetensors package is missing (as on this machine), so the test covers that writer too.
 *
 * Tolerance: |aekit - torch| <= 1e-5 * max(|torch|, 1e-2) per value, in float32 (float64 models: 1e-12): the
 * engines sum in different orders and use different exp/tanh, so last-bit differences are expected; 1e-2 floors
 * the scale so values that cross zero are held to an absolute 1e-7. The preprocessing is the same float64
 * arithmetic in both, so it must agree exactly.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { noGrad } from '../../src/autograd/mode.js';
import { decodeModel } from '../../src/io/model-codec.js';
import { fromPyTorch, toPyTorch } from '../../src/io/pytorch/index.js';
import { decodeSafetensors, encodeSafetensors, type SafeTensor } from '../../src/io/safetensors.js';
import type { AutoencoderModel } from '../../src/models/model.js';
import { Rng } from '../../src/tensor/rng.js';
import { inputsFor, pytorchCases } from './pytorch-cases.js';

const PYTHON = '/usr/bin/python3';
const probe = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
const torchMissing = probe.status !== 0 ? `${PYTHON} cannot import torch (${(probe.stderr || String(probe.error)).trim().split('\n').pop()})` : null;

/** Runs every case's model.py in one Python process (torch takes seconds to import). */
const SCRIPT = String.raw`
import importlib.util, json, sys, torch
for d in json.loads(sys.argv[1]):
    spec = importlib.util.spec_from_file_location("model_" + str(abs(hash(d))), d + "/model.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    m = mod.load(d + "/model.safetensors")
    t, _ = mod.read_safetensors(d + "/input.safetensors")
    x = t["x"]
    out = {}
    with torch.no_grad():
        out["y"] = m(x)
        if m.preprocessing is not None:
            out["pre"] = m.preprocess(t["raw"])
            out["post"] = m.postprocess(out["y"])
    m.train()
    opt = torch.optim.Adam(m.parameters(), lr=0.01)
    loss = m.loss(x, torch.Generator().manual_seed(0)) if hasattr(m, "loss") else ((m(x) - x) ** 2).mean()
    loss.backward()
    opt.step()
    m.eval()
    with torch.no_grad():
        out["y2"] = m(x)
    mod.save(m, d + "/trained.safetensors")
    mod.write_safetensors(out, {}, d + "/out.safetensors")
`;

const safe = (d: Float32Array | Float64Array, shape: number[]): SafeTensor => ({ dtype: d instanceof Float64Array ? 'F64' : 'F32', shape, data: d });

/** The largest |a - e| / max(|e|, 1e-2), and the check against `rtol`. */
function assertNear(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, what: string): number {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const r = Math.abs(actual[i] - expected[i]) / Math.max(Math.abs(expected[i]), 1e-2);
    assert.ok(r <= rtol, `${what}[${i}]: aekit ${actual[i]}, torch ${expected[i]} (relative ${r.toExponential(2)} > ${rtol})`);
    worst = Math.max(worst, r);
  }
  return worst;
}

describe('model.py under PyTorch', { skip: torchMissing ?? false }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'aekit-torch-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const cases = pytorchCases();
  const dirs: string[] = [];
  const inputs = new Map<string, { x: Float32Array | Float64Array; raw: Float64Array }>();
  cases.forEach((c, i) => {
    const d = join(dir, `case${i}`);
    mkdirSync(d);
    dirs.push(d);
    const { modelPy, safetensors } = toPyTorch(c.model, { data: c.data, preprocessing: c.preprocessing });
    writeFileSync(join(d, 'model.py'), modelPy);
    writeFileSync(join(d, 'model.safetensors'), safetensors);
    const x = inputsFor(c.model, 4, i + 1).toTypedArray() as Float32Array | Float64Array;
    // Raw data: data units, one missing value where the preprocessing has fill values.
    const rng = new Rng(i + 50);
    const raw = Float64Array.from(x, () => rng.uniform(-3, 3));
    if (c.preprocessing?.fill) raw[1] = NaN;
    inputs.set(c.name, { x, raw });
    const shape = [4, ...c.model.inputShape];
    writeFileSync(join(d, 'input.safetensors'), encodeSafetensors({ x: safe(x, shape), raw: safe(raw, shape) }));
  });
  let ran: ReturnType<typeof spawnSync> | null = null;
  const run = (): ReturnType<typeof spawnSync> => {
    ran ??= spawnSync(PYTHON, ['-c', SCRIPT, JSON.stringify(dirs)], { encoding: 'utf8', timeout: 300_000 });
    assert.equal(ran.status, 0, `python: ${String(ran.stderr)}`);
    return ran;
  };

  cases.forEach((c, i) => {
    test(`${c.name}: torch reproduces aekit's reconstruction; after a step in torch, aekit reproduces torch's`, (t) => {
      run();
      const d = dirs[i];
      const { x, raw } = inputs.get(c.name)!;
      const out = decodeSafetensors(readFileSync(join(d, 'out.safetensors'))).tensors;
      const shape = [4, ...c.model.inputShape];
      const rtol = x instanceof Float64Array ? 1e-12 : 1e-5;
      const xt = inputsFor(c.model, 4, i + 1);
      const mine = noGrad(() => c.model.forward(xt)).toTypedArray();
      assert.deepEqual(out.y.shape, shape);
      const before = assertNear(mine, out.y.data, rtol, 'forward');
      if (c.preprocessing) {
        assert.deepEqual(out.pre.data, c.preprocessing.transform(raw), 'preprocess = aekit transform, exactly');
        assert.deepEqual(out.post.data, c.preprocessing.inverse(out.y.data), 'postprocess = aekit inverse, exactly');
      }
      const trained = readFileSync(join(d, 'trained.safetensors'));
      const back = decodeModel(fromPyTorch(trained, 'trained.safetensors'));
      const model = back.model as AutoencoderModel;
      const changed = noGrad(() => model.forward(xt)).toTypedArray();
      assert.ok(changed.some((v, k) => v !== mine[k]), 'the step changed the outputs');
      const afterStep = assertNear(changed, out.y2.data, rtol, 'forward after the torch step');
      assert.deepEqual(back.data, c.data);
      t.diagnostic(`${c.name}: max relative difference ${before.toExponential(2)} before, ${afterStep.toExponential(2)} after the step (x: ${x.length} values)`);
    });
  });
});

test('torch availability', (t) => {
  if (torchMissing) t.skip(torchMissing);
  else t.diagnostic(`torch ${probe.stdout.trim()} at ${PYTHON}`);
});
