/**
 * The PyTorch state-dict reader (fromPyTorch), fuzzed with the harness of readers.ts: whatever the bytes, it
 * returns a model file or throws an AekitError with a code naming the input, quickly, in bounded memory. A
 * PyTorch file has no checksum (its weights change outside aekit), so flipped bits reach the key, shape, dtype,
 * value and config checks themselves. Seeds: a dense model with preprocessing, a conv model, a sequence model.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { AekitError } from '../../src/errors.js';
import { fromPyTorch, PYTORCH_METADATA_KEY, toPyTorch } from '../../src/io/pytorch/index.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/io/safetensors.js';
import { pytorchCases } from '../io/pytorch-cases.js';
import { inputs, type Reader, runOne } from './readers.js';

const cases = pytorchCases().filter((c) => ['Autoencoder', 'ConvAutoencoder', 'SequenceAutoencoder'].includes(c.name));
const reader: Reader = {
  name: 'PyTorch state dict',
  seeds: cases.map((c) => toPyTorch(c.model, { data: c.data, preprocessing: c.preprocessing }).safetensors),
  read: (b) => fromPyTorch(b, 'fuzz'),
};

test('fuzzed fromPyTorch: any bytes end in a model file or an AekitError with a code, quickly, in bounded memory', async () => {
  for (const s of reader.seeds) assert.equal((await runOne(reader, s)).result, 'ok', 'seed');
  await fc.assert(
    fc.asyncProperty(inputs(reader.seeds), async (bytes) => {
      const o = await runOne(reader, bytes);
      if (!o.ok) throw new Error(o.failure ?? '');
    }),
    { seed: 14, numRuns: 300 },
  );
});

/** Any JSON value a hand-edited or damaged metadata entry might hold where the config has a field. */
const jsonValue = fc.oneof(fc.integer({ min: -3, max: 1e9 }), fc.double(), fc.string(), fc.constant(null), fc.boolean(),
  fc.array(fc.integer({ min: -2, max: 64 }), { maxLength: 4 }), fc.constant('float16'), fc.constant({}));

test('fuzzed metadata: any value in any config or metadata field is a model file or an AekitError naming the input', () => {
  for (const seed of reader.seeds) {
    const { tensors, metadata } = decodeSafetensors(seed);
    const meta = JSON.parse(metadata[PYTORCH_METADATA_KEY]) as Record<string, Record<string, unknown>>;
    const fields = [...Object.keys(meta.config).map((k) => ['config', k]), ...Object.keys(meta).map((k) => [null, k])] as [string | null, string][];
    fc.assert(fc.property(fc.constantFrom(...fields), jsonValue, ([parent, key], value) => {
      const m = structuredClone(meta);
      if (parent) m[parent][key] = value;
      else (m as Record<string, unknown>)[key] = value;
      try {
        fromPyTorch(encodeSafetensors(tensors, { ...metadata, [PYTORCH_METADATA_KEY]: JSON.stringify(m) }), 'fuzz');
      } catch (e) {
        if (!(e instanceof AekitError && e.message.includes('fuzz'))) throw e;
      }
    }), { seed: 15, numRuns: 300 });
  }
});
