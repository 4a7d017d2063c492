/**
 * The sections of `aekit report` (cli/report.ts), one function each, every one working from the model's
 * AutoencoderModel interface and its data description: nothing here asks which class a model is.
 */
import { basename } from 'node:path';
import {
  bce, type Dataset, describeData, encodePng, latentProjection, latentScatter, lineChartSvg, lossChart, noGrad, type NoiseSpec, psnr, reshape,
  svgToPng, tensor,
} from '../src/index.js';
import { shapeSize } from '../src/models/model.js';
import type { ReportBlock, ReportSection } from '../src/viz/report.js';
import { count, denoiseFigure, denoiseSamples, resolveNoise, unitScale } from './denoise.js';
import { dataFigure } from './figures.js';
import type { ModelBundle, ModelData } from './model-data.js';
import { noiseLabel } from './noise-arg.js';
import { reconstructAll } from './samples.js';

/** The scatter and the PSNR-per-noise-level chart look at this many samples at most (the numbers at all). */
export const SCATTER_LIMIT = 2000;
const CURVE_LIMIT = 1000;
/** A table's per-feature rows beyond this are cut to the worst ones (the figure shows the 30 worst anyway). */
const FEATURE_ROWS = 60;

/** A number with 6 significant digits (integers as they are), for tables. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x)) return String(x);
  return String(Number(x.toPrecision(6)));
}

/** Any JSON value as one table cell: numbers formatted, long number arrays summarised, objects as JSON. */
function show(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'number') return fmt(v);
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v) && v.length > 6 && v.every((e) => typeof e === 'number')) {
    return `${v.length} values: ${v.slice(0, 3).map(fmt).join(', ')}, ..., ${fmt(v[v.length - 1] as number)}`;
  }
  const json = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' ? Number(fmt(x)) : x));
  return json.length > 400 ? `${json.slice(0, 400)}...` : json;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Rows of an object, nested objects flattened one level ('optimizer.lr'). */
function rowsOf(o: Record<string, unknown>, skip: readonly string[] = []): [string, string][] {
  const rows: [string, string][] = [];
  for (const [k, v] of Object.entries(o)) {
    if (skip.includes(k)) continue;
    if (isObject(v)) {
      const entries = Object.entries(v);
      if (entries.length === 0) rows.push([k, '{}']);
      for (const [k2, v2] of entries) rows.push([`${k}.${k2}`, show(v2)]);
    } else if (Array.isArray(v) && v.length > 0 && v.every(isObject)) {
      v.forEach((e, i) => rows.push([`${k}[${i}]`, show(e)])); // e.g. the stages of a stacked autoencoder, one row each
    } else rows.push([k, show(v)]);
  }
  return rows;
}

/** "a, b, c" for up to `max` names, then how many more. */
function nameList(names: readonly string[], max = 40): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

const isNumberArray = (v: unknown): v is number[] => Array.isArray(v) && v.length > 0 && v.every((e) => typeof e === 'number');

export function modelSection(b: ModelBundle): ReportSection {
  const m = b.model;
  const noise = m.trainingNoise;
  return {
    title: 'Model',
    blocks: [
      {
        type: 'keyValue',
        rows: [
          ['kind', b.header.kind], ['file', b.path], ['layers', m.architecture()], ['parameters', String(m.parameterCount())],
          ['input shape', m.inputShape.join('x')], ['code shape', m.codeShape.join('x')], ['output activation', m.outputActivation],
          ['training noise', noise ? noiseLabel(noise) : 'none'],
        ],
      },
      { type: 'keyValue', rows: rowsOf(b.header.config), caption: 'Configuration (from the model file)' },
    ],
  };
}

/** One row per feature (or channel) of the preprocessing: what is subtracted, what it is divided by. */
function preprocessingTable(b: ModelBundle): ReportBlock | null {
  const p = b.preprocessing;
  if (p.isIdentity) return null;
  const names = b.info.kind === 'image'
    ? (p.period === 1 ? ['all pixels'] : Array.from({ length: p.period }, (_, j) => `channel ${j}`))
    : Array.from({ length: p.period }, (_, j) => b.info.featureNames?.[j] ?? `feature ${j}`);
  const rows = names.map((name, j) => [name, fmt(p.shift[j]), fmt(p.scale[j]), p.fill ? fmt(p.fill[j]) : '-']);
  return { type: 'table', header: ['', 'shift', 'scale', 'missing cells filled with'], rows, caption: `Preprocessing ${p.method}: model input = (value - shift) / scale, fitted on the training split` };
}

export function dataSection(b: ModelBundle, md: ModelData, input: Dataset): ReportSection {
  const info = b.info;
  const rows: [string, string][] = [
    ['source', info.source], ['kind', `${info.kind}: ${describeData(info)}`], ['sample shape', info.sampleShape.join('x')],
  ];
  if (info.valueRange) rows.push(['value range', `${info.valueRange[0]} to ${info.valueRange[1]}`]);
  if (info.featureNames) rows.push([`features (${info.featureNames.length})`, nameList(info.featureNames)]);
  if (info.classNames) rows.push([`classes (${info.classNames.length})`, nameList(info.classNames)]);
  if (info.columns) rows.push(['label column', info.columns.label ?? '-'], ['id column', info.columns.id ?? '-']);
  if (info.window) rows.push(['window', `${info.window.size} rows every ${info.window.stride}`]);
  rows.push(['preprocessing', b.preprocessing.method]);
  const blocks: ReportBlock[] = [{ type: 'keyValue', rows, caption: 'The data the model was trained on (from the model file)' }];
  if (!b.header.data) blocks.push({ type: 'note', text: 'The model file holds no data description (it predates them): read as the MNIST images its input shape fits.' });
  const prep = preprocessingTable(b);
  if (prep) blocks.push(prep);
  const measured: [string, string][] = [
    ['data', md.spec], ['evaluation samples', `${input.length} (${md.test ? md.testSource ?? 'the test split' : 'all samples: no test split'})`],
    ['training samples read', String(md.train.length)],
  ];
  if (md.info.classNames) measured.push(['classes', nameList(md.info.classNames)]);
  blocks.push({ type: 'keyValue', rows: measured, caption: 'The data measured in this report' });
  for (const note of md.notes) blocks.push({ type: 'note', text: note });
  return { title: 'Data', blocks };
}

export async function trainingSection(training: Record<string, unknown> | undefined): Promise<ReportSection> {
  if (!training) {
    return { title: 'Training', blocks: [{ type: 'note', text: 'The model file holds no training summary (it was not saved by aekit train).' }] };
  }
  const blocks: ReportBlock[] = [];
  const trainLoss = isNumberArray(training.trainLoss) ? training.trainLoss : undefined;
  const valLoss = isNumberArray(training.valLoss) ? training.valLoss : undefined;
  // `aekit train` keeps its run settings under config.training (config.model is the Configuration above).
  const config = isObject(training.config) && isObject(training.config.training) ? training.config.training : null;
  const rows = [...(config ? rowsOf(config) : []), ...rowsOf(training, ['trainLoss', 'valLoss', 'metrics', ...(config ? ['config'] : [])])];
  if (trainLoss) rows.push([`final train loss (epoch ${trainLoss.length})`, fmt(trainLoss[trainLoss.length - 1])]);
  if (valLoss) rows.push([`final validation loss (epoch ${valLoss.length})`, fmt(valLoss[valLoss.length - 1])]);
  blocks.push({ type: 'keyValue', rows, caption: 'Training summary (from the model file)' });
  if (trainLoss) {
    const epoch = trainLoss.map((_, i) => i + 1);
    const chart = await lossChart({ epoch, trainLoss, valLoss: valLoss?.length === trainLoss.length ? valLoss : undefined }, { pngWidth: 800 });
    blocks.push({ type: 'image', png: chart.png, alt: 'training and validation loss per epoch', caption: 'Loss per epoch, as recorded during training.', width: 640 });
  }
  const metrics = training.metrics;
  if (isObject(metrics) && Object.keys(metrics).length > 0) {
    blocks.push({ type: 'keyValue', rows: rowsOf(metrics), caption: 'Metrics recorded at the end of training' });
  }
  return { title: 'Training', blocks };
}

const inUnitRange = (v: Float32Array): boolean => v.every((x) => x >= 0 && x <= 1);

/** A metric that came out NaN (or an infinite error) is an error, never a number on the page. */
function checked(name: string, v: number): number {
  if (Number.isNaN(v) || (name !== 'PSNR' && !Number.isFinite(v))) {
    throw new Error(`the ${name} of the reconstructions is ${v}: the model's outputs are not finite numbers on these samples (its weights overflow, or the file is damaged)`);
  }
  return v;
}

/** The q-quantile of sorted values (nearest rank). */
const quantile = (sorted: Float32Array, q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];

/** MSE, BCE and PSNR where they apply, per-sample spread, per-feature errors for tables, and the data's figure. */
export async function evaluationSection(b: ModelBundle, md: ModelData, input: Dataset): Promise<{ section: ReportSection; mse: number }> {
  const m = b.model;
  const n = input.length, d = input.sampleSize;
  const mse = checked('MSE', m.reconstructionError(input));
  const x = input.toFloat32();
  const r = reconstructAll(m, input);
  const rows: [string, string][] = [['samples', String(n)], ['MSE', fmt(mse)]];
  if (m.outputActivation === 'sigmoid' && inUnitRange(x)) {
    // 1000 at a time, weighted by chunk size: the same sum 'aekit eval' has always made.
    let total = 0;
    noGrad(() => {
      for (let s = 0; s < n; s += 1000) {
        const e = Math.min(n, s + 1000);
        const xt = tensor(x.subarray(s * d, e * d), [e - s, d]);
        total += bce(reshape(m.reconstruct(xt), [e - s, d]), xt).item() * (e - s);
      }
    });
    rows.push(['BCE', fmt(checked('BCE', total / n))]);
  }
  if (b.info.kind === 'image') {
    const scale = unitScale(b, x);
    rows.push(['mean PSNR (dB)', fmt(checked('PSNR', psnr(tensor(scale.of(r), [n, d]), tensor(scale.of(x), [n, d]))))]);
  }
  const per = Float32Array.from(m.reconstructionError(input, { reduce: 'perSample' })).sort();
  rows.push(['per-sample MSE: median', fmt(quantile(per, 0.5))], ['per-sample MSE: 95th percentile', fmt(quantile(per, 0.95))], ['per-sample MSE: max', fmt(per[n - 1])]);
  const units = b.preprocessing.method === 'none' ? '' : ` (MSE in the model's units, after ${b.preprocessing.method} preprocessing)`;
  const blocks: ReportBlock[] = [{ type: 'keyValue', rows, caption: `Reconstruction error on ${count(n, 'sample')} of ${md.spec}, as aekit eval measures it${units}` }];
  if (b.info.kind === 'tabular') blocks.push(featureTable(b, x, r, n));
  const fig = await dataFigure(b, input, `${m.architecture()} on ${basename(md.spec)}`);
  const captions = {
    image: `The first ${count(Math.min(10, n), 'sample')} (top) and the model's reconstructions of them (bottom).`,
    sequence: 'Up to 4 sequences (first feature, offset by 3 each) and their reconstructions, in the data\'s units.',
    tabular: 'Mean squared error of each feature (the 30 worst), in the model\'s units.',
  };
  if ('png' in fig.image) blocks.push({ type: 'image', png: fig.image.png, alt: b.info.kind === 'tabular' ? 'error per feature' : 'sequences and their reconstructions', width: 640, caption: captions[b.info.kind] });
  else blocks.push({ type: 'image', png: encodePng(fig.image), alt: 'samples over their reconstructions', pixelated: true, caption: captions.image });
  return { section: { title: 'Evaluation', blocks }, mse };
}

/** Each feature's MSE (model units) and RMSE in the data's own units, in column order (the worst ones for wide tables). */
function featureTable(b: ModelBundle, x: Float32Array, r: Float32Array, n: number): ReportBlock {
  const d = x.length / n;
  const xu = b.preprocessing.inverse(x), ru = b.preprocessing.inverse(r);
  const model = new Float64Array(d), data = new Float64Array(d);
  for (let i = 0; i < x.length; i++) {
    model[i % d] += (r[i] - x[i]) ** 2;
    data[i % d] += (ru[i] - xu[i]) ** 2;
  }
  let order = Array.from({ length: d }, (_, j) => j);
  if (d > FEATURE_ROWS) order = order.sort((a, c) => model[c] - model[a]).slice(0, FEATURE_ROWS);
  const name = (j: number): string => b.info.featureNames?.[j] ?? `x${j}`;
  return {
    type: 'table', header: ['feature', 'MSE (model units)', 'RMSE (data units)'],
    rows: order.map((j) => [name(j), fmt(model[j] / n), fmt(Math.sqrt(data[j] / n))]),
    caption: d > FEATURE_ROWS ? `Error per feature: the ${FEATURE_ROWS} worst of ${d}` : 'Error per feature',
  };
}

/** Codes of the first samples, as a scatter coloured by label (class names where the data has them). */
export async function latentSection(b: ModelBundle, md: ModelData, input: Dataset, method: 'pca' | 'umap', seed: number): Promise<ReportSection> {
  const dim = shapeSize(b.model.codeShape);
  const data = input.length > SCATTER_LIMIT ? input.slice(0, SCATTER_LIMIT) : input;
  const title = 'Latent space';
  if (dim < 2) return { title, blocks: [{ type: 'note', text: `The codes have ${dim} value each: no 2-D scatter.` }] };
  if (data.length < 3) return { title, blocks: [{ type: 'note', text: `A scatter of the codes needs at least 3 samples; there ${data.length === 1 ? 'is 1' : `are ${data.length}`}.` }] };
  const codes = new Float32Array(data.length * dim);
  noGrad(() => {
    for (let s = 0; s < data.length; s += 1000) codes.set(b.model.encode(data.slice(s, Math.min(data.length, s + 1000))).toTypedArray(), s * dim);
  });
  const p = latentProjection(codes, { method, seed, dim });
  const names = md.info.classNames;
  const labels = data.labels ? Array.from(data.labels, (l) => names?.[l] ?? String(l)) : Array.from({ length: data.length }, () => 'all');
  const by = !data.labels ? 'unlabelled' : md.spec === 'mnist' ? 'digit' : names ? 'class' : 'label';
  const { png } = await latentScatter(p, labels, { legendTitle: by });
  const how = p.method === 'direct' ? 'the 2-D codes as they are'
    : p.method === 'pca'
      ? `the two leading principal components of the ${p.codeDim}-D codes (${(100 * (p.explainedVarianceRatio![0] + p.explainedVarianceRatio![1])).toFixed(1)} % of their variance)`
      : `a UMAP embedding of the ${p.codeDim}-D codes (seed ${seed})`;
  const colour = data.labels ? `, coloured by ${by}` : '';
  return { title, blocks: [{ type: 'image', png, alt: `scatter of the codes${colour}`, width: 760, caption: `Codes of ${count(p.n, 'sample')}${colour}: ${how}.` }] };
}

/** Mean PSNR of noisy and denoised images at noise levels around the model's own. */
async function psnrCurve(b: ModelBundle, noise: NoiseSpec, data: Dataset, seed: number): Promise<Uint8Array> {
  const own = noise.type === 'gaussian' ? noise.factor : noise.fraction;
  const grid = noise.type === 'gaussian' ? [0.1, 0.25, 0.5, 0.75, 1] : [0.1, 0.2, 0.3, 0.5, 0.7];
  const levels = [...new Set([...grid, own])].sort((a, c) => a - c);
  const noisyPsnr: number[] = [];
  const denoisedPsnr: number[] = [];
  for (const level of levels) {
    const spec: NoiseSpec = noise.type === 'gaussian' ? { ...noise, factor: level } : { ...noise, fraction: level };
    const r = denoiseSamples(b, data, spec, seed);
    noisyPsnr.push(r.psnrNoisy!);
    denoisedPsnr.push(r.psnrDenoised!);
  }
  const what = noise.type === 'gaussian' ? 'Gaussian noise factor' : `${noise.type === 'masking' ? 'masking' : 'salt-and-pepper'} fraction`;
  const svg = await lineChartSvg({
    title: `PSNR against the noise level (${count(data.length, 'image')})`,
    xLabel: what,
    yLabel: 'mean PSNR vs clean (dB)',
    series: [{ name: 'noisy input', x: levels, y: noisyPsnr }, { name: 'denoised', x: levels, y: denoisedPsnr }],
    points: true,
  });
  return svgToPng(svg, { width: 800 });
}

/** For a model trained with noise: its own noise on the evaluation samples, noisy vs denoised (null for other models). */
export async function denoisingSection(b: ModelBundle, input: Dataset, seed: number): Promise<ReportSection | null> {
  if (!b.model.trainingNoise) return null;
  const noise = resolveNoise(b.model.trainingNoise, input.toFloat32());
  const r = denoiseSamples(b, input, noise, seed);
  const image = r.images !== null;
  const caption = `Samples corrupted with the training noise ${noiseLabel(noise)} (seed ${seed}), measured against the clean samples (${r.samples})`;
  const blocks: ReportBlock[] = [image
    ? {
      type: 'table', caption, header: ['', 'mean PSNR (dB)', 'mean SSIM', 'MSE'],
      rows: [
        ['noisy input', fmt(r.psnrNoisy!), r.ssimNoisy === null ? '-' : fmt(r.ssimNoisy), fmt(r.mseNoisy)],
        ['denoised', fmt(r.psnrDenoised!), r.ssimDenoised === null ? '-' : fmt(r.ssimDenoised), fmt(r.mseDenoised)],
      ],
    }
    : { type: 'table', caption, header: ['', 'MSE'], rows: [['noisy input', fmt(r.mseNoisy)], ['denoised', fmt(r.mseDenoised)]] }];
  if (image) {
    const curveData = input.length > CURVE_LIMIT ? input.slice(0, CURVE_LIMIT) : input;
    blocks.push(
      { type: 'image', png: denoiseFigure(b, r), pixelated: true, alt: 'noisy, denoised and clean samples', caption: 'Rows: noisy input, denoised output, clean original.' },
      {
        type: 'image', png: await psnrCurve(b, noise, curveData, seed), alt: 'PSNR of noisy and denoised images per noise level', width: 640,
        caption: `Mean PSNR against the clean images of the noisy inputs and of the model's outputs, at noise levels around the training one (first ${count(curveData.length, 'image')}).`,
      },
    );
  }
  return { title: 'Denoising', blocks };
}
