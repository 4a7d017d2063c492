/**
 * `aekit report MODEL [--data SPEC]`: one self-contained HTML page about a saved model of any kind on any data:
 * its config, the data it was trained on (and the data it is measured on), the training summary from the model
 * file, numbers on the evaluation samples, the data's figure (cli/figures.ts), a scatter of the codes and, for a
 * model trained with noise on images, PSNR before and after denoising. Sections: cli/report-sections.ts;
 * assembly and escaping: src/viz/report.ts.
 */
import { basename, dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../src/io/atomic.js';
import { renderReport, type ReportSection } from '../src/viz/report.js';
import { choiceArg, intArg, parseCommand, positionals } from './args.js';
import { prepareOutputFile } from './safety.js';
import { DATA_HELP, DATA_OPTIONS, readDataArgs } from './data-args.js';
import { count, evaluationSource } from './denoise.js';
import { loadBundle, openForModel } from './model-data.js';
import {
  dataSection, denoisingSection, evaluationSection, fmt, latentSection, modelSection, SCATTER_LIMIT, trainingSection,
} from './report-sections.js';

export const help = `Usage: aekit report MODEL [--data SPEC] [options]

Writes one self-contained HTML page about MODEL (any model 'aekit train' writes, on any data): its
configuration; the data it was trained on (source, kind, shape, feature and class names, columns,
preprocessing) and the data it is measured on; its training summary (read from the model file);
numbers on the evaluation samples (the test split of the model's own data, or of --data SPEC; all
samples when the data has no test split): MSE in the model's units as 'aekit eval' reports it, BCE
where outputs and inputs lie in [0, 1], PSNR for images, each feature's error for tables; the data's
figure (images over their reconstructions, sequences, or the error per feature); a scatter of the
codes coloured by label (2-D codes directly, wider ones by PCA or UMAP, first ${SCATTER_LIMIT} samples);
and, for a model trained with noise, the noisy / denoised numbers (PSNR, SSIM, MSE), with a figure
and PSNR against the noise level for images. Images are embedded in the page (data: URIs); it loads
nothing from anywhere, and has no scripts.

Options:
  --out FILE          HTML file to write (default: report.html next to MODEL)
  --test-limit N              measure on the first N test samples (no test split: --limit N)
  --method pca|umap   projection of the codes for the scatter (default pca)
  --seed N            seed of UMAP, of the test noise and of --validation-split (default 0)
${DATA_HELP}  -h, --help          show this help
`;

const options = {
  ...DATA_OPTIONS,
  out: { type: 'string' },
  method: { type: 'string' },
  seed: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(args: string[]): Promise<number> {
  const { values, positionals: given } = parseCommand('report', args, options);
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const [path] = positionals('report', given, ['MODEL']);
  const method = choiceArg('method', values.method ?? 'pca', ['pca', 'umap'] as const);
  const seed = intArg('seed', values.seed ?? '0', 0);
  const req = readDataArgs(values, seed);
  const out = resolve(values.out ?? join(dirname(path), 'report.html'));

  const bundle = loadBundle(path);
  const md = await openForModel(bundle, req);
  for (const note of md.notes) process.stderr.write(`aekit: ${note}\n`);
  const input = md.evalInput;
  if (input.length === 0) throw new Error(`${md.spec}: no samples to evaluate ${path} on`);
  prepareOutputFile(out, 'report file');

  const evaluation = await evaluationSection(bundle, md, input);
  const sections: ReportSection[] = [
    modelSection(bundle),
    dataSection(bundle, md, input),
    await trainingSection(bundle.header.training),
    evaluation.section,
    await latentSection(bundle, md, input, method, seed),
  ];
  const denoising = await denoisingSection(bundle, input, seed);
  if (denoising) sections.push(denoising);

  const kind = bundle.header.kind;
  const html = renderReport({
    title: `aekit report: ${basename(path)}`,
    subtitle: `${kind} ${bundle.model.architecture()}, measured on ${count(input.length, 'sample')} of ${md.spec} (${evaluationSource(md)})`,
    sections,
    footer: 'Written by aekit report. Self-contained: every image is embedded in this file.',
  });
  writeFileAtomic(out, html);
  process.stdout.write(`wrote ${out} (${kind}, MSE ${fmt(evaluation.mse)} on ${count(input.length, 'sample')}, ${Math.round(html.length / 1024)} KiB)\n`);
  return 0;
}
