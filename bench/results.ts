/**
 * What `npm run bench` measured, and its Markdown (bench/RESULTS.md, or bench/RESULTS-load.md under --load):
 * per-workload tables with each library's ratio to the best aekit backend, the settings the peers were tried
 * in, each multi-threaded aekit backend against the same backend on one thread, and the GEMM table.
 */
import { execSync } from 'node:child_process';
import { cpus } from 'node:os';
import { type SettingTried, WORKLOADS, type WorkloadId } from './workloads.js';

export interface Row {
  library: string;
  workload: string;
  trainSamplesPerSec: number | null;
  inferSamplesPerSec: number | null;
  note?: string;
  /** The aekit backend's registry name ('wasm', 'wasm+2threads', ...), for aekit rows. */
  backend?: string;
  /** Every setting a peer that tries several was measured in. */
  tried?: SettingTried[];
}

/** One GEMM measurement, 256x784 @ 784x256 float32 (transA: A stored transposed). */
export interface GemmRow { library: string; threads: string; transA: boolean; transB: boolean; gflops: number }

export interface ThreadRatio { workload: string; backend: string; base: string; train: number | null; infer: number | null }

/**
 * Each aekit backend named `X+Nthreads` against `X` (the same kernels on one thread), per workload: the issue's
 * check that more threads never lose, which matters most under --load.
 */
export function threadRatios(rows: Row[]): ThreadRatio[] {
  const out: ThreadRatio[] = [];
  const ratio = (a: number | null, b: number | null): number | null => (a && b ? a / b : null);
  for (const r of rows) {
    const base = /^(.+)\+\d+threads$/.exec(r.backend ?? '')?.[1];
    const one = base && rows.find((x) => x.workload === r.workload && x.backend === base);
    if (!one) continue;
    out.push({ workload: r.workload, backend: r.backend!, base: base!, train: ratio(r.trainSamplesPerSec, one.trainSamplesPerSec), infer: ratio(r.inferSamplesPerSec, one.inferSamplesPerSec) });
  }
  return out;
}

/** The middle value (the lower of the two middle ones for an even count); null if any measurement failed. */
export function median(xs: readonly (number | null)[]): number | null {
  if (xs.some((x) => x === null)) return null;
  const s = (xs as number[]).slice().sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
}

const fmt = (v: number | null): string => (v === null ? '—' : Math.round(v).toLocaleString('en-US'));
const times = (v: number | null): string => (v === null ? '—' : `${v.toFixed(2)}x`);

export function resultsMarkdown(o: { command: string; seconds: number; load: number; rounds?: number; ids: string[]; rows: Row[]; gemm: GemmRow[] }): string {
  const lines: string[] = [];
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  let nproc = String(cpus().length);
  try { nproc = execSync('nproc').toString().trim(); } catch { /* not on Linux */ }
  lines.push(o.load ? '# aekit benchmark results under load' : '# aekit benchmark results', '');
  lines.push(`Date: ${new Date().toISOString().slice(0, 10)}. Machine: ${nproc} cores (nproc), ${cpu}, Node ${process.version}.`);
  const each = (o.rounds ?? 1) > 1
    ? `each number is the median of ${o.rounds} measurements of about ${o.seconds} s, the libraries of a workload measured in turn, ${o.rounds} rounds over; inference about ${Math.max(1, o.seconds / 2)} s; PyTorch: each setting measured once per round, right after the others, the setting with the best median reported`
    : `each number is one measurement of about ${o.seconds} s after a warm-up batch; inference about ${Math.max(1, o.seconds / 2)} s`;
  lines.push(`Command: \`${o.command}\` (${each}).`);
  lines.push(`Load: ${o.load ? `${o.load} busy process${o.load === 1 ? '' : 'es'} (busy-loop \`node\` processes) running through every measurement.` : 'none.'}`, '');

  for (const id of o.ids) {
    lines.push(`## ${id}: ${WORKLOADS[id as WorkloadId].title}`, '');
    const r = o.rows.filter((x) => x.workload === id);
    const bestOf = (k: 'trainSamplesPerSec' | 'inferSamplesPerSec'): number | null =>
      Math.max(0, ...r.filter((y) => y.library.startsWith('aekit')).map((y) => y[k] ?? 0)) || null;
    const [bestTr, bestInf] = [bestOf('trainSamplesPerSec'), bestOf('inferSamplesPerSec')];
    const ratio = (a: number | null, b: number | null): string => times(a && b ? a / b : null);
    lines.push('| library | train samples/s | inference samples/s | best aekit / this (train) | best aekit / this (infer) |', '|---|---|---|---|---|');
    for (const x of r) {
      lines.push(`| ${x.library}${x.note ? ` (${x.note})` : ''} | ${fmt(x.trainSamplesPerSec)} | ${fmt(x.inferSamplesPerSec)} | ${ratio(bestTr, x.trainSamplesPerSec)} | ${ratio(bestInf, x.inferSamplesPerSec)} |`);
    }
    lines.push('');
  }

  const ratios = threadRatios(o.rows);
  if (ratios.length) {
    lines.push('## More threads against one thread (aekit)', '');
    lines.push(`Each aekit backend with more than one thread, as samples/s over the same backend's on one thread${o.load ? ' (issue #13: >= 1.00x under `--load 1`)' : ''}.`, '');
    lines.push('| workload | backends | train | inference |', '|---|---|---|---|');
    for (const t of ratios) lines.push(`| ${t.workload} | ${t.backend} / ${t.base} | ${times(t.train)} | ${times(t.infer)} |`);
    lines.push('');
  }

  const withTried = o.rows.filter((x) => x.tried?.length);
  if (withTried.length) {
    lines.push('## Peer settings tried', '');
    lines.push(`Each peer that has settings to choose was measured in each, one process per setting${(o.rounds ?? 1) > 1 ? ` (PyTorch: once per round, the median of its ${o.rounds} rounds shown)` : ''}; the tables above show its best `
      + 'per column and name it. PyTorch: OpenBLAS keeps its default of one thread per core in every setting.', '');
    lines.push('| library | workload | setting | train samples/s | inference samples/s |', '|---|---|---|---|---|');
    for (const x of withTried) {
      const lib = x.library.replace(/ \(.*$/, '');
      for (const t of x.tried!) lines.push(`| ${lib} | ${x.workload} | ${t.setting} | ${fmt(t.trainSamplesPerSec)} | ${fmt(t.inferSamplesPerSec)} |`);
    }
    lines.push('');
  }

  lines.push('## GEMM 256x784 @ 784x256, float32, GFLOP/s', '');
  lines.push('| library / backend | threads | A B | A^T B | A B^T | A^T B^T |', '|---|---|---|---|---|---|');
  const cell = (lib: string, threads: string, ta: boolean, tb: boolean): GemmRow | undefined =>
    o.gemm.find((x) => x.library === lib && x.threads === threads && x.transA === ta && x.transB === tb);
  const combos = [[false, false], [true, false], [false, true], [true, true]] as const;
  const keys = [...new Map(o.gemm.map((r) => [`${r.library}|${r.threads}`, r])).values()];
  for (const k of keys) {
    lines.push(`| ${k.library} | ${k.threads} | ${combos.map(([ta, tb]) => cell(k.library, k.threads, ta, tb)?.gflops.toFixed(1) ?? '').join(' | ')} |`);
  }
  lines.push('');
  // The issue's GEMM target: aekit on one core against OpenBLAS on one core, in this same run.
  const blas1 = keys.find((k) => k.library.includes('sgemm through') && k.threads === '1');
  const aekit1 = keys.filter((k) => k.library.startsWith('aekit') && k.threads === '1' && k.library !== 'aekit ref');
  if (blas1 && aekit1.length) {
    lines.push(`One core against one core: aekit's GEMM as a share of ${blas1.library.split(' through')[0]}'s on one thread (issue #13's target: >= 85%).`, '');
    lines.push('| aekit backend, 1 thread | A B | A^T B | A B^T | A^T B^T |', '|---|---|---|---|---|');
    for (const a of aekit1) {
      const pct = combos.map(([ta, tb]) => {
        const x = cell(a.library, '1', ta, tb), y = cell(blas1.library, '1', ta, tb);
        return x && y ? `${((100 * x.gflops) / y.gflops).toFixed(0)}%` : '—';
      });
      lines.push(`| ${a.library} | ${pct.join(' | ')} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
