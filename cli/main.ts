#!/usr/bin/env node
/**
 * aekit's command-line entry: dispatches `aekit COMMAND ...` to cli/COMMAND.ts. Commands are imported only
 * when run, so `aekit --help` and `aekit --version` stay instant (the library pulls in the charting stack).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reportError, UsageError } from './errors.js';

interface Command {
  help: string;
  run(args: string[]): Promise<number>;
}

const commands: Record<string, () => Promise<Command>> = {
  train: () => import('./train.js'),
  eval: () => import('./eval.js'),
  reconstruct: () => import('./reconstruct.js'),
  encode: () => import('./encode.js'),
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
  'compare-pca': () => import('./compare-pca.js'),
  perceptron: async () => (await import('./nets.js')).perceptron,
  xor: async () => (await import('./nets.js')).xor,
  rnn: async () => (await import('./nets.js')).rnn,
};

/** One line per command; kept here (not read from the modules) so the global help loads nothing heavy. */
const summaries: Record<keyof typeof commands, string> = {
  train: 'train an autoencoder on MNIST, write its model and figures (no flags: the seed tutorial; --model: variants)',
  eval: 'test-set MSE and BCE of a saved model',
  reconstruct: 'PNG of MNIST test digits over their reconstructions',
  encode: 'CSV of the codes (label,z0,z1,...) of MNIST images',
  som: 'train a self-organizing map on MNIST; write its U-matrix and label map',
  detect: 'anomaly detection: MNIST one-class ROC-AUC per digit (--all), or a labelled CSV',
  'plot-latent': 'scatter of the test codes coloured by digit (PNG, SVG; PCA or UMAP) + Embedding Projector TSV',
  denoise: 'PSNR/SSIM of noisy vs denoised test images, or denoise one PNG (in.png --out out.png)',
  report: 'one self-contained HTML page with a model\'s config, numbers and figures',
  compress: 'compress images to 8-bit codes (.aekc); bytes/image, ratio vs raw and PNG, PSNR (--cross: MNIST vs Fashion)',
  decompress: 'decode an .aekc file back to images (a PNG grid) and report PSNR against the originals',
  probe: 'linear-probe accuracy of raw pixels, PCA and autoencoder codes',
  classify: 'classification by reconstruction: one autoencoder per digit; accuracy and confusion.png',
  pca: 'fit PCA to MNIST and save it as a safetensors file',
  'compare-pca': 'PCA vs autoencoders on MNIST: test MSE per code size, table and plot (--deep: 784-1000-500-250-30)',
  perceptron: "seed 003's one-layer net on its toy set (or failing at XOR)",
  xor: 'a two-layer net learning XOR by backpropagation',
  rnn: 'a recurrent net predicting the next value of a sine wave',
};

const HELP = `Usage: aekit COMMAND [options]

Autoencoders in TypeScript: train on MNIST, evaluate, draw reconstructions, export codes.

Commands:
${Object.entries(summaries).map(([name, text]) => `  ${name.padEnd(12)} ${text}`).join('\n')}

Options:
  -h, --help     show this help ('aekit COMMAND --help' for a command's options)
  -v, --version  print aekit's version

Start with 'aekit train' (under a minute on the default wasm backend; about 7 minutes with --backend ref),
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
