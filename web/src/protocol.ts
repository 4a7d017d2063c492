/**
 * Messages between the page (main.ts) and the training worker (worker.ts). Training and every model query run
 * in the worker, on the wasm thread pool; the page only draws. Images travel as Float32Array in the data's own
 * units, one sample after another ([n, ...sampleShape]); for images in [0, 1], 0 is black.
 */
import type { DatasetName, RunConfig } from './config.js';

/** How a dropped file is read (see data.ts): the same choices as the CLI's data flags. */
export interface FileOptions {
  /** CSV/Parquet: the label column's name (none: no labels). */
  label?: string;
  /** Image files: resize to this square side (default: the first image's size, all must match). */
  imageSide?: number;
}

export type DataSource =
  | { kind: 'builtin'; name: Exclude<DatasetName, 'file'>; url: string }
  | { kind: 'files'; files: { name: string; bytes: ArrayBuffer }[]; options: FileOptions };

/** What the worker knows about the data once loaded. */
export interface DataSummary {
  /** 'MNIST (subset)', the file's name... */
  title: string;
  kind: 'images' | 'table';
  /** One sample: [h, w, c] for images, [features] for tables. */
  sampleShape: number[];
  trainCount: number;
  testCount: number;
  /** Class names by label index, or null without labels. */
  classNames: string[] | null;
  /** Compressed bytes fetched (built-in sets) or the files' total size. */
  bytes: number;
  loadMs: number;
  /** The test samples for the page to show (hover, draw panel references), in [0, 1] for images. */
  testImages: Float32Array;
  /** Their labels (-1 when none). */
  testLabels: Int32Array;
  /** Anything the user should know (columns dropped, images resized...). */
  notes: string[];
}

export type PageToWorker =
  | { type: 'data'; source: DataSource }
  | { type: 'build'; config: RunConfig }
  | { type: 'play' }
  | { type: 'pause' }
  | { type: 'step' }
  | { type: 'query'; id: number; query: Query };

export type Query =
  /** The test codes in a plane: the code itself when 2-D, else its first two principal components. */
  | { q: 'codes' }
  /** Decodes a point of that plane (the remaining principal components at the codes' mean). */
  | { q: 'decodePoint'; x: number; y: number }
  /** Decodes a whole code vector (sliders for small codes). */
  | { q: 'decodeCode'; code: number[] }
  /** `steps` decodings along the line between the codes of test samples a and b. */
  | { q: 'interpolate'; a: number; b: number; steps: number }
  /** VAE: the decoded grid over the first two latent dims at equal-probability steps. */
  | { q: 'manifold'; side: number }
  /** Reconstruction, per-pixel squared error and anomaly score of one sample (e.g. a drawing). */
  | { q: 'score'; sample: Float32Array }
  /** Noise added to test sample `index` (Gaussian, std `noise`, clipped to [0, 1]), then reconstructed. */
  | { q: 'denoise'; index: number; noise: number; seed: number }
  /** Scores of the normal test samples and of the anomalies (see worker.ts). */
  | { q: 'anomaly' }
  /** The model file, as `aekit train` writes it. */
  | { q: 'export' }
  /** Replace the model with one from a model file (the CLI's or the page's). */
  | { q: 'import'; bytes: ArrayBuffer };

export interface CodesAnswer {
  /** [n, 2] plane coordinates of the test samples. */
  xy: Float32Array;
  labels: Int32Array;
  codeSize: number;
  /** 'code' when the code is 2-D, else 'pca'. */
  projection: 'code' | 'pca';
  /** Per code dimension: min and max over the test codes (slider ranges). */
  range: [number, number][];
}

export interface ScoreAnswer {
  output: Float32Array;
  /** Squared error per value. */
  errorMap: Float32Array;
  /** Mean squared error of the sample: its anomaly score. */
  score: number;
  threshold: number;
  /** Fraction of test samples scoring below this one. */
  percentile: number;
}

export interface DenoiseAnswer {
  clean: Float32Array;
  noisy: Float32Array;
  output: Float32Array;
  psnrNoisy: number;
  psnrOutput: number;
}

export interface AnomalyAnswer {
  normal: Float32Array;
  anomalous: Float32Array;
  /** What the anomalies are, in words. */
  anomalies: string;
  /** The default threshold: the 99th percentile of the training samples' scores. */
  threshold: number;
}

export interface ModelSummary {
  architecture: string;
  parameters: number;
  codeShape: number[];
  /** The model is a VAE (the manifold grid applies). */
  variational: boolean;
}

export type WorkerToPage =
  | { type: 'ready'; backend: string; threads: number; isolated: boolean; note: string | null }
  | { type: 'data'; summary: DataSummary }
  /** config: what the page asked for (null: an imported model); notes: what was adapted to the data (model-build.ts). */
  | { type: 'built'; model: ModelSummary; config: RunConfig | null; notes: string[] }
  | { type: 'progress'; epoch: number; batch: number; batchesPerEpoch: number; step: number;
      /** Batch losses since the last message, with their global step numbers. */
      steps: number[]; losses: number[];
      samplesPerSec: number; running: boolean }
  | { type: 'validation'; step: number; loss: number }
  | { type: 'epoch'; epoch: number; loss: number; valLoss: number | null; seconds: number }
  /** Test samples and their current reconstructions, for the live grid. */
  | { type: 'preview'; inputs: Float32Array; outputs: Float32Array; count: number }
  | { type: 'state'; running: boolean; finished: boolean }
  | { type: 'answer'; id: number; result: unknown }
  | { type: 'error'; id: number | null; message: string };
