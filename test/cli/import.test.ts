/**
 * `aekit import` in child processes: a model trained by `aekit train` on a CSV, exported for PyTorch
 * (writePyTorchExport, what `aekit export --format pytorch` writes), imported back and evaluated by `aekit eval`
 * with the numbers of the original (the weights come back bit-identical); the same after a training step in
 * PyTorch through model.py's save (skipped, visibly, without torch); errors are one line naming the key, and a
 * failed import leaves the target file as it was.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeSafetensors, encodeSafetensors, loadModelFile, writePyTorchExport } from '../../src/index.js';
import { aekitAsync, assertOneLineError, baseEnv, jsonLine, root, type Run } from './helpers.js';

const PYTHON = '/usr/bin/python3';
const torchProbe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
const torchMissing = torchProbe.status !== 0 ? `${PYTHON} cannot import torch` : null;

/**
 * `aekit import ARGS`. Until cli/main.ts lists the command, its module runs the way main.ts runs a command (run,
 * then reportError on a throw), from the sources.
 */
const registered = /\bimport: \(\) =>/.test(readFileSync(join(root, 'cli/main.ts'), 'utf8'));
function importCmd(args: string[]): Promise<Run> {
  if (registered) return aekitAsync(['import', ...args]);
  const code = `const [m, e] = await Promise.all([import('./cli/import.ts'), import('./cli/errors.ts')]);
    m.run(${JSON.stringify(args)}).then((c) => { process.exitCode = c; }, (err) => { process.exitCode = e.reportError(err); });`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: root, env: baseEnv });
    let stdout = '', stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

let dir: string;
let original: string;
let exported: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aekit-import-'));
  const csv = join(dir, 'rows.csv');
  const lines = ['a,b,c,d'];
  for (let i = 0; i < 200; i++) lines.push([0, 1, 2, 3].map((j) => (Math.sin(i * (j + 1) * 0.7) * (j + 1) + j).toFixed(4)).join(','));
  writeFileSync(csv, `${lines.join('\n')}\n`);
  const r = await aekitAsync(['train', '--data', csv, '--hidden', '3', '--latent', '2', '--epochs', '2', '--validation-split', '0.2', '--out', join(dir, 'trained'), '--json']);
  assert.equal(r.status, 0, r.stderr);
  original = join(dir, 'trained', 'model.safetensors');
  const loaded = loadModelFile(original);
  exported = writePyTorchExport(loaded.model, { data: loaded.data, preprocessing: loaded.preprocessing, training: loaded.header.training }, join(dir, 'pytorch')).safetensors;
});

after(() => rmSync(dir, { recursive: true, force: true }));

const evalJson = async (model: string): Promise<Record<string, unknown>> => {
  const r = await aekitAsync(['eval', model, '--json']);
  assert.equal(r.status, 0, r.stderr);
  return jsonLine(r.stdout);
};

describe('aekit import', () => {
  test('the export imported back: aekit eval gives the original numbers (same data, split and preprocessing)', async (t) => {
    if (!registered) t.diagnostic('cli/main.ts does not list import yet: cli/import.ts run directly');
    const out = join(dir, 'imported.safetensors');
    const r = await importCmd([exported, '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^wrote .*imported\.safetensors \(Autoencoder 4-3-2-3-4, from the PyTorch state dict .*model\.safetensors\)\n$/);
    const [a, b] = await Promise.all([evalJson(original), evalJson(out)]);
    for (const k of ['samples', 'split', 'preprocessing', 'mse', 'mseDataUnits']) assert.deepEqual(b[k], a[k], k);
  });

  test('a state dict trained a step in PyTorch and saved by model.py imports and evaluates', { skip: torchMissing ?? false }, async () => {
    const trained = join(dir, 'trained-in-torch.safetensors');
    const script = String.raw`
import sys, torch
sys.path.insert(0, sys.argv[1])
from model import load, save
m = load(sys.argv[1] + "/model.safetensors").train()
x = m.preprocess(torch.rand(32, 4, generator=torch.Generator().manual_seed(1)) * 4)
opt = torch.optim.Adam(m.parameters(), lr=0.05)
((m(x) - x) ** 2).mean().backward()
opt.step()
save(m, sys.argv[2])
`;
    const py = spawnSync(PYTHON, ['-c', script, join(dir, 'pytorch'), trained], { encoding: 'utf8' });
    assert.equal(py.status, 0, py.stderr);
    const out = join(dir, 'from-torch.safetensors');
    const r = await importCmd([trained, '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    const [a, b] = await Promise.all([evalJson(original), evalJson(out)]);
    assert.equal(b.samples, a.samples);
    assert.ok(Number.isFinite(b.mse) && b.mse !== a.mse, `mse ${String(b.mse)} after the step, ${String(a.mse)} before`);
  });

  test('a missing or an unexpected key: one line naming it, exit 1, the target left as it was', async () => {
    const target = join(dir, 'keep.safetensors');
    writeFileSync(target, 'an earlier file');
    const { tensors, metadata } = decodeSafetensors(readFileSync(exported));
    const missing = join(dir, 'missing.safetensors');
    const { ['decoder.2.bias']: _gone, ...rest } = tensors;
    writeFileSync(missing, encodeSafetensors(rest, metadata));
    assertOneLineError(await importCmd([missing, '--out', target]), 1, "missing tensor 'decoder.2.bias'");
    const renamed = join(dir, 'renamed.safetensors');
    writeFileSync(renamed, encodeSafetensors({ ...tensors, 'encoder.layers.0.weight': tensors['encoder.0.weight'] }, metadata));
    assertOneLineError(await importCmd([renamed, '--out', target]), 1, "unexpected tensor 'encoder.layers.0.weight'");
    assert.equal(readFileSync(target, 'utf8'), 'an earlier file');
  });

  test('usage: --out required, the input must exist, an aekit model file needs no import, --help', async () => {
    assertOneLineError(await importCmd([exported]), 2, 'needs --out FILE');
    assertOneLineError(await importCmd([exported, '--out', exported]), 2, 'is the file being imported');
    assertOneLineError(await importCmd([join(dir, 'nope.safetensors'), '--out', join(dir, 'x.safetensors')]), 1, 'file not found');
    assertOneLineError(await importCmd([original, '--out', join(dir, 'x.safetensors')]), 1, 'an aekit model file already');
    const h = await importCmd(['--help']);
    assert.equal(h.status, 0);
    assert.match(h.stdout, /^Usage: aekit import STATE\.safetensors --out MODEL\.safetensors/);
  });
});
