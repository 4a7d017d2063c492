/**
 * The worker's data: a built-in subset fetched and gunzipped, or files the user dropped (files.ts), made into
 * what training needs: train and test Datasets in the model's units, the DataInfo and Preprocessing the CLI
 * would have written (so a downloaded model file is read by `aekit eval` like one of its own), and the test
 * samples for display. Nothing leaves the browser: dropped files are read from memory.
 */
import { type DataInfo, Dataset, Preprocessing } from '../../src/browser.js';
import { readFiles } from './files.js';
import type { DataSource, DataSummary } from './protocol.js';
import { decodeSubset } from './subset-format.js';

export interface LoadedData {
  info: DataInfo;
  preprocessing: Preprocessing;
  /** Model units (after preprocessing). */
  train: Dataset;
  test: Dataset;
  summary: DataSummary;
  /**
   * How `aekit` reopens this data without --data (the model file's training.dataRequest, read by
   * cli/model-data.ts): the built-in set and its training limit, or the dropped file's name and split.
   */
  dataRequest?: { spec: string; limit?: number; validationSplit?: number; seed?: number };
}

async function gunzip(bytes: ArrayBuffer): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function builtin(name: string, url: string): Promise<LoadedData> {
  const t0 = performance.now();
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not fetch the ${name} subset from ${url}: HTTP ${res.status}`);
  const packed = await res.arrayBuffer();
  const s = decodeSubset(await gunzip(packed), url);
  const h = s.header;
  const shape = [h.height, h.width, h.channels];
  const info: DataInfo = {
    kind: 'image', sampleShape: shape, source: h.name, featureNames: null, classNames: h.classNames,
    valueRange: [0, 255], columns: null, window: null,
  };
  // As the CLI does for 8-bit images: 'scale' by 255, into [0, 1].
  const preprocessing = Preprocessing.scaleBy(255);
  const train = preprocessing.apply(Dataset.fromTyped(s.trainPixels, h.train, shape, { labels: s.trainLabels }));
  const test = preprocessing.apply(Dataset.fromTyped(s.testPixels, h.test, shape, { labels: s.testLabels }));
  return {
    info, preprocessing, train, test, dataRequest: { spec: h.name, limit: h.train },
    summary: {
      title: `${h.title} (subset: ${h.train} train + ${h.test} test images)`, kind: 'images', sampleShape: shape,
      trainCount: h.train, testCount: h.test, classNames: h.classNames, bytes: packed.byteLength,
      loadMs: performance.now() - t0, testImages: test.toFloat32(), testLabels: Int32Array.from(s.testLabels), notes: [],
    },
  };
}

/**
 * The other built-in set's test images (MNIST for Fashion-MNIST and back), in [0, 1]: the anomaly panel's
 * anomalies for a model trained on one of them. Fetched on first use.
 */
export function otherSubset(source: { name: string; url: string }): () => Promise<{ samples: Float32Array; count: number; title: string }> {
  const other = source.name === 'mnist' ? 'fashion-mnist' : 'mnist';
  const url = source.url.replace(/[^/]*\.bin$/, `${other}.bin`);
  return async () => {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`could not fetch the ${other} subset from ${url}: HTTP ${res.status}`);
    const s = decodeSubset(await gunzip(await res.arrayBuffer()), url);
    return { samples: Float32Array.from(s.testPixels, (v) => v / 255), count: s.header.test, title: s.header.title };
  };
}

export async function loadData(source: DataSource): Promise<LoadedData> {
  if (source.kind === 'builtin') return builtin(source.name, source.url);
  const t0 = performance.now();
  const d = await readFiles(source.files, source.options);
  d.summary.loadMs = performance.now() - t0;
  return d;
}
