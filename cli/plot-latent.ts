/**
 * `aekit plot-latent MODEL`: the test set's codes as a scatter coloured by digit (PNG + SVG, with a legend),
 * plus the codes as TSV files for the TensorFlow Embedding Projector. 2-D codes are plotted as they are;
 * wider ones are projected to 2-D with PCA or UMAP (src/analysis/latent.ts).
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Dataset, loadMnist, noGrad } from '../src/index.js';
import { type LatentProjection, latentProjection, latentScatter, type ProjectionMethod, writeProjectorTsv } from '../src/analysis/latent.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { choiceArg, intArg, parseCommand, positionals } from './args.js';
import { latentDimOf, loadMnistModel, type MnistModel } from './mnist.js';

/** UMAP costs seconds per thousand points (PCA is instant), so it looks at fewer codes unless told. */
export const UMAP_DEFAULT_LIMIT = 2000;

export const help = `Usage: aekit plot-latent MODEL [options]

Encodes MNIST images with MODEL and draws their codes as a scatter plot coloured by digit, with a
legend (latent.png and latent.svg). Codes of 2 values are plotted directly; wider codes are projected
to 2-D with PCA (the two leading principal components of the codes) or UMAP (umap-js, seeded).
A VAE's code is its posterior mean.

Also writes the codes for the TensorFlow Embedding Projector (https://projector.tensorflow.org,
"Load"): vectors.tsv (one code per line, tab-separated) and metadata.tsv (header 'label<TAB>index',
then each image's digit and row number; the second column is what makes the projector read the
first line as a header).

Options:
  --out DIR           output folder, created if needed (default ./aekit-out)
  --split test|train  which MNIST split (default test)
  --limit N           use the first N images (default: all 10000 test images; ${UMAP_DEFAULT_LIMIT} with --method umap)
  --method pca|umap   projection of codes wider than 2 (default pca)
  --seed N            UMAP's random seed (default 0; the same seed gives the same plot)
  --json              print one JSON line {"model","kind","split","samples","codeDim","method",...,"files"}
  -h, --help          show this help
`;

const options = {
  out: { type: 'string' },
  split: { type: 'string' },
  limit: { type: 'string' },
  method: { type: 'string' },
  seed: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The codes of `data` (chunks of 1000 images, no autograd graph), as one flat array of n x latentDim. */
export function encodeAll(model: MnistModel, data: Dataset): Float32Array {
  const k = latentDimOf(model);
  const out = new Float32Array(data.length * k);
  noGrad(() => {
    for (let s = 0; s < data.length; s += 1000) {
      const part = data.slice(s, Math.min(data.length, s + 1000));
      out.set(model.encode(part).toTypedArray(), s * k);
    }
  });
  return out;
}

export interface LatentFigure {
  projection: LatentProjection;
  codes: Float32Array;
  svg: string;
  png: Uint8Array;
}

/** Codes of `data`, their 2-D projection and its scatter plot (what plot-latent and report draw). */
export async function latentFigure(model: MnistModel, data: Dataset, method: ProjectionMethod, seed: number): Promise<LatentFigure> {
  const codes = encodeAll(model, data);
  const projection = latentProjection(codes, { method, seed, dim: latentDimOf(model) });
  const { svg, png } = await latentScatter(projection, data.labels!);
  return { projection, codes, svg, png };
}

export async function run(args: string[]): Promise<number> {
  const { values, positionals: given } = parseCommand('plot-latent', args, options);
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const [path] = positionals('plot-latent', given, ['MODEL']);
  const split = choiceArg('split', values.split ?? 'test', ['test', 'train'] as const);
  const method = choiceArg('method', values.method ?? 'pca', ['pca', 'umap'] as const);
  const limit = values.limit === undefined ? (method === 'umap' ? UMAP_DEFAULT_LIMIT : undefined) : intArg('limit', values.limit);
  const seed = intArg('seed', values.seed ?? '0', 0);
  const out = resolve(values.out ?? 'aekit-out');
  const model = loadMnistModel(path);
  const data = loadMnist(split, { limit });
  mkdirSync(out, { recursive: true });

  const started = performance.now();
  const fig = await latentFigure(model, data, method, seed);
  const files = { png: join(out, 'latent.png'), svg: join(out, 'latent.svg') };
  writeFileAtomic(files.png, fig.png);
  writeFileAtomic(files.svg, fig.svg);
  const tsv = writeProjectorTsv(out, fig.codes, data.labels!, { dim: latentDimOf(model) });
  const p = fig.projection;
  const result = {
    model: path,
    kind: model.modelConfig().kind,
    split,
    samples: data.length,
    codeDim: p.codeDim,
    method: p.method,
    ...(p.method === 'umap' ? { seed } : {}),
    ...(p.explainedVarianceRatio ? { explainedVarianceRatio: p.explainedVarianceRatio } : {}),
    seconds: (performance.now() - started) / 1000,
    files: [files.png, files.svg, tsv.vectors, tsv.metadata],
  };
  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    const how = p.method === 'direct' ? 'plotted directly (2-D codes)'
      : p.method === 'pca'
        ? `projected by PCA (the two axes carry ${(100 * (p.explainedVarianceRatio![0] + p.explainedVarianceRatio![1])).toFixed(1)} % of the codes' variance)`
        : `projected by UMAP (seed ${seed})`;
    process.stdout.write(`${data.length} ${split} codes of ${p.codeDim} values, ${how}\nwrote ${result.files.join('\n      ')}\n`);
  }
  return 0;
}
