/**
 * What test/browser/pool.test.ts runs inside Chromium, bundled by esbuild for the browser together with the
 * package's browser entry (src/browser.ts, which must bundle without any Node built-in). `runChecks` runs in a
 * Web Worker or on a page's main thread and returns plain JSON for the Node side to assert on: the browser
 * has no test runner, so every comparison is made here and reported as numbers, never judged here.
 */
import * as aekit from '../../src/browser.js';
import { valueAndGrad } from '../../src/autograd/backward.js';
import { threadsUnsupportedReason } from '../../src/kernels/threads/pool.js';
import { createWasmBackend, type WasmBackend } from '../../src/kernels/wasm/backend.js';
import { outputLoss } from '../../src/losses/fused.js';

/** The data layer in the browser: what aekit/browser's parsers read from bytes and text a page was given. */
export interface DataReport {
  /** A CSV text with an id and a class-name column: features, labels, ids, class names. */
  csv: { values: number[]; labels: number[]; ids: string[]; classNames: string[] | null };
  /** The served .npy fixture (written by NumPy), and the xy_compressed.npz fixture's arrays. */
  npy: { shape: number[]; values: number[] };
  npz: { names: string[]; yValues: number[] };
  /** The served Parquet fixture (written by arrow-rs; zstd): rows and the f64 column's first values. */
  parquet: { rows: number; names: string[]; f64: (number | string | null)[] };
  /** A 2x2 RGBA ImageData made grey, then scaled to [0, 1] by the 'scale' preprocessing. */
  image: number[];
  /** A model file made and read back in the page: its data info, preprocessing and per-sample errors. */
  modelFile: { columns: unknown; shift: number[]; errors: number[]; again: number[] };
}

export interface CheckReport {
  where: string;
  data?: DataReport;
  crossOriginIsolated: boolean | null;
  hardwareConcurrency: number;
  /** The backend the browser entry chose by itself at import (useBackend() with no arguments). */
  auto: { name: string; threads: number };
  wasmAvailable: boolean;
  threadsUnsupported: string | null;
  /** Present only where the wasm backend and threads can run. */
  pool?: {
    ready: boolean;
    threads: number;
    /** GEMMs over every transpose combination: elements whose bits differ between 1 and 2 threads. */
    gemmBitDiffs: number;
    /**
     * Largest |wasm - ref| / tol over the same GEMMs, with test/kernels/fast-kernels.ts's stated bound
     * tol = (k + 2) 2^-24 sum_k |a||b| (ref: the reference kernels); at most 1 passes.
     */
    gemmErrOverTol: number;
    /** Conv autoencoder steps: parameter elements whose bits differ between 1 and 2 threads. */
    convBitDiffs: number;
    convLoss: number;
    /** fit() of a dense autoencoder for 2 epochs: the per-epoch losses on 1 and 2 threads, and on ref. */
    fitLoss1: number[];
    fitLoss2: number[];
    fitLossRef: number[];
    /** Jobs split across the workers during all of the above (GEMMs and convolution/pooling jobs). */
    parallelCalls: number;
    /** A pool started from `workerUrl` (the built worker file) instead of the Blob: ready, split, bit-identical. */
    fromUrl: { ready: boolean; parallelCalls: number; gemmBitDiffs: number };
  };
}

const GEMM_SHAPES: [number, number, number][] = [[256, 256, 784], [257, 129, 300], [33, 1024, 513]];

function fill(a: Float32Array, seed: number): void {
  const rng = new aekit.Rng(seed);
  for (let i = 0; i < a.length; i++) a[i] = rng.uniform(-1, 1);
}

function bitDiffs(x: Float32Array, y: Float32Array): number {
  let n = x.length === y.length ? 0 : Math.max(x.length, y.length);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (!Object.is(x[i], y[i])) n++;
  return n;
}

function gemms(one: WasmBackend, two: WasmBackend): { bits: number; errOverTol: number } {
  const ref = aekit.getBackend('ref');
  let bits = 0, errOverTol = 0;
  for (const [m, n, k] of GEMM_SHAPES) {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const run = (b: aekit.Backend, abs: boolean): Float32Array => {
        const a = b.alloc('float32', m * k) as Float32Array, bb = b.alloc('float32', k * n) as Float32Array;
        fill(a, m + n + k);
        fill(bb, m * n * k);
        if (abs) [a, bb].forEach((x) => x.forEach((v, i) => (x[i] = Math.abs(v))));
        const c = b.alloc('float32', m * n) as Float32Array;
        c.fill(NaN); // every element must be written by some thread
        b.kernels.matmul!(a, bb, c, m, n, k, ta, tb);
        return c;
      };
      const [c1, c2, cRef, absProd] = [run(one, false), run(two, false), run(ref, false), run(ref, true)];
      bits += bitDiffs(c1, c2);
      for (let i = 0; i < cRef.length; i++) {
        errOverTol = Math.max(errOverTol, Math.abs(c2[i] - cRef[i]) / ((k + 2) * 2 ** -24 * absProd[i] + 1e-30));
      }
    }
  }
  return { bits, errOverTol };
}

/** Five Adam steps of the Keras blog conv autoencoder on 32 sparse images (convolution and pooling jobs). */
function convSteps(b: WasmBackend): { loss: number; weights: Float32Array[] } {
  const model = aekit.ConvAutoencoder.preset('keras-blog', { seed: 5 }, { backend: b });
  const opt = new aekit.Adam(model, { lr: 2e-3 });
  const rng = new aekit.Rng(6);
  const x = new aekit.Tensor(b.alloc('float32', 32 * 784), [32, 28, 28, 1], { backend: b });
  for (let i = 0; i < x.size; i++) x.data[i] = rng.uniform() < 0.8 ? 0 : rng.uniform(0, 1);
  const params = model.parameters();
  let loss = NaN;
  for (let s = 0; s < 5; s++) {
    const { value, grads } = valueAndGrad(() => outputLoss(model, x, x, 'bce'), params);
    opt.step(grads);
    loss = value.item();
  }
  return { loss, weights: params.map((p) => Float32Array.from(p.toTypedArray() as Float32Array)) };
}

/** The library's own training loop on `backend`: a 256-128-32 autoencoder, 512 seeded samples, 2 epochs. */
async function fitLosses(backend: string): Promise<number[]> {
  aekit.setBackend(backend);
  const rng = new aekit.Rng(11);
  const x = Float32Array.from({ length: 512 * 256 }, (_, i) => (Math.sin(i * 0.37) + 1) / 2 * rng.uniform(0.5, 1));
  const model = new aekit.Autoencoder({ inputDim: 256, hidden: [128], latentDim: 32, seed: 4 });
  const h = await aekit.fit(model, aekit.tensor(x, [512, 256]), { epochs: 2, batchSize: 128, seed: 8, optimizer: 'adam', lr: 1e-3 });
  return h.loss;
}

export const CHECK_CSV = 'id,a,b,kind\nx1,1.5,2,cat\nx2,3,,dog\nx3,4.25,8,cat\n';

async function dataChecks(): Promise<DataReport> {
  const bytes = async (name: string): Promise<Uint8Array> => new Uint8Array(await (await fetch(name)).arrayBuffer());
  const csv = aekit.tableSamples(aekit.parseCsvTable(CHECK_CSV, {}, 'check.csv'), { id: 'id', label: 'kind', missing: 'mean' });
  const prep = aekit.Preprocessing.fit(csv.samples, 'none', 2);
  const npy = aekit.parseNpy(await bytes('./float32.npy'), 'float32.npy');
  const npz = aekit.parseNpz(await bytes('./xy_compressed.npz'), 'xy_compressed.npz');
  const table = await aekit.readParquetTable(await bytes('./types-zstd.parquet'), 'types-zstd.parquet');
  const img = aekit.fromImageData({ width: 2, height: 2, data: Uint8ClampedArray.of(255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 10, 20, 30, 0) }, 1);
  const image = aekit.Preprocessing.scaleBy(255).transform(img.data);
  const modelFile = roundTrip(csv);
  return {
    csv: { values: Array.from(prep.transform(csv.samples.values)), labels: Array.from(csv.samples.labels!), ids: [...csv.samples.ids!], classNames: csv.info.classNames },
    npy: { shape: npy.shape, values: Array.from(npy.data) },
    npz: { names: Object.keys(npz).sort(), yValues: Array.from(npz.y.data) },
    parquet: { rows: table.rowCount, names: [...table.names], f64: Array.from(table.cells(table.names.indexOf('f64'))).slice(0, 5) },
    image: Array.from(image),
    modelFile,
  };
}

/** A model with its data info and standardization, saved to bytes and loaded back (the playground's path). */
export function roundTrip(csv: aekit.DataSource): DataReport['modelFile'] {
  const prep = aekit.Preprocessing.fit(csv.samples, 'standardize', 2);
  const model = new aekit.Autoencoder({ inputDim: 2, latentDim: 1, outputActivation: 'linear', seed: 3 });
  const input = prep.apply(csv.samples);
  const bytes = aekit.encodeModel(model, undefined, { data: csv.info, preprocessing: prep });
  const back = aekit.decodeAutoencoderModel(bytes, 'page.safetensors');
  return {
    columns: back.data!.columns, shift: Array.from(back.preprocessing!.shift),
    errors: Array.from(model.reconstructionError(input, { reduce: 'perSample' })),
    again: Array.from(back.model.reconstructionError(back.preprocessing!.apply(csv.samples), { reduce: 'perSample' })),
  };
}

export async function runChecks(where: string, workerUrl: string): Promise<CheckReport> {
  const g = globalThis as unknown as { crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number }; location: string };
  const auto = aekit.getBackend();
  const report: CheckReport = {
    where,
    data: await dataChecks(),
    crossOriginIsolated: g.crossOriginIsolated ?? null,
    hardwareConcurrency: g.navigator?.hardwareConcurrency ?? 0,
    auto: { name: auto.name, threads: auto.threads },
    wasmAvailable: aekit.wasmAvailable(),
    threadsUnsupported: threadsUnsupportedReason(),
  };
  if (!report.wasmAvailable || report.threadsUnsupported) return report;
  const one = createWasmBackend({ threads: 1, name: 'check-wasm1' });
  const two = createWasmBackend({ threads: 2, name: 'check-wasm2' });
  aekit.registerBackend(one);
  aekit.registerBackend(two);
  const ready = await two.whenReady();
  const { bits, errOverTol } = gemms(one, two);
  const c1 = convSteps(one), c2 = convSteps(two);
  let convBitDiffs = 0;
  c1.weights.forEach((w, i) => (convBitDiffs += bitDiffs(w, c2.weights[i])));
  const fitLoss1 = await fitLosses(one.name);
  const fitLoss2 = await fitLosses(two.name);
  const fitLossRef = await fitLosses('ref');
  const viaUrl = createWasmBackend({ threads: 2, name: 'check-wasm2-url', workerUrl: new URL(workerUrl, g.location) });
  const urlReady = await viaUrl.whenReady();
  const fromUrl = { ready: urlReady, parallelCalls: 0, gemmBitDiffs: gemms(one, viaUrl).bits };
  fromUrl.parallelCalls = viaUrl.pool?.parallelCalls ?? 0;
  viaUrl.close();
  report.pool = {
    fromUrl, ready, threads: two.threads, gemmBitDiffs: bits, gemmErrOverTol: errOverTol, convBitDiffs, convLoss: c2.loss,
    fitLoss1, fitLoss2, fitLossRef, parallelCalls: two.pool?.parallelCalls ?? 0,
  };
  two.close();
  return report;
}
