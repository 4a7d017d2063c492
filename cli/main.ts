#!/usr/bin/env node
/**
 * aekit's command-line entry: dispatches `aekit COMMAND ...` to cli/COMMAND.ts. Commands are imported only
 * when run, so `aekit --help` and `aekit --version` stay instant (the library pulls in the charting stack).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reportError, UsageError } from './errors.js';
import { checkThreads } from './safety.js';

interface Command {
  help: string;
  run(args: string[]): Promise<number>;
}

const commands: Record<string, () => Promise<Command>> = {
  train: () => import('./train.js'),
  eval: () => import('./eval.js'),
  reconstruct: () => import('./reconstruct.js'),
  encode: () => import('./encode.js'),
  export: () => import('./export.js'),
  som: () => import('./som.js'),
  detect: () => import('./detect.js'),
  compress: () => import('./compress.js'),
  'plot-latent': () => import('./plot-latent.js'),
  denoise: () => import('./denoise.js'),
  report: () => import('./report.js'),
  decompress: () => import('./decompress.js'),
  probe: () => import('./probe.js'),
  classify: () => import('./classify.js'),
  pca: () => import('./pca.js'),
  import: () => import('./import.js'),
  'compare-pca': () => import('./compare-pca.js'),
  perceptron: async () => (await import('./nets.js')).perceptron,
  xor: async () => (await import('./nets.js')).xor,
  rnn: async () => (await import('./nets.js')).rnn,
};

/** One line per command; kept here (not read from the modules) so the global help loads nothing heavy. */
const summaries: Record<keyof typeof commands, string> = {
  train: 'train an autoencoder on MNIST or --data FILE, write its model and figures (no flags: the seed tutorial)',
  eval: 'reconstruction MSE (and BCE) of a saved model on its test split or --data',
  reconstruct: 'images over their reconstructions (PNG), or rows and their reconstructions (CSV/Parquet)',
  encode: 'the codes of a model\'s data: CSV or Parquet (with ids and labels) or .npy',
  export: 'a model or detector as ONNX (preprocessing inside; full, encoder, decoder or score) for ONNX Runtime',
  som: 'train a self-organizing map; write its U-matrix and, with labels, its label map',
  detect: 'anomaly detection: detect fit (normal data -> detector file), detect score (new data -> scores), detect eval',
  'plot-latent': 'scatter of the codes coloured by label or score (PNG, SVG; PCA or UMAP) + Embedding Projector TSV',
  denoise: 'PSNR/SSIM/MSE of noisy vs denoised samples, or denoise an image or a folder of images',
  report: 'one self-contained HTML page with a model\'s config, data, numbers and figures',
  compress: 'compress images or rows to 8-bit codes (.aekc); bytes/sample against raw, PNG or CSV, and the error',
  decompress: 'decode an .aekc file back to images (PNG grid) or rows (CSV/Parquet) and report the error',
  probe: 'linear-probe accuracy of raw features, PCA and autoencoder codes (needs labels)',
  classify: 'classification by reconstruction: one autoencoder per class; accuracy and confusion.png (needs labels)',
  pca: 'fit PCA to the data and save it as a safetensors file',
  import: "a PyTorch state dict (model.py's save, from 'aekit export --format pytorch') back into an aekit model file",
  'compare-pca': 'PCA vs autoencoders: test MSE per code size, table and plot (--deep: 784-1000-500-250-30)',
  perceptron: "seed 003's one-layer net on its toy set (or failing at XOR)",
  xor: 'a two-layer net learning XOR by backpropagation',
  rnn: 'a recurrent net predicting the next value of a sine wave',
};

const HELP = `Usage: aekit COMMAND [options]

Autoencoders in TypeScript: train on MNIST or your own data (CSV, Parquet, .npy, images), evaluate,
draw reconstructions, export codes, detect anomalies. Every command takes --data SPEC.

Commands:
${Object.entries(summaries).map(([name, text]) => `  ${name.padEnd(12)} ${text}`).join('\n')}

Options:
  -h, --help     show this help ('aekit COMMAND --help' for a command's options)
  -v, --version  print aekit's version

Start with 'aekit train' (under a minute on the default backend; about 7 minutes with --backend ref),
then look at aekit-out/.
Set AEKIT_DEBUG=1 to see stack traces on errors.
`;

/** The version in aekit's package.json, found by walking up from this file (src layout and dist layout differ). */
function version(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'aekit' && pkg.version) return pkg.version;
    } catch {
      /* no package.json here: keep walking up */
    }
    const up = dirname(dir);
    if (up === dir) throw new Error("cannot find aekit's package.json");
    dir = up;
  }
}

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    process.stderr.write(HELP);
    return 2;
  }
  if (first === '-h' || first === '--help' || first === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  if (first === '-v' || first === '--version') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  // The kernels read AEKIT_THREADS themselves: checked here so a huge value fails before any pool starts.
  if (process.env.AEKIT_THREADS && /^\d+$/.test(process.env.AEKIT_THREADS)) checkThreads(Number(process.env.AEKIT_THREADS), 'AEKIT_THREADS');
  const load = Object.hasOwn(commands, first) ? commands[first] : undefined;
  if (!load) {
    const what = first.startsWith('-') ? 'option' : 'command';
    throw new UsageError(`unknown ${what} '${first}' (commands: ${Object.keys(commands).join(', ')}; see 'aekit --help')`);
  }
  return (await load()).run(rest);
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => { process.exitCode = reportError(err); },
);
