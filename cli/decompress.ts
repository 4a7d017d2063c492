/**
 * `aekit decompress MODEL FILE.aekc --out grid.png`: decodes the images of a file 'aekit compress' wrote with the
 * model that compressed them (another model is refused) and draws a grid of them; when the file says where its
 * images came from, reloads the originals (checked by their SHA-256) and reports PSNR and the ratios too.
 */
import { statSync } from 'node:fs';
import { imageGrid, writePng } from '../src/index.js';
import { type CompressionReport, decompressImages, decompressionReport } from '../src/analysis/compress.js';
import { readAekc } from '../src/io/aekc.js';
import { intArg, parseCommand, positionals } from './args.js';
import { UsageError } from './errors.js';
import { DATA_SETS, type DataName, describeImages, loadImages, reportLines, SPLITS, type SplitName } from './compress.js';
import { layerSizes, loadDenseMnistModel } from './mnist.js';

export const help = `Usage: aekit decompress MODEL FILE.aekc --out FILE.png [options]

Decodes the images compressed in FILE.aekc ('aekit compress' writes it) with MODEL, which must be
the model that compressed them (the file records the model's fingerprint: SHA-256 of its kind,
config and weights), and draws the first --count of them as a grid, --cols per row.

Files written by 'aekit compress' record where their images came from (data set, split, count):
the originals are then reloaded, checked against the SHA-256 the file keeps of them, and the
report adds PSNR and the ratio against PNG (as 'aekit compress' prints them).

Options:
  --out FILE       PNG file to write (required)
  --count N        images in the grid (default 50; at most the file's)
  --cols N         images per grid row (default 10)
  --scale N        pixel upscale factor (default 2)
  --originals      put each row of originals above its row of decompressed images
  --no-reference   do not reload the originals (no PSNR, no PNG ratio)
  --json           print the report as one JSON line on stdout (and nothing else)
  -h, --help       show this help
`;

const options = {
  out: { type: 'string' },
  count: { type: 'string' },
  cols: { type: 'string' },
  scale: { type: 'string' },
  originals: { type: 'boolean' },
  'no-reference': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(args: string[]): Promise<number> {
  const { values, positionals: given } = parseCommand('decompress', args, options);
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const [modelPath, codesPath] = positionals('decompress', given, ['MODEL', 'FILE.aekc']);
  if (values.out === undefined) throw new UsageError("'aekit decompress' needs --out FILE.png (see 'aekit decompress --help')");
  const count = intArg('count', values.count ?? '50');
  const cols = intArg('cols', values.cols ?? '10');
  const scale = intArg('scale', values.scale ?? '2');
  if (values.originals && values['no-reference']) throw new UsageError('--originals needs the originals: drop --no-reference');

  const model = loadDenseMnistModel(modelPath, 'decompress');
  const file = readAekc(codesPath);
  const { header } = file;
  const shape = header.imageShape;
  if (!(shape.length === 2 || (shape.length === 3 && shape[2] === 1))) {
    throw new Error(`${codesPath}: images of shape [${shape.join(', ')}] are not grey 2-D images; cannot draw them`);
  }
  const decoded = decompressImages(model, file); // refuses another model, naming the file
  const [height, width] = shape;
  const size = height * width;

  // The originals, when the file says where they came from and we may use them.
  const src = header.source;
  let originals: ReturnType<typeof loadImages> | null = null;
  if (!values['no-reference'] && src && DATA_SETS.includes(src.data as DataName) && SPLITS.includes(src.split as SplitName)) {
    originals = loadImages(src.data as DataName, src.split as SplitName, header.n);
    if (originals.length !== header.n) {
      throw new Error(`${codesPath}: holds ${header.n} images but ${String(src.data)} ${String(src.split)} has only ${originals.length}`);
    }
  } else if (values.originals) {
    throw new Error(`${codesPath}: does not record where its images came from (data, split), so --originals cannot reload them`);
  }

  const fileBytes = statSync(codesPath).size;
  let report: CompressionReport | null = null;
  if (originals) report = decompressionReport({ model, file, fileBytes, originals, name: codesPath });

  // The grid: rows of `cols` decompressed images (each under its originals with --originals).
  const shown = Math.min(count, header.n);
  const dec = decoded.toTypedArray();
  const orig = originals && values.originals ? originals.slice(0, shown).toFloat32() : null;
  const rows: Float32Array[][] = [];
  for (let s = 0; s < shown; s += cols) {
    const e = Math.min(shown, s + cols);
    const row = (a: ArrayLike<number>): Float32Array[] => Array.from({ length: e - s }, (_, k) => Float32Array.from((a as Float32Array).subarray((s + k) * size, (s + k + 1) * size)));
    if (orig) rows.push(row(orig));
    rows.push(row(dec));
  }
  if (rows.length) writePng(values.out, imageGrid(rows, { height, width, scale }));
  else throw new Error(`${codesPath}: holds no images to draw`);

  const base = {
    file: codesPath, modelFile: modelPath, kind: model.modelConfig().kind, n: header.n, dim: header.dim, fileBytes,
    bytesPerImage: header.n ? fileBytes / header.n : null, ratioVsRaw: header.n ? model.config.inputDim / (fileBytes / header.n) : null,
    out: values.out, shown,
  };
  if (values.json) {
    process.stdout.write(`${JSON.stringify(report ? { ...base, source: src, ...report } : base)}\n`);
    return 0;
  }
  const what = src && typeof src.data === 'string' && typeof src.split === 'string' && DATA_SETS.includes(src.data as DataName) && SPLITS.includes(src.split as SplitName)
    ? describeImages(src.data as DataName, src.split as SplitName, header.n)
    : `${header.n} images (${shape.join('x')})`;
  process.stdout.write(
    `model       ${modelPath} (${base.kind} ${layerSizes(model.config)})\n` +
      `codes       ${codesPath}: ${what}, ${header.dim} bytes each, ${fileBytes} bytes in all\n` +
      `wrote       ${values.out} (${shown} decompressed image${shown === 1 ? '' : 's'}${orig ? ' under their originals' : ''})\n` +
      (report ? reportLines(report) : `bytes/image ${base.bytesPerImage!.toFixed(2)} (${base.ratioVsRaw!.toFixed(1)}x smaller than ${model.config.inputDim} raw 8-bit pixels); no originals, so no PSNR\n`),
  );
  return 0;
}
