/**
 * The autoencoder-versus-PCA experiment (MISSION §5, seeds 001 and 004): for each code size k, fit PCA with k
 * components and train an autoencoder with a k-wide code on the same training data, then measure both on the
 * same TEST data. Reported per k: mean squared error per value (what `Autoencoder.reconstructionError` and
 * the training loss report) and the summed squared error per sample (MSE * d, the unit of Hinton &
 * Salakhutdinov 2006, who compare a 784-1000-500-250-30 autoencoder with 30-component PCA on MNIST).
 *
 * The default autoencoder is inputDim -> [256] -> k with ReLU hidden layers, a LINEAR code layer (codes, like
 * PCA's, are unbounded; a ReLU code would lose units to dying and a sigmoid code would squash them), a sigmoid
 * output (MNIST pixels lie in [0, 1]), MSE loss (the quantity compared), Adam lr 1e-3, batch 128, 10 epochs,
 * seed 0. PCA is fitted once with max(codes) components and truncated: PCA subspaces are nested.
 */
import type { Dataset } from '../data/dataset.js';
import type { ActivationName } from '../nn/activations.js';
import { Autoencoder } from '../models/autoencoder.js';
import type { OptimizerName } from '../optim/index.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Callback } from '../train/callbacks.js';
import { lineChartSvg } from '../viz/chart.js';
import { svgToPng } from '../viz/svg-png.js';
import { PCA } from './pca.js';

export type CompareInput = Dataset | Tensor | number[][];

export interface AutoencoderSetup {
  hidden: number[];
  activation: ActivationName;
  latentActivation: ActivationName;
  outputActivation: ActivationName;
  optimizer: OptimizerName;
  lr: number;
  batchSize: number;
  epochs: number;
  seed: number;
}

export const DEFAULT_SETUP: AutoencoderSetup = {
  hidden: [256], activation: 'relu', latentActivation: 'linear', outputActivation: 'sigmoid',
  optimizer: 'adam', lr: 1e-3, batchSize: 128, epochs: 10, seed: 0,
};

/**
 * Hinton & Salakhutdinov's MNIST architecture, 784-1000-500-250-30 (mirrored), trained here from a random
 * start with backprop and Adam: no RBM pretraining, which Adam and ReLU make unnecessary for this depth.
 */
export const DEEP_SETUP: AutoencoderSetup = { ...DEFAULT_SETUP, hidden: [1000, 500, 250] };
export const DEEP_CODE = 30;

export interface ComparePcaOptions extends Partial<AutoencoderSetup> {
  train: CompareInput;
  test: CompareInput;
  /** Code sizes, each a positive integer <= the data dimension. */
  codes: number[];
  /** Extra callbacks for each autoencoder's training (progress bars). */
  callbacks?: (code: number) => Callback[];
  /** Called as each row is finished (the experiment can take minutes). */
  onRow?: (row: ComparePcaRow) => void;
  /** Aborting stops the autoencoder in training; its row is still reported, and no further code runs. */
  signal?: AbortSignal;
}

export interface ComparePcaRow {
  code: number;
  /** Test MSE per value. */
  pcaMse: number;
  aeMse: number;
  /** Test squared error summed over a sample's values, averaged over samples (MSE * d). */
  pcaSse: number;
  aeSse: number;
  /** Fraction of the training variance the k components explain. */
  pcaExplainedVariance: number;
  aeEpochs: number;
  aeFinalTrainLoss: number;
  aeSeconds: number;
  aeStopReason: string | null;
}

export interface ComparePcaResult {
  rows: ComparePcaRow[];
  dim: number;
  trainSamples: number;
  testSamples: number;
  pcaSeconds: number;
  setup: AutoencoderSetup;
  /** 'aborted' when the signal fired; null when every code ran. */
  stopReason: string | null;
}

function count(x: CompareInput): { n: number; d: number } {
  if (Array.isArray(x)) return { n: x.length, d: x.length ? x[0].length : 0 };
  if ('sampleSize' in x) return { n: x.length, d: x.sampleSize };
  return { n: x.shape[0], d: x.size / Math.max(1, x.shape[0]) };
}

export async function comparePca(opts: ComparePcaOptions): Promise<ComparePcaResult> {
  const setup: AutoencoderSetup = { ...DEFAULT_SETUP };
  for (const key of Object.keys(DEFAULT_SETUP) as (keyof AutoencoderSetup)[]) {
    if (opts[key] !== undefined) (setup as unknown as Record<string, unknown>)[key] = opts[key];
  }
  const train = count(opts.train), test = count(opts.test);
  if (train.d !== test.d) throw new Error(`comparePca: training samples have ${train.d} values but test samples have ${test.d}`);
  if (!Array.isArray(opts.codes) || opts.codes.length === 0) throw new Error('comparePca: codes must be a non-empty list of code sizes');
  for (const k of opts.codes) {
    if (!Number.isSafeInteger(k) || k <= 0) throw new Error(`comparePca: code sizes must be positive integers, got ${k}`);
    if (k > train.d) throw new Error(`comparePca: code size ${k} is larger than the data dimension ${train.d}`);
  }
  const codes = [...new Set(opts.codes)].sort((a, b) => a - b);

  const t0 = performance.now();
  const full = new PCA().fit(opts.train, { components: codes[codes.length - 1] });
  const pcaSeconds = (performance.now() - t0) / 1000;
  const ratios = full.explainedVarianceRatio;

  const rows: ComparePcaRow[] = [];
  let stopReason: string | null = null;
  for (const k of codes) {
    if (opts.signal?.aborted) { stopReason = 'aborted'; break; }
    const pcaMse = full.truncate(k).reconstructionError(opts.test);
    const ae = new Autoencoder({
      inputDim: train.d, hidden: setup.hidden, latentDim: k, activation: setup.activation,
      latentActivation: setup.latentActivation, outputActivation: setup.outputActivation, seed: setup.seed,
    });
    const history = await ae.fit(opts.train, {
      epochs: setup.epochs, batchSize: setup.batchSize, optimizer: setup.optimizer, lr: setup.lr, loss: 'mse',
      seed: setup.seed, signal: opts.signal, callbacks: opts.callbacks?.(k) ?? [],
    });
    const aeMse = ae.reconstructionError(opts.test);
    const row: ComparePcaRow = {
      code: k, pcaMse, aeMse, pcaSse: pcaMse * train.d, aeSse: aeMse * train.d,
      pcaExplainedVariance: ratios.subarray(0, k).reduce((a, b) => a + b, 0),
      aeEpochs: history.epoch.length, aeFinalTrainLoss: history.loss.at(-1) ?? NaN, aeSeconds: history.seconds,
      aeStopReason: history.stopReason,
    };
    rows.push(row);
    opts.onRow?.(row);
    if (history.stopReason === 'aborted') { stopReason = 'aborted'; break; }
  }
  return { rows, dim: train.d, trainSamples: train.n, testSamples: test.n, pcaSeconds, setup, stopReason };
}

/** "784-256-k-256-784" for a code size. */
export function architecture(dim: number, setup: Pick<AutoencoderSetup, 'hidden'>, code: number | string = 'k'): string {
  const enc = [dim, ...setup.hidden, code];
  return [...enc, ...enc.slice(0, -1).reverse()].join('-');
}

const fmt = (v: number): string => (Number.isFinite(v) ? v.toPrecision(5) : String(v));

/** The rows as a Markdown table (for people) or CSV (for tools; full precision). */
export function comparePcaTable(result: ComparePcaResult, format: 'markdown' | 'csv'): string {
  if (format === 'csv') {
    const head = 'code,pca_mse,ae_mse,pca_sse_per_sample,ae_sse_per_sample,pca_explained_variance,ae_epochs';
    const body = result.rows.map((r) => [r.code, r.pcaMse, r.aeMse, r.pcaSse, r.aeSse, r.pcaExplainedVariance, r.aeEpochs].join(','));
    return `${[head, ...body].join('\n')}\n`;
  }
  const lines = [
    `Test reconstruction error, ${result.testSamples} test samples; PCA and autoencoders (${architecture(result.dim, result.setup)}) fitted on ${result.trainSamples} training samples.`,
    '',
    '| code | PCA MSE | AE MSE | AE / PCA | PCA SSE per sample | AE SSE per sample | PCA variance explained |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...result.rows.map((r) =>
      `| ${r.code} | ${fmt(r.pcaMse)} | ${fmt(r.aeMse)} | ${(r.aeMse / r.pcaMse).toFixed(3)} | ${fmt(r.pcaSse)} | ${fmt(r.aeSse)} | ${(100 * r.pcaExplainedVariance).toFixed(1)} % |`),
  ];
  return `${lines.join('\n')}\n`;
}

/** Test MSE against code size, one line for PCA and one for the autoencoder: SVG and PNG. */
export async function comparePcaChart(result: ComparePcaResult, opts: { title?: string; logY?: boolean } = {}): Promise<{ svg: string; png: Uint8Array }> {
  const x = result.rows.map((r) => r.code);
  const svg = await lineChartSvg({
    title: opts.title ?? `Test reconstruction MSE: PCA vs autoencoder (${architecture(result.dim, result.setup)})`,
    xLabel: 'code size k',
    yLabel: 'test MSE per value',
    logY: opts.logY ?? true,
    series: [
      { name: 'PCA', x, y: result.rows.map((r) => r.pcaMse) },
      { name: 'autoencoder', x, y: result.rows.map((r) => r.aeMse) },
    ],
  });
  return { svg, png: svgToPng(svg) };
}
