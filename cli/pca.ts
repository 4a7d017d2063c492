/**
 * `aekit pca --components K`: PCA of the training samples of any table or image data (default MNIST), saved as
 * a PCA file that keeps the data's description and preprocessing (so it can be applied to new data), with a
 * picture of the components for images.
 */
import { join, resolve } from 'node:path';
import { type DataInfo, describeData, imageGrid, type Preprocessing, writePng } from '../src/index.js';
import { PCA } from '../src/analysis/pca.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { savePca } from '../src/io/pca-file.js';
import { intArg, parseCommand, positionals } from './args.js';
import { writeOutputSet } from './output-set.js';
import { prepareOutputDir } from './safety.js';
import { DATA_HELP, DATA_OPTIONS, readDataArgs } from './data-args.js';
import { UsageError } from './errors.js';
import { figureScale } from './figures.js';
import { printNotes, toDisplay } from './model-data.js';
import { DEFAULT_VALIDATION_SPLIT } from './train-data.js';
import { type AnalysisData, finite, openAsTrain } from './analysis-data.js';

export const help = `Usage: aekit pca --components K [--data SPEC] [options]

Fits PCA (float64: an eigendecomposition of the d x d covariance, or an SVD of the data when
there are fewer samples than values per sample; about 10 s for MNIST's 784 pixels) to the
training samples and saves it as a safetensors file: tensors components [K, d], mean [d] and
explained_variance [K], the preprocessing's shift and scale, and the settings and the data's
description as JSON in the metadata. Load it with loadPca() from the library.

Data: default MNIST; any table or images (--data, see below; sequences are read as rows of
steps x features). The samples are preprocessed as 'aekit train' would (images scaled to [0, 1],
tables standardized: PCA on correlations, not on whichever column has the largest unit), fitted
on the training split. The test split is --test-data, the source's own, --validation-split F, or
else a seeded random ${DEFAULT_VALIDATION_SPLIT} of the samples.

Options:
  --components K    number of principal components, 1 to the number of values per sample
                    (and at most the number of training samples) (required)
  --seed N          seeds the validation split (default 0)
  --out DIR         output folder, created if needed (default ./aekit-out/pca)
  --json            print the summary as one JSON line on stdout (and nothing else)
  -h, --help        show this help
${DATA_HELP}
Writes DIR/pca.safetensors, summary.json and, for grey or RGB images, components.png (the mean
image, then the first components, grey = 0, lighter = positive).
`;

const options = {
  ...DATA_OPTIONS,
  components: { type: 'string' },
  seed: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** How many components the picture shows: enough to see the trend, few enough to stay readable. */
const PICTURE_COMPONENTS = 31;
const PICTURE_COLUMNS = 8;

/**
 * The mean image (in display units) and the components; components have both signs: each is mapped to [0, 1]
 * around grey, scaled by its own largest |value|.
 */
function componentImages(pca: PCA, info: DataInfo, prep: Preprocessing): Float64Array[] {
  const d = pca.dim;
  const c = pca.components;
  const shown = Math.min(pca.nComponents, PICTURE_COMPONENTS);
  // Images scaled by their value range are already in display units ([0, 1]); others go back to data units first.
  const mean = prep.method === 'scale' && info.valueRange ? pca.mean : Float64Array.from(toDisplay(info, prep.inverse(pca.mean)));
  const images = [mean];
  for (let k = 0; k < shown; k++) {
    const v = c.subarray(k * d, (k + 1) * d);
    const peak = v.reduce((m, x) => Math.max(m, Math.abs(x)), 0) || 1;
    images.push(v.map((x) => 0.5 + x / (2 * peak)));
  }
  return images;
}

/** K against what the data allows, as a usage error naming the limit. */
function checkComponents(k: number, data: AnalysisData): void {
  const d = data.train.sampleSize;
  if (k > d) throw new UsageError(`--components must be at most ${d} (the values per sample of ${data.spec}: ${describeData(data.info)}), got ${k}`);
  if (k > data.train.length) throw new UsageError(`--components ${k} needs at least ${k} training samples, ${data.spec} gives ${data.train.length}`);
}

export async function run(args: string[]): Promise<number> {
  const { values, positionals: given } = parseCommand('pca', args, options);
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  positionals('pca', given, []);
  if (values.components === undefined) throw new UsageError("'aekit pca' needs --components K (see 'aekit pca --help')");
  const k = intArg('components', values.components);
  const seed = intArg('seed', values.seed ?? '0', 0);
  const req = readDataArgs(values, seed);
  const out = resolve(values.out ?? './aekit-out/pca');
  prepareOutputDir(out);

  const data = await openAsTrain(req, seed);
  const { info, preprocessing } = data;
  checkComponents(k, data);
  printNotes(data.notes);
  const d = data.train.sampleSize;
  const train = data.train.reshape([d]), test = data.test.reshape([d]);
  process.stderr.write(`aekit: fitting PCA with ${k} components to ${train.length} training samples of ${data.spec} (${describeData(info)}, preprocessing ${preprocessing.method})\n`);
  const t0 = performance.now();
  const pca = new PCA().fit(train, { components: k });
  const seconds = (performance.now() - t0) / 1000;
  const testMse = finite(pca.reconstructionError(test), 'the test MSE');
  const ratio = pca.explainedVarianceRatio;
  const explained = finite(ratio.reduce((a, b) => a + b, 0), 'the explained variance');

  const picture = info.kind === 'image' && (info.sampleShape[2] === 1 || info.sampleShape[2] === 3);
  const files: Record<string, string> = { pca: join(out, 'pca.safetensors') };
  if (picture) files.components = join(out, 'components.png');
  files.summary = join(out, 'summary.json');
  const record = {
    data: data.spec, kind: info.kind, sampleShape: info.sampleShape, preprocessing: preprocessing.method,
    trainSamples: train.length, testSamples: test.length, testSource: data.testSource, testMse, seconds,
  };
  const summary = {
    components: k, method: pca.method, ...record, testSsePerSample: testMse * d,
    ...(info.kind === 'image' ? { testSsePerImage: testMse * d } : {}),
    explainedVariance: explained, explainedVarianceRatio: Array.from(ratio), files: Object.values(files),
  };
  await writeOutputSet(out, (at) => {
    savePca(at(files.pca), pca, record, { data: info, preprocessing });
    if (picture) {
      const [h, w, c] = info.sampleShape;
      const images = componentImages(pca, info, preprocessing);
      const rows = Array.from({ length: Math.ceil(images.length / PICTURE_COLUMNS) }, (_, r) => images.slice(r * PICTURE_COLUMNS, (r + 1) * PICTURE_COLUMNS));
      writePng(at(files.components), imageGrid(rows, { height: h, width: w, channels: c as 1 | 3, scale: figureScale(info) }));
    }
    writeFileAtomic(at(files.summary), `${JSON.stringify(summary, null, 2)}\n`);
  });

  if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else {
    const units = preprocessing.method === 'standardize' ? ' (standardized units)' : '';
    process.stdout.write(
      `PCA with ${k} components (${pca.method}, ${seconds.toFixed(1)} s): ${(100 * explained).toFixed(1)} % of the variance; ` +
        `test MSE ${testMse.toFixed(6)}${units} (${(testMse * d).toFixed(2)} squared error per sample) on ${test.length} test samples\n` +
        `wrote ${Object.values(files).join('\n      ')}\n`,
    );
  }
  return 0;
}
