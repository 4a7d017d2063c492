/**
 * `npm run bench:stream`: training on data larger than memory. Writes a seeded 2,000,000 x 784 float32 .npy
 * (6.3 GB; not committed, deleted afterwards unless --keep), then in one run, each in a fresh child process so
 * its peak RSS is its own:
 *   stream     one epoch of a 784-32-784 autoencoder (ReLU code, linear output, MSE, Adam, batch 256; the data
 *              standardized per feature, fitted over the stream) streamed from the file with the default shuffle
 *              buffer;
 *   in-memory  the same model and settings on the first --memory-rows rows loaded into memory (Node 20 cannot
 *              hold 6.3 GB in one typed array; samples/s is per sample, so a part of the file compares fairly).
 * Reports training samples/s of both (fit's own count: the epoch, not the preprocessing passes), their ratio,
 * and each child's peak RSS; writes bench/RESULTS-stream.md.
 *
 *   npm run bench:stream                                  the issue's benchmark
 *   npm run bench:stream -- --rows 200000 --memory-rows 100000   a quick run
 */
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../src/io/atomic.js';
import { Rng } from '../src/tensor/rng.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '2000000' },
    'memory-rows': { type: 'string', default: '400000' },
    preprocess: { type: 'string', default: 'standardize' },
    repeats: { type: 'string', default: '3' },
    dir: { type: 'string', default: tmpdir() },
    keep: { type: 'boolean', default: false },
    child: { type: 'string' },
    file: { type: 'string' },
  },
  strict: true,
});
const D = 784;

/** One child: trains one epoch and prints {samplesPerSec, seconds, maxRssMb, loss} as JSON. */
async function child(mode: string, file: string, memoryRows: number): Promise<void> {
  const { useBackend, getBackend } = await import('../src/kernels/select.js');
  useBackend();
  const { Autoencoder } = await import('../src/models/autoencoder.js');
  const { openNpyStream } = await import('../src/data/stream-files.js');
  const { fitStreamPreprocessing, StreamedData } = await import('../src/data/stream.js');
  const { Dataset } = await import('../src/data/dataset.js');
  const { Preprocessing } = await import('../src/data/preprocess.js');
  const model = new Autoencoder({ inputDim: D, latentDim: 32, activation: 'relu', outputActivation: 'linear', seed: 0 });
  const opts = { epochs: 1, batchSize: 256, optimizer: 'adam' as const, lr: 1e-3, loss: 'mse' as const, seed: 0 };
  const stream = await openNpyStream(file);
  let history;
  const method = values.preprocess as 'standardize' | 'none';
  if (mode === 'stream') {
    const prep = await fitStreamPreprocessing(stream, method, D);
    history = await model.fit(new StreamedData(stream, method === 'none' ? null : prep), opts);
  } else {
    const x = await stream.read(0, memoryRows);
    const ds = Dataset.fromTyped(x, memoryRows, [D]);
    history = await model.fit(method === 'none' ? ds : Preprocessing.fit(ds, method, D).apply(ds), opts);
  }
  await stream.close();
  const b = getBackend();
  process.stdout.write(`${JSON.stringify({
    mode, samples: mode === 'stream' ? stream.length : memoryRows, samplesPerSec: history.samplesPerSec, seconds: history.seconds,
    loss: history.loss[0], maxRssMb: process.resourceUsage().maxRSS / 1024, backend: `${b.name} (${b.threads} threads)`,
  })}\n`);
}

/** The .npy 1.0 header of a little-endian float32 [rows, 784] array, padded to 64 bytes as numpy writes it. */
function npyHeader(rows: number): Uint8Array {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${D}), }`;
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  const out = new Uint8Array(total);
  out.set([0x93, ...new TextEncoder().encode('NUMPY'), 1, 0]);
  new DataView(out.buffer).setUint16(8, total - 10, true);
  out.set(new TextEncoder().encode(dict.padEnd(total - 11, ' ') + '\n'), 10);
  return out;
}

/** Writes `rows` x 784 float32: 16 seeded latent factors plus noise, in chunks (never the whole file in memory). */
function writeData(path: string, rows: number): void {
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, npyHeader(rows));
    const rng = new Rng(42);
    const K = 16;
    const W = Float32Array.from({ length: K * D }, () => rng.normal() / Math.sqrt(K));
    const chunk = 8192;
    const buf = new Float32Array(chunk * D);
    const z = new Float64Array(K);
    for (let s = 0; s < rows; s += chunk) {
      const m = Math.min(chunk, rows - s);
      for (let i = 0; i < m; i++) {
        for (let k = 0; k < K; k++) z[k] = rng.normal();
        for (let j = 0; j < D; j++) {
          let v = 0.1 * rng.normal();
          for (let k = 0; k < K; k++) v += z[k] * W[k * D + j];
          buf[i * D + j] = v;
        }
      }
      writeSync(fd, new Uint8Array(buf.buffer, 0, m * D * 4));
    }
  } finally {
    closeSync(fd);
  }
}

async function main(): Promise<void> {
  const rows = Number(values.rows), memoryRows = Number(values['memory-rows']);
  if (values.child) return child(values.child, values.file!, memoryRows);
  mkdirSync(values.dir!, { recursive: true });
  const file = join(values.dir!, `aekit-bench-${rows}x${D}.npy`);
  if (!existsSync(file)) {
    process.stderr.write(`writing ${file} (${((rows * D * 4) / 1e9).toFixed(1)} GB)...\n`);
    writeData(file, rows);
  }
  const run = (mode: string): Record<string, unknown> => {
    process.stderr.write(`${mode}...\n`);
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/stream.ts', '--child', mode, '--file', file, '--rows', String(rows), '--memory-rows', String(memoryRows), '--preprocess', values.preprocess!], { encoding: 'utf8', maxBuffer: 1 << 20 });
    return JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;
  };
  try {
    // Alternated, several times: this machine is shared and its speed drifts; the medians compare like with like.
    const runs: Record<string, Record<string, unknown>[]> = { 'in-memory': [], stream: [] };
    for (let r = 0; r < Number(values.repeats); r++) for (const mode of ['in-memory', 'stream']) runs[mode].push(run(mode));
    const median = (rs: Record<string, unknown>[]): Record<string, unknown> => {
      const sorted = [...rs].sort((a, b) => (a.samplesPerSec as number) - (b.samplesPerSec as number));
      return { ...sorted[Math.floor(sorted.length / 2)], maxRssMb: Math.max(...rs.map((x) => x.maxRssMb as number)), all: rs.map((x) => Math.round(x.samplesPerSec as number)) };
    };
    const memory = median(runs['in-memory']);
    const stream = median(runs.stream);
    const ratio = (stream.samplesPerSec as number) / (memory.samplesPerSec as number);
    const cmd = `npm run bench:stream -- --rows ${rows} --memory-rows ${memoryRows}${values.preprocess === 'standardize' ? '' : ` --preprocess ${values.preprocess}`}`;
    const fmt = (v: unknown): string => Math.round(v as number).toLocaleString('en-US');
    const md = `# Training on data larger than memory\n\n` +
      `\`${cmd}\` on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ` +
      `${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${stream.backend}.\n\n` +
      `784-32-784 autoencoder (ReLU code, linear output, MSE, Adam, batch 256), data preprocessing ${values.preprocess}, one epoch; ` +
      `each mode run ${values.repeats} times, alternating, in fresh processes: the median samples/s (all runs in brackets) and the highest peak RSS.\n` +
      `The file: ${rows.toLocaleString('en-US')} x 784 float32 (${((rows * D * 4) / 1e9).toFixed(1)} GB), generated by the script (seeded).\n\n` +
      `| mode | samples | train samples/s, median (runs) | peak RSS (MB) | epoch loss |\n|---|---|---|---|---|\n` +
      `| streamed from the .npy (shuffle buffer 16384) | ${fmt(stream.samples)} | ${fmt(stream.samplesPerSec)} (${(stream.all as number[]).map(fmt).join(', ')}) | ${fmt(stream.maxRssMb)} | ${(stream.loss as number).toFixed(4)} |\n` +
      `| in memory (first ${fmt(memoryRows)} rows) | ${fmt(memory.samples)} | ${fmt(memory.samplesPerSec)} (${(memory.all as number[]).map(fmt).join(', ')}) | ${fmt(memory.maxRssMb)} | ${(memory.loss as number).toFixed(4)} |\n\n` +
      `Streamed / in memory: ${(100 * ratio).toFixed(1)}% of the samples/s.\n`;
    writeFileAtomic('bench/RESULTS-stream.md', md);
    process.stdout.write(md);
  } finally {
    if (!values.keep) rmSync(file, { force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
