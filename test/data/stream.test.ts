/**
 * Streaming data larger than memory (src/data/stream.ts, src/train/batches.ts): a stream reads the same numbers
 * as the in-memory readers, fits the same preprocessing, and with a shuffle buffer that covers the data trains
 * bit-identical weights; with a small buffer it visits every sample once per epoch, window by window, with at
 * most two windows read at a time.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Autoencoder } from '../../src/models/autoencoder.js';
import { Preprocessing } from '../../src/data/preprocess.js';
import { readData } from '../../src/data/open.js';
import { fitStreamPreprocessing, type SampleStream, StreamedData, subsetStream } from '../../src/data/stream.js';
import { openCsvStream, openNpyStream, openParquetStream } from '../../src/data/stream-files.js';
import { Dataset } from '../../src/data/dataset.js';
import { writeNpyFile } from '../../src/io/tables.js';
import { Rng } from '../../src/tensor/rng.js';
import { epochBatches } from '../../src/train/batches.js';

let dir = '';
const N = 300, F = 12;
let values: Float32Array;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'aekit-stream-'));
  const rng = new Rng(5);
  values = new Float32Array(N * F);
  // Correlated features with different scales, so standardizing matters.
  for (let i = 0; i < N; i++) {
    const a = rng.normal(), b = rng.normal();
    for (let j = 0; j < F; j++) values[i * F + j] = (j + 1) * (a + 0.3 * b * (j % 3)) + 10 * j + 0.05 * rng.normal();
  }
  writeNpyFile(join(dir, 'x.npy'), values, [N, F]);
  const lines = ['id,' + Array.from({ length: F }, (_, j) => `f${j}`).join(',')];
  for (let i = 0; i < N; i++) lines.push(`r${i},` + Array.from(values.subarray(i * F, (i + 1) * F), (v) => String(v)).join(','));
  writeFileSync(join(dir, 'x.csv'), lines.join('\n') + '\n');
});
after(() => rmSync(dir, { recursive: true, force: true }));

const weights = (m: Autoencoder): Float32Array[] => m.namedTensors().map(([, t]) => Float32Array.from(t.toTypedArray()));

describe('sample streams', () => {
  test('npy and CSV streams read what the in-memory readers read, in any order', async () => {
    const npy = await openNpyStream(join(dir, 'x.npy'));
    const csv = await openCsvStream(join(dir, 'x.csv'), { id: 'id' });
    try {
      assert.equal(npy.length, N);
      assert.deepEqual(npy.sampleShape, [F]);
      assert.deepEqual(csv.info.featureNames, Array.from({ length: F }, (_, j) => `f${j}`));
      const whole = (await readData(join(dir, 'x.csv'), { id: 'id' })).samples.toFloat32();
      for (const [s, e] of [[250, 300], [0, 7], [123, 124], [7, 250]] as const) {
        assert.deepEqual(await npy.read(s, e), values.subarray(s * F, e * F));
        assert.deepEqual(await csv.read(s, e), whole.subarray(s * F, e * F));
      }
      await assert.rejects(npy.read(290, 301), /out of range/);
    } finally {
      await npy.close();
      await csv.close();
    }
  });

  test('a Parquet stream reads the committed fixture as the whole-file reader does', async () => {
    const path = 'test/fixtures/data/parquet/types-snappy.parquet';
    const opts = { features: ['f64', 'i32'] };
    const s = await openParquetStream(path, opts);
    try {
      const whole = (await readData(path, opts)).samples.toFloat32();
      assert.deepEqual(await s.read(3, 27), whole.subarray(3 * 2, 27 * 2));
    } finally {
      await s.close();
    }
  });

  test('a subset stream picks its samples out of one contiguous read', async () => {
    const npy = await openNpyStream(join(dir, 'x.npy'));
    const idx = Uint32Array.of(2, 3, 10, 299);
    const sub = subsetStream(npy, idx);
    assert.equal(sub.length, 4);
    const got = await sub.read(1, 4);
    const want = new Float32Array(3 * F);
    [3, 10, 299].forEach((r, k) => want.set(values.subarray(r * F, (r + 1) * F), k * F));
    assert.deepEqual(got, want);
    await sub.close();
  });

  test('preprocessing fitted over a stream equals the in-memory fit', async () => {
    const npy = await openNpyStream(join(dir, 'x.npy'));
    const ds = Dataset.fromTyped(values, N, [F]);
    for (const method of ['standardize', 'minmax'] as const) {
      const a = await fitStreamPreprocessing(npy, method, F, { window: 37 });
      const b = Preprocessing.fit(ds, method, F);
      assert.deepEqual([a.shift, a.scale, a.fill], [b.shift, b.scale, b.fill], method);
    }
    await npy.close();
  });
});

describe('training on a stream', () => {
  const fitOpts = { epochs: 2, batchSize: 32, optimizer: 'adam' as const, lr: 1e-2, seed: 3 };
  const model = (): Autoencoder => new Autoencoder({ inputDim: F, hidden: [8], latentDim: 3, outputActivation: 'linear', seed: 1 });

  test('with a shuffle buffer covering the data: bit-identical to training in memory', async () => {
    const npy = await openNpyStream(join(dir, 'x.npy'));
    const prep = await fitStreamPreprocessing(npy, 'standardize', F);
    const inMemory = model();
    const h1 = await inMemory.fit(prep.apply(Dataset.fromTyped(values, N, [F])), fitOpts);
    const streamed = model();
    const h2 = await streamed.fit(new StreamedData(npy, prep, { buffer: 1000 }), fitOpts);
    assert.deepEqual(h2.loss, h1.loss);
    assert.deepEqual(weights(streamed), weights(inMemory));
    await npy.close();
  });

  test('with a small buffer: every sample once per epoch, windows of whole batches, one read at a time, reproducible', async () => {
    const npy = await openNpyStream(join(dir, 'x.npy'));
    const reads: [number, number][] = [];
    let inFlight = 0, maxInFlight = 0;
    const counted: SampleStream = {
      ...npy,
      async read(s, e) {
        reads.push([s, e]);
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        try { return await npy.read(s, e); } finally { inFlight--; }
      },
    };
    const data = new StreamedData(counted, null, { buffer: 70 }); // windows of 64 = 2 batches of 32
    const seen = new Float64Array(N);
    for await (const { data: win, idx } of epochBatches(data, 32, new Rng(9))) {
      const x = win.gather(idx);
      // identify each sample by its first value (all distinct here)
      for (let k = 0; k < idx.length; k++) seen[values.findIndex((v, i) => i % F === 0 && v === x[k * F]) / F]++;
    }
    assert.ok(seen.every((c) => c === 1), 'each sample exactly once');
    // Memory stays flat: every window of the epoch lives in one of two buffers, reused (a 6 GB epoch allocates no more).
    const buffers = new Set<ArrayBufferLike>();
    for await (const { data: win } of epochBatches(new StreamedData(npy, null, { buffer: 70 }), 32, new Rng(9))) buffers.add(win.values.buffer);
    assert.equal(buffers.size, 2);
    assert.deepEqual(reads.map(([s, e]) => e - s).sort((a, b) => a - b), [44, 64, 64, 64, 64]);
    assert.ok(maxInFlight <= 1 && reads.length === 5);
    const a = model(), b = model();
    const prep = await fitStreamPreprocessing(npy, 'standardize', F);
    await a.fit(new StreamedData(npy, prep, { buffer: 70 }), fitOpts);
    await b.fit(new StreamedData(npy, prep, { buffer: 70 }), fitOpts);
    assert.deepEqual(weights(a), weights(b));
    await npy.close();
  });
});
