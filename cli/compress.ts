/**
 * `aekit compress MODEL --out FILE.aekc`: stores samples (images of any size and channels, table rows,
 * sequences) as their 8-bit quantized codes (src/analysis/compress.ts, file format src/io/aekc.ts) and reports
 * bytes per sample, ratios against the lossless baselines, and the reconstruction error in the data's units.
 * `aekit compress --cross`: the seeds' "data-specific" claim made measurable: an MNIST model and a
 * Fashion-MNIST model (loaded or trained here) each compress both test sets; prints the 2x2 table.
 */
import { type CompressionReport, compressWithReport } from '../src/analysis/compression.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { describeData } from '../src/index.js';
import { parseCommand, positionals } from './args.js';
import { cross, CROSS_HELP, CROSS_OPTIONS } from './compress-cross.js';
import { DATA_HELP, DATA_OPTIONS, type DataValues, readDataArgs } from './data-args.js';
import { UsageError } from './errors.js';
import { loadBundle, openForModel } from './model-data.js';
import { describeSamples, pickSamples, SPLIT_HELP, splitArg } from './samples.js';

export const help = `Usage: aekit compress MODEL --out FILE.aekc [--data SPEC] [options]
       aekit compress --cross [options]

Compresses samples with MODEL (a model file 'aekit train' writes, any --model: dense, VAE, stacked,
convolutional, sequence): each sample is stored as its code (a convolutional code, a feature map,
taken flat), every code value quantized to one byte against its dimension's min and max over the
batch (both kept in the file, 8 bytes per code value). The file also records what the samples are
(kind, shape, value range) and their ids (a table's --id column, image file names), so
'aekit decompress MODEL FILE.aekc' gives them back in the data's own units.

Reports bytes per sample (file size / samples, ids included), the ratio against the raw samples
and against the lossless way they are usually stored, and the error of the samples decompressed
from the file, in the data's own units (and the same with float codes: the cost of 8 bits):
  images   raw: one byte per 8-bit pixel value (else 4, float32); PNG: each image as its own
           8-bit PNG file at its own size and channels (pngjs, deflate level 9), and one PNG of
           all of them stacked / n; PSNR (mean over images, values scaled to [0, 1] by the data's
           value range); SSIM for grey images
  tables,  raw: 4 bytes (float32) per value; CSV: each row's values as text (the fewest digits
  series   that read back as the same float32, no header, ids or labels), and all rows' CSV
           deflated at level 9 (zlib) / n; MSE per value in the data's units

Options:
  --out FILE              the .aekc file to write (required without --cross)
${SPLIT_HELP}
                          (--test-limit N compresses the first N test samples)
  --no-ids                leave the samples' ids out of the file
  --json                  print the report as one JSON line on stdout (and nothing else)
  -h, --help              show this help

${DATA_HELP}
${CROSS_HELP}`;

const options = {
  ...DATA_OPTIONS,
  ...CROSS_OPTIONS,
  out: { type: 'string' },
  split: { type: 'string' },
  'no-ids': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const word = (kind: string): string => (kind === 'image' ? 'image' : kind === 'sequence' ? 'sequence' : 'row');

/** The report's lines for people (the JSON carries the same numbers). */
export function reportLines(r: CompressionReport): string {
  const f = (v: number | null, d = 2): string => (v === null ? '-' : Number.isFinite(v) ? v.toFixed(d) : String(v));
  const g = (v: number | null): string => (v === null ? '-' : Number.isFinite(v) ? v.toPrecision(4) : String(v));
  // Below 1x the file is larger than the baseline: say so rather than print "0.5x smaller".
  const than = (ratio: number | null): string => (ratio === null ? '-' : ratio >= 1 ? `${f(ratio, 1)}x smaller than` : `${f(1 / ratio, 1)}x larger than`);
  const w = word(r.dataKind);
  const values = r.sampleShape.reduce((a, b) => a * b, 1);
  const lines = [
    `bytes/${w.padEnd(5)} ${f(r.bytesPerSample)} (${r.dim} code bytes${r.idBytes ? ` + ${f(r.idBytes / r.n, 1)} bytes of id` : ''} + ${r.overheadBytes} bytes of header and min/max shared by the ${r.n} ${w}s)`,
    `vs raw      ${than(r.ratioVsRaw)} ${r.rawBytesPerSample} bytes of ${r.rawBytesPerSample === values ? 'raw 8-bit pixels' : `float32 values (${values} per ${w})`}`,
  ];
  if (r.dataKind === 'image') {
    lines.push(r.pngBytesPerImage === null
      ? 'vs PNG      - (PNG holds 1, 3 or 4 channels)'
      : `vs PNG      ${than(r.ratioVsPng)} PNG (${f(r.pngBytesPerImage, 1)} bytes per image, each its own PNG file)\n` +
        `            ${than(r.ratioVsPngStack)} one PNG of all ${r.n} images stacked (${f(r.pngStackBytesPerImage, 1)} bytes per image)`);
    lines.push(`PSNR        ${f(r.psnr)} dB (with float codes ${f(r.psnrUnquantized)} dB: 8-bit codes cost ${f(r.psnrUnquantized! - r.psnr!, 3)} dB)`);
    if (r.ssim !== null) lines.push(`SSIM        ${f(r.ssim, 4)} (with float codes ${f(r.ssimUnquantized, 4)})`);
  } else {
    lines.push(`vs CSV      ${than(r.ratioVsCsv)} CSV text (${f(r.csvBytesPerSample, 1)} bytes per ${w})\n` +
      `            ${than(r.ratioVsCsvDeflate)} the CSV of all ${r.n} ${w}s deflated (${f(r.csvDeflateBytesPerSample, 1)} bytes per ${w})`);
    lines.push(`MSE         ${g(r.mse)} per value, in the data's units (with float codes ${g(r.mseUnquantized)})`);
  }
  return `${lines.join('\n')}\n`;
}

/** The data flags as given, to record in the file so decompress can reopen the same samples. */
export function dataArgsOf(values: DataValues): string[] {
  const out: string[] = [];
  for (const k of Object.keys(DATA_OPTIONS) as (keyof typeof DATA_OPTIONS)[]) {
    const v = values[k];
    if (v !== undefined) out.push(`--${k}`, v);
  }
  return out;
}

const sameNames = (a: readonly string[] | null, b: readonly string[] | null): boolean => !!a && !!b && a.length === b.length && a.every((s, i) => s === b[i]);

export async function run(args: string[]): Promise<number> {
  const { values, positionals: given } = parseCommand('compress', args, options);
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  if (values.cross) return cross(values, given);
  const crossOnly = (Object.keys(CROSS_OPTIONS) as (keyof typeof CROSS_OPTIONS)[]).filter((k) => values[k] !== undefined);
  if (crossOnly.length) throw new UsageError(`--${crossOnly[0]} only applies with --cross (see 'aekit compress --help')`);
  const [modelPath] = positionals('compress', given, ['MODEL']);
  if (values.out === undefined) throw new UsageError("'aekit compress' needs --out FILE.aekc (see 'aekit compress --help')");
  const split = splitArg(values.split);
  const req = readDataArgs(values);
  const bundle = loadBundle(modelPath);
  const data = await openForModel(bundle, req);
  for (const note of data.notes) process.stderr.write(`aekit: ${note}\n`);
  const s = pickSamples(data, split);
  // --limit keeps training samples; where the test split is fixed apart from them it cannot change what is compressed.
  if (s.split === 'test' && values.limit !== undefined && values['test-limit'] === undefined && !data.testSource?.startsWith('a random ')) {
    throw new UsageError(`--limit keeps the first N training samples, but compress compresses ${data.testSource} (${s.raw.length} samples): use --test-limit N, or --split train`);
  }
  const { info } = data;
  const { model } = bundle;
  const { report, bytes } = compressWithReport({
    model, samples: s.input, raw: s.raw, name: `${data.spec} ${s.split}`, preprocessing: bundle.preprocessing,
    data: {
      kind: info.kind, sampleShape: info.sampleShape, valueRange: info.valueRange, idColumn: info.columns?.id ?? null,
      // The model file names its features; the .aekc repeats names only when the data's differ.
      featureNames: info.kind !== 'image' && !sameNames(info.featureNames, bundle.info.featureNames) ? info.featureNames : null,
    },
    ids: values['no-ids'] ? null : s.raw.ids,
    source: { data: data.spec, split: s.split, count: s.raw.length, args: dataArgsOf(values) },
  });
  writeFileAtomic(values.out, bytes);
  const kind = model.modelConfig().kind;
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ file: values.out, modelFile: modelPath, kind, data: data.spec, split: s.split, ...report })}\n`);
  } else {
    process.stdout.write(
      `model       ${modelPath} (${kind} ${model.architecture()}, fingerprint ${report.model})\n` +
        `data        ${describeSamples(s, data.spec)} (${describeData(info)})\n` +
        `wrote       ${values.out} (${bytes.length} bytes${report.idBytes ? `, ids included` : ''})\n${reportLines(report)}`,
    );
  }
  return 0;
}
