/**
 * `aekit report MODEL`: one self-contained HTML page about a saved model: its config and training summary
 * (from the model file's own metadata), test MSE/BCE, the reconstruction figure, a latent scatter and, for
 * a denoising model, its PSNR before and after denoising. Assembly and escaping: src/viz/report.ts.
 */
import { mkdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import {
  DenoisingAutoencoder, denoisingFigure, encodePng, lineChartSvg, loadMnist, loadModelFile, lossChart, type NoiseSpec, svgToPng,
} from '../src/index.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { type ReportBlock, type ReportSection, renderReport } from '../src/viz/report.js';
import { choiceArg, intArg, parseCommand, positionals } from './args.js';
import { defaultNoise, denoiseTestSet } from './denoise.js';
import { FIGURE_SCALE, loadMnistModel, modelLayers, type MnistModel, reconstructionImage, testMetrics } from './mnist.js';
import { latentFigure } from './plot-latent.js';
import { noiseLabel } from './presets.js';

/** The scatter and the PSNR-per-noise-level chart look at this many test images at most (the metrics at all). */
const SCATTER_LIMIT = 2000;
const CURVE_LIMIT = 1000;

export const help = `Usage: aekit report MODEL [options]

Writes one self-contained HTML page about MODEL (any model 'aekit train' writes): its configuration
and training summary (read from the model file), the test-set MSE and BCE, test digits over their
reconstructions, a scatter of the codes coloured by digit (2-D codes directly, wider ones by PCA
or UMAP, on the first ${SCATTER_LIMIT} test images) and, for a denoising model, the PSNR and SSIM of noisy and
denoised test digits, their figure, and PSNR against the noise level. Images are embedded in the
page (data: URIs); it loads nothing from anywhere, and has no scripts.

Options:
  --out FILE          HTML file to write (default: report.html next to MODEL)
  --test-limit N      measure on the first N test images (default all 10000)
  --method pca|umap   projection of the codes for the scatter (default pca)
  --seed N            seed of UMAP and of the test noise (default 0)
  -h, --help          show this help
`;

const options = {
  out: { type: 'string' },
  'test-limit': { type: 'string' },
  method: { type: 'string' },
  seed: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** A number with 6 significant digits (integers as they are), for tables. */
function fmt(x: number): string {
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

/** Rows of an object, nested objects flattened one level ('optimizer.lr'). */
function rowsOf(o: Record<string, unknown>, skip: readonly string[] = []): [string, string][] {
  const rows: [string, string][] = [];
  for (const [k, v] of Object.entries(o)) {
    if (skip.includes(k)) continue;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const entries = Object.entries(v as Record<string, unknown>);
      if (entries.length === 0) rows.push([k, '{}']);
      for (const [k2, v2] of entries) rows.push([`${k}.${k2}`, show(v2)]);
    } else if (Array.isArray(v) && v.length > 0 && v.every((e) => e !== null && typeof e === 'object' && !Array.isArray(e))) {
      v.forEach((e, i) => rows.push([`${k}[${i}]`, show(e)])); // e.g. the stages of a stacked autoencoder, one row each
    } else rows.push([k, show(v)]);
  }
  return rows;
}

const isNumberArray = (v: unknown): v is number[] => Array.isArray(v) && v.length > 0 && v.every((e) => typeof e === 'number');

async function trainingSection(training: Record<string, unknown> | undefined): Promise<ReportSection> {
  if (!training) {
    return { title: 'Training', blocks: [{ type: 'note', text: 'The model file holds no training summary (it was not saved by aekit train).' }] };
  }
  const blocks: ReportBlock[] = [];
  const trainLoss = isNumberArray(training.trainLoss) ? training.trainLoss : undefined;
  const valLoss = isNumberArray(training.valLoss) ? training.valLoss : undefined;
  const rows = rowsOf(training, ['trainLoss', 'valLoss', 'metrics']);
  if (trainLoss) rows.push([`final train loss (epoch ${trainLoss.length})`, fmt(trainLoss[trainLoss.length - 1])]);
  if (valLoss) rows.push([`final validation loss (epoch ${valLoss.length})`, fmt(valLoss[valLoss.length - 1])]);
  blocks.push({ type: 'keyValue', rows, caption: 'Training summary (from the model file)' });
  if (trainLoss) {
    const epoch = trainLoss.map((_, i) => i + 1);
    const chart = await lossChart({ epoch, trainLoss, valLoss: valLoss?.length === trainLoss.length ? valLoss : undefined }, { pngWidth: 800 });
    blocks.push({ type: 'image', png: chart.png, alt: 'training and validation loss per epoch', caption: 'Loss per epoch, as recorded during training.', width: 640 });
  }
  const metrics = training.metrics;
  if (metrics && typeof metrics === 'object' && Object.keys(metrics).length > 0) {
    blocks.push({ type: 'keyValue', rows: rowsOf(metrics as Record<string, unknown>), caption: 'Metrics recorded at the end of training' });
  }
  return { title: 'Training', blocks };
}

/** PSNR of noisy and denoised test digits at several noise levels around the model's own. */
async function psnrCurve(model: MnistModel, noise: NoiseSpec, data: ReturnType<typeof loadMnist>, seed: number): Promise<Uint8Array> {
  const own = noise.type === 'gaussian' ? noise.factor : noise.fraction;
  const grid = noise.type === 'gaussian' ? [0.1, 0.25, 0.5, 0.75, 1] : [0.1, 0.2, 0.3, 0.5, 0.7];
  const levels = [...new Set([...grid, own])].sort((a, b) => a - b);
  const noisyPsnr: number[] = [];
  const denoisedPsnr: number[] = [];
  for (const level of levels) {
    const spec: NoiseSpec = noise.type === 'gaussian' ? { ...noise, factor: level } : { ...noise, fraction: level };
    const r = denoiseTestSet(model, data, spec, seed);
    noisyPsnr.push(r.psnrNoisy);
    denoisedPsnr.push(r.psnrDenoised);
  }
  const what = noise.type === 'gaussian' ? 'Gaussian noise factor' : `${noise.type === 'masking' ? 'masking' : 'salt-and-pepper'} fraction`;
  const svg = await lineChartSvg({
    title: `PSNR against the noise level (${data.length} test digits)`,
    xLabel: what,
    yLabel: 'mean PSNR vs clean (dB)',
    series: [{ name: 'noisy input', x: levels, y: noisyPsnr }, { name: 'denoised', x: levels, y: denoisedPsnr }],
    points: true,
  });
  return svgToPng(svg, { width: 800 });
}

export async function run(args: string[]): Promise<number> {
  const { values, positionals: given } = parseCommand('report', args, options);
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const [path] = positionals('report', given, ['MODEL']);
  const testLimit = values['test-limit'] === undefined ? undefined : intArg('test-limit', values['test-limit']);
  const method = choiceArg('method', values.method ?? 'pca', ['pca', 'umap'] as const);
  const seed = intArg('seed', values.seed ?? '0', 0);
  const out = resolve(values.out ?? join(dirname(path), 'report.html'));

  const model = loadMnistModel(path);
  const { header } = loadModelFile(path); // the model is already checked; this is for the saved metadata
  const kind = header.kind;
  const layers = modelLayers(model);
  const test = loadMnist('test', { limit: testLimit });
  mkdirSync(dirname(out), { recursive: true });

  const sections: ReportSection[] = [];
  sections.push({
    title: 'Model',
    blocks: [
      { type: 'keyValue', rows: [['kind', kind], ['file', path], ['layers', layers], ['parameters', String(model.parameterCount())]] },
      { type: 'keyValue', rows: rowsOf(header.config), caption: 'Configuration (from the model file)' },
    ],
  });
  sections.push(await trainingSection(header.training));

  const { mse, bce } = testMetrics(model, test);
  sections.push({
    title: 'Test set',
    blocks: [{ type: 'keyValue', rows: [['test images', String(test.length)], ['MSE', fmt(mse)], ['BCE', fmt(bce)]], caption: 'Reconstruction error of clean MNIST test digits (as aekit eval measures it)' }],
  });

  const count = Math.min(10, test.length);
  sections.push({
    title: 'Reconstructions',
    blocks: [{
      type: 'image', png: encodePng(reconstructionImage(model, test, 0, count)), alt: 'test digits over their reconstructions', pixelated: true,
      caption: `The first ${count} test digits (top) and the model's reconstructions of them (bottom).`,
    }],
  });

  const scatterData = test.length > SCATTER_LIMIT ? test.slice(0, SCATTER_LIMIT) : test;
  const latent = await latentFigure(model, scatterData, method, seed);
  const p = latent.projection;
  const how = p.method === 'direct' ? 'the 2-D codes as they are'
    : p.method === 'pca'
      ? `the two leading principal components of the ${p.codeDim}-D codes (${(100 * (p.explainedVarianceRatio![0] + p.explainedVarianceRatio![1])).toFixed(1)} % of their variance)`
      : `a UMAP embedding of the ${p.codeDim}-D codes (seed ${seed})`;
  sections.push({
    title: 'Latent space',
    blocks: [{ type: 'image', png: latent.png, alt: 'scatter of the codes coloured by digit', width: 760, caption: `Codes of ${p.n} test digits, coloured by digit: ${how}.` }],
  });

  if (model instanceof DenoisingAutoencoder) {
    const noise = defaultNoise(model);
    const r = denoiseTestSet(model, test, noise, seed);
    const curveData = test.length > CURVE_LIMIT ? test.slice(0, CURVE_LIMIT) : test;
    sections.push({
      title: 'Denoising',
      blocks: [
        {
          type: 'table',
          caption: `Test digits corrupted with the training noise ${noiseLabel(noise)} (seed ${seed}), measured against the clean digits (${test.length} images)`,
          header: ['', 'mean PSNR (dB)', 'mean SSIM', 'MSE'],
          rows: [
            ['noisy input', fmt(r.psnrNoisy), fmt(r.ssimNoisy), fmt(r.mseNoisy)],
            ['denoised', fmt(r.psnrDenoised), fmt(r.ssimDenoised), fmt(r.mseDenoised)],
          ],
        },
        {
          type: 'image', png: encodePng(denoisingFigure(r.noisy, r.denoised, r.clean, { count: 10, scale: FIGURE_SCALE })), pixelated: true,
          alt: 'noisy, denoised and clean test digits', caption: 'Rows: noisy input, denoised output, clean original.',
        },
        {
          type: 'image', png: await psnrCurve(model, noise, curveData, seed), alt: 'PSNR of noisy and denoised digits per noise level', width: 640,
          caption: `Mean PSNR against the clean digits of the noisy inputs and of the model's outputs, at noise levels around the training one (first ${curveData.length} test digits).`,
        },
      ],
    });
  }

  const html = renderReport({
    title: `aekit report: ${basename(path)}`,
    subtitle: `${kind} ${layers}, measured on ${test.length} MNIST test images`,
    sections,
    footer: 'Written by aekit report. Self-contained: every image is embedded in this file.',
  });
  writeFileAtomic(out, html);
  process.stdout.write(`wrote ${out} (${kind}, test MSE ${fmt(mse)}, ${Math.round(html.length / 1024)} KiB)\n`);
  return 0;
}
