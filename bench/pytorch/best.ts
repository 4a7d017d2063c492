/**
 * PyTorch at its best (issue #13): runs bench/pytorch/bench.py once per setting a PyTorch expert would try on
 * this machine, each in its own process because OpenMP reads OMP_WAIT_POLICY when torch is imported:
 * torch.set_num_threads 1 and one per core, each with OMP_WAIT_POLICY=PASSIVE and with OpenMP's default
 * (active) wait policy. OpenBLAS keeps its default of one thread per core in all of them (its own pthreads,
 * not OpenMP's). Each setting is measured once per round; for each workload, train and inference each report
 * the setting with the best median over the rounds, named in the row (pytorchRow).
 * The GEMM peer is OpenBLAS's sgemm through torch.mm, on one core (torch.set_num_threads(1) and
 * OPENBLAS_NUM_THREADS=1) and on all cores.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { SettingTried } from '../workloads.js';
import { type GemmRow, median, type Row } from '../results.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const script = fileURLToPath(new URL('./bench.py', import.meta.url));

interface Setting { threads: number; waitPolicy: string; openblasThreads: string }
export interface WorkloadLine { library: string; workload: string; trainSamplesPerSec: number; inferSamplesPerSec: number; setting: Setting }
interface GemmLine { library: string; gemm: Setting & { transA: boolean; transB: boolean; gflops: number; best: number; blas: string | null } }

export const describeSetting = (s: Setting): string =>
  `${s.threads} OpenMP thread${s.threads === 1 ? '' : 's'}, ${s.waitPolicy === 'default' ? 'default wait policy' : `OMP_WAIT_POLICY=${s.waitPolicy}`}`;

/** The environment of one setting: only the variables we set, none inherited that would change it. */
function envFor(waitPolicy: string | null, openblasThreads: number | null): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ['OMP_WAIT_POLICY', 'OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'GOTO_NUM_THREADS']) delete env[k];
  if (waitPolicy) env.OMP_WAIT_POLICY = waitPolicy;
  if (openblasThreads) env.OPENBLAS_NUM_THREADS = String(openblasThreads);
  return env;
}

async function jsonLines<T>(py: string, args: string[], env: NodeJS.ProcessEnv): Promise<T[]> {
  const { stdout } = await run(py, [script, ...args], { cwd: root, env, maxBuffer: 1 << 22 });
  return stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as T);
}

/** The first interpreter with torch (Debian's python3-torch is for /usr/bin/python3, maybe not the python3 on PATH); or why none. */
export async function findTorch(): Promise<{ py: string } | { skipped: string }> {
  let why = 'no python3 found';
  for (const py of [process.env.AEKIT_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p)) {
    try {
      const { stdout } = await run(py, ['-c', 'import torch; print(torch.__version__)']);
      if (stdout.trim()) return { py };
    } catch (e) {
      why = `torch not importable: ${(e as Error).message.split('\n').filter((l) => l.trim()).pop()}`;
    }
  }
  return { skipped: why };
}

/**
 * One round: each setting measured once, in its own process, on the workloads `ids` (bench/run.ts runs a round
 * right after the other libraries' measurements of a workload, so a drift of the machine's speed reaches
 * PyTorch's numbers as it reaches theirs).
 */
export async function runPytorchRound(py: string, o: { idx: string; ids: string[]; seconds: number; cores: number; log: (s: string) => void }): Promise<WorkloadLine[]> {
  const lines: WorkloadLine[] = [];
  for (const threads of [...new Set([1, o.cores])]) {
    for (const waitPolicy of ['PASSIVE', null]) {
      const args = ['--idx', o.idx, '--seconds', String(o.seconds), '--workloads', o.ids.join(','), '--threads', String(threads)];
      try {
        const got = await jsonLines<WorkloadLine>(py, args, envFor(waitPolicy, null));
        for (const l of got) o.log(`${l.workload} PyTorch (${describeSetting(l.setting)}): train ${l.trainSamplesPerSec.toFixed(0)} samples/s, infer ${l.inferSamplesPerSec.toFixed(0)} samples/s`);
        lines.push(...got);
      } catch (e) {
        o.log(`PyTorch ${threads} threads, ${waitPolicy ?? 'default'} wait policy: failed (${(e as Error).message.split('\n')[0]})`);
      }
    }
  }
  return lines;
}

/**
 * PyTorch's row for workload `id` from the lines of every round: each setting's median over its rounds (the
 * statistic every other library gets), then for train and for inference the setting with the best median,
 * named in the row; every setting's medians stay in `tried`. (The best single measurement over four settings,
 * two of them nearly the same, would add the luck of the best of several draws to PyTorch's number only.)
 */
export function pytorchRow(id: string, lines: readonly WorkloadLine[]): Row | null {
  const bySetting = new Map<string, WorkloadLine[]>();
  for (const l of lines.filter((x) => x.workload === id)) {
    const key = describeSetting(l.setting);
    bySetting.set(key, [...(bySetting.get(key) ?? []), l]);
  }
  if (!bySetting.size) return null;
  const settings = [...bySetting].map(([setting, ls]) => ({
    setting, library: ls[0].library,
    train: median(ls.map((l) => l.trainSamplesPerSec))!, infer: median(ls.map((l) => l.inferSamplesPerSec))!,
  }));
  const best = (k: 'train' | 'infer') => settings.reduce((a, b) => (b[k] > a[k] ? b : a));
  const [tr, inf] = [best('train'), best('infer')];
  const tried: SettingTried[] = settings.map((x) => ({ setting: x.setting, trainSamplesPerSec: x.train, inferSamplesPerSec: x.infer }));
  return {
    library: `${tr.library} (${tr.setting === inf.setting ? tr.setting : `train: ${tr.setting}; infer: ${inf.setting}`})`,
    workload: id, trainSamplesPerSec: tr.train, inferSamplesPerSec: inf.infer, tried,
  };
}

/** OpenBLAS's sgemm through torch.mm, on one core and on all of them. */
export async function runPytorchGemm(py: string, o: { seconds: number; cores: number; log: (s: string) => void }): Promise<GemmRow[]> {
  const gemm: GemmRow[] = [];
  for (const threads of [...new Set([1, o.cores])]) {
    try {
      const got = await jsonLines<GemmLine>(py, ['--gemm', '--threads', String(threads), '--seconds', String(o.seconds)], envFor('PASSIVE', threads));
      for (const g of got) {
        gemm.push({
          // Named OpenBLAS only where bench.py saw it mapped: another torch build may call MKL or its own BLAS.
          library: `${g.gemm.blas?.toLowerCase().includes('openblas') ? 'OpenBLAS' : 'BLAS'} sgemm through ${g.library} (torch.mm${g.gemm.blas ? `, ${g.gemm.blas}` : ''})`,
          threads: String(threads), transA: g.gemm.transA, transB: g.gemm.transB, gflops: g.gemm.gflops,
        });
      }
    } catch (e) {
      o.log(`PyTorch GEMM on ${threads} threads: failed (${(e as Error).message.split('\n')[0]})`);
    }
  }
  return gemm;
}
