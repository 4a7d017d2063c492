/** `aekit pca --components K --out DIR`: PCA of MNIST training images, saved as a PCA file with a picture. */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { imageGrid, loadMnist, writePng } from '../src/index.js';
import { PCA } from '../src/analysis/pca.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { savePca } from '../src/io/pca-file.js';
import { intArg, parseCommand, positionals } from './args.js';
import { UsageError } from './errors.js';
import { FIGURE_SCALE, MNIST_PIXELS, MNIST_SIDE } from './mnist.js';

export const help = `Usage: aekit pca --components K [options]

Fits PCA (float64, eigendecomposition of the 784 x 784 covariance; about 10 s) to MNIST
training images scaled to [0, 1] and saves it as a safetensors file: tensors components [K, 784],
mean [784] and explained_variance [K], with the settings as JSON in the metadata.
Load it with loadPca() from the library.

Options:
  --components K    number of principal components, 1-784 (required)
  --limit N         fit on the first N training images (default all 60000)
  --test-limit N    report the reconstruction MSE on the first N test images (default all 10000)
  --out DIR         output folder, created if needed (default ./aekit-out/pca)
  --json            print the summary as one JSON line on stdout (and nothing else)
  -h, --help        show this help

Writes DIR/pca.safetensors, components.png (the mean image, then the first components, grey =
0, lighter = positive) and summary.json.
`;

const options = {
  components: { type: 'string' },
  limit: { type: 'string' },
  'test-limit': { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** How many components the picture shows: enough to see the trend, few enough to stay readable. */
const PICTURE_COMPONENTS = 31;
const PICTURE_COLUMNS = 8;

/** Components have both signs: map each to [0, 1] around grey, scaled by its own largest |value|. */
function componentImages(pca: PCA): Float64Array[] {
  const c = pca.components;
  const shown = Math.min(pca.nComponents, PICTURE_COMPONENTS);
  const images = [pca.mean];
  for (let k = 0; k < shown; k++) {
    const v = c.subarray(k * MNIST_PIXELS, (k + 1) * MNIST_PIXELS);
    const peak = v.reduce((m, x) => Math.max(m, Math.abs(x)), 0) || 1;
    images.push(v.map((x) => 0.5 + x / (2 * peak)));
  }
  return images;
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
  if (k > MNIST_PIXELS) throw new UsageError(`--components must be at most ${MNIST_PIXELS} (the pixels of an MNIST image), got ${k}`);
  const limit = values.limit === undefined ? undefined : intArg('limit', values.limit);
  const testLimit = values['test-limit'] === undefined ? undefined : intArg('test-limit', values['test-limit']);
  const out = resolve(values.out ?? './aekit-out/pca');
  mkdirSync(out, { recursive: true });

  const train = loadMnist('train', { limit });
  if (k > train.length) throw new UsageError(`--components ${k} needs at least ${k} training images, --limit gives ${train.length}`);
  const test = loadMnist('test', { limit: testLimit });
  process.stderr.write(`aekit: fitting PCA with ${k} components to ${train.length} MNIST training images\n`);
  const t0 = performance.now();
  const pca = new PCA().fit(train, { components: k });
  const seconds = (performance.now() - t0) / 1000;
  const testMse = pca.reconstructionError(test);
  const ratio = pca.explainedVarianceRatio;
  const explained = ratio.reduce((a, b) => a + b, 0);

  const files = { pca: join(out, 'pca.safetensors'), components: join(out, 'components.png'), summary: join(out, 'summary.json') };
  const info = { data: 'mnist', trainSamples: train.length, testSamples: test.length, testMse, seconds };
  savePca(files.pca, pca, info);
  const images = componentImages(pca);
  const rows = Array.from({ length: Math.ceil(images.length / PICTURE_COLUMNS) }, (_, r) => images.slice(r * PICTURE_COLUMNS, (r + 1) * PICTURE_COLUMNS));
  writePng(files.components, imageGrid(rows, { height: MNIST_SIDE, width: MNIST_SIDE, scale: FIGURE_SCALE }));
  const summary = {
    components: k, method: pca.method, ...info, testSsePerImage: testMse * MNIST_PIXELS, explainedVariance: explained,
    explainedVarianceRatio: Array.from(ratio), files: Object.values(files),
  };
  writeFileAtomic(files.summary, `${JSON.stringify(summary, null, 2)}\n`);

  if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else {
    process.stdout.write(
      `PCA with ${k} components (${pca.method}, ${seconds.toFixed(1)} s): ${(100 * explained).toFixed(1)} % of the variance; ` +
        `test MSE ${testMse.toFixed(6)} (${(testMse * MNIST_PIXELS).toFixed(2)} squared error per image) on ${test.length} test images\n` +
        `wrote ${Object.values(files).join('\n      ')}\n`,
    );
  }
  return 0;
}
