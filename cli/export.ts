/**
 * `aekit export MODEL --format onnx --out m.onnx [--part P]`: a model or detector file in a format other
 * engines run. Formats are entries of one table (FORMATS), each with its own checks and writer; ONNX is
 * src/io/onnx (the library's exportOnnx), with the file's preprocessing inside the graph, found as the other
 * commands find it (cli/model-data.ts loadBundle, cli/detect-score.ts loadDetector), so the exported model
 * takes raw data as `aekit reconstruct`, `aekit encode` and `aekit detect score` do.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, extname } from 'node:path';
import { type DataInfo, exportOnnx, isAutoencoderModel, loadModelFile, ONNX_PARTS, type OnnxPart, type Preprocessing, writePyTorchExport } from '../src/index.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { onnxType } from '../src/io/onnx/proto.js';
import { choiceArg, parseCommand, positionals } from './args.js';
import { loadDetector } from './detect-score.js';
import { UsageError } from './errors.js';
import { loadBundle } from './model-data.js';

/** One output format: its help lines, the --out extensions it writes, and the writer (returns what it printed about the file). */
export interface ExportFormat {
  help: string;
  /** The --out extensions it writes; empty: --out is a folder. */
  extensions: readonly string[];
  run(model: string, opts: { out: string; part: string | undefined }): Promise<string>;
}

/** The model in the file and the preprocessing that feeds it (the same rules as the commands that read it). */
function loadForExport(path: string): { model: Parameters<typeof exportOnnx>[0]; kind: string; preprocessing: Preprocessing | null; data: DataInfo | null } {
  if (!existsSync(path)) throw new Error(`model file not found: ${path}`);
  if (statSync(path).isDirectory()) throw new Error(`${path} is a directory, not a model file`);
  const loaded = loadModelFile(path);
  const kind = loaded.header.kind;
  if (kind === 'AnomalyDetector') {
    const b = loadDetector(path);
    return { model: b.detector, kind, preprocessing: b.preprocessing, data: b.info };
  }
  if (isAutoencoderModel(loaded.model)) return { model: loaded.model, kind, preprocessing: loadBundle(path).preprocessing, data: loaded.data };
  return { model: loaded.model as unknown as Parameters<typeof exportOnnx>[0], kind, preprocessing: loaded.preprocessing, data: loaded.data };
}

/** "input [batch, 784]" for each of a graph's inputs or outputs (read back from the bytes just written). */
function describeValues(values: { name: string; type?: { tensor_type?: { shape?: { dim?: { dim_value?: unknown; dim_param?: string }[] } } } }[]): string {
  return values.map((v) => `${v.name} [${(v.type?.tensor_type?.shape?.dim ?? []).map((d) => d.dim_param || String(d.dim_value)).join(', ')}]`).join(', ');
}

const onnx: ExportFormat = {
  help: `  onnx     an ONNX model (opset 17) for ONNX Runtime (Python, C++, JS, Spark, ...), with the
           model's preprocessing inside the graph: it takes raw data as 'aekit reconstruct',
           'aekit encode' and 'aekit detect score' read it (tables: the feature columns in
           order, as float32; images: [batch, height, width, channels] for conv models, rows
           of height*width*channels values for dense ones), with a dynamic batch axis
  --part   full     raw input -> reconstruction in the data's own units (default); for a
                    perceptron, MLP, RNN or Sequential: its output
           encoder  raw input -> code (a VAE: code_mean and code_log_var)
           decoder  code -> reconstruction in the data's own units
           score    detectors: raw input -> reconstruction_error (float64, the score),
                    is_anomaly (bool, score > the saved threshold), anomaly_probability`,
  extensions: ['.onnx'],
  async run(path, { out, part }) {
    const p = part === undefined ? 'full' : choiceArg('part', part, ONNX_PARTS);
    const { model, kind, preprocessing, data } = loadForExport(path);
    const bytes = exportOnnx(model, { part: p as OnnxPart, extras: { preprocessing, data } });
    write(out, bytes);
    const graph = (onnxType('ModelProto').decode(bytes) as unknown as { graph: { input: never[]; output: never[] } }).graph;
    return `wrote ${out} (ONNX opset 17, ${kind} ${p}: ${describeValues(graph.input)} -> ${describeValues(graph.output)}; ${(bytes.length / 1024).toFixed(1)} KiB)`;
  },
};

const pytorch: ExportFormat = {
  help: `  pytorch  a folder (--out DIR) with model.py, an nn.Module built like the model, and
           model.safetensors, its state dict under PyTorch's own names and layouts:
           'from model import load; model = load("DIR/model.safetensors")' (docs/pytorch.md);
           'aekit import' brings a state dict trained in PyTorch back. No --part: the whole
           model (a detector: its autoencoder, as the threshold describes these weights only)`,
  extensions: [],
  async run(path, { out, part }) {
    if (part !== undefined) throw new UsageError("--part is for --format onnx: --format pytorch writes the whole model");
    if (!existsSync(path)) throw new Error(`model file not found: ${path}`);
    const l = loadModelFile(path);
    const paths = writePyTorchExport(l.model, { data: l.data, preprocessing: l.preprocessing, training: l.header.training ?? null }, out);
    return `wrote ${paths.modelPy}\n      ${paths.safetensors}\n(PyTorch: from model import load; model = load("${paths.safetensors}"))`;
  },
};

/** The formats by --format name. */
export const FORMATS: Record<string, ExportFormat> = { onnx, pytorch };

/** Writes atomically; a folder that is not there or cannot be written is one line naming --out. */
function write(out: string, bytes: Uint8Array): void {
  const dir = dirname(out);
  if (!existsSync(dir)) throw new Error(`--out ${out}: the folder ${dir} does not exist`);
  try {
    writeFileAtomic(out, bytes);
  } catch (e) {
    // Node names the temp file in its message ("ENOTDIR: not a directory, open '.../.m.onnx.12.0.tmp'"): keep the reason.
    throw new Error(`cannot write --out ${out}: ${(e as Error).message.replace(/, \w+ '.*'$/, '')}`);
  }
}

export const help = `Usage: aekit export MODEL --format FORMAT --out PATH [--part PART]

Writes MODEL (a model file from 'aekit train', or a detector from 'aekit detect fit') in a format
other engines run. Formats:
${Object.values(FORMATS).map((f) => f.help).join('\n')}

Options:
  --format FORMAT   ${Object.keys(FORMATS).join(', ')} (required)
  --out PATH        what to write (${Object.entries(FORMATS).map(([name, f]) => `${name}: ${f.extensions.length ? `a ${f.extensions.join(', ')} file` : 'a folder'}`).join('; ')})
  --part PART       which part of the model (see the format)
  -h, --help        show this help

See docs/export.md for the tensor names and shapes, and how to run an exported model.
`;

const options = {
  format: { type: 'string' },
  out: { type: 'string' },
  part: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(args: string[]): Promise<number> {
  const { values, positionals: given } = parseCommand('export', args, options);
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const [path] = positionals('export', given, ['MODEL']);
  if (values.format === undefined) throw new UsageError(`'aekit export' needs --format (${Object.keys(FORMATS).join(', ')}; see 'aekit export --help')`);
  const format = FORMATS[choiceArg('format', values.format, Object.keys(FORMATS))];
  if (values.out === undefined) throw new UsageError(`'aekit export' needs --out ${format.extensions.length ? `FILE (${format.extensions.join(', ')})` : 'DIR (a folder)'}`);
  const ext = extname(values.out).toLowerCase();
  if (format.extensions.length && !format.extensions.includes(ext)) throw new UsageError(`--out ${values.out}: --format ${values.format} writes ${format.extensions.join(', ')} files, not '${ext || 'no extension'}'`);
  process.stdout.write(`${await format.run(path, { out: values.out, part: values.part })}\n`);
  return 0;
}
