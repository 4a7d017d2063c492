/**
 * `npm run reproduce` (issue #15): runs each experiment of the table below through the public library, writes
 * bench/REPRODUCTION.md and bench/reproduction.json (one row per result: the published value and its source,
 * aekit's value, the PyTorch peer's from the same run where torch is importable, epochs, wall time, command).
 *
 *   npm run reproduce                         the full run (about an hour on 2 cores; each experiment's estimateMinutes)
 *   npm run reproduce -- --only keras-blog    one experiment (names below; a comma list for several)
 *   npm run reproduce -- --quick              a few minutes: 10000 training / 2000 test images, 2-3 epochs; checks
 *                                             every row runs and lands in its sane range, exits 1 otherwise
 *   --out DIR (default bench), --no-pytorch
 */
import { mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { getBackend, loadFashionMnist, loadMnist, writeFileAtomic } from '../src/index.js';
import { hinton2006, aeVsPca } from './reproduce/pca.js';
import { kerasBlog, seedTutorial } from './reproduce/keras.js';
import { pytorchRunner } from './reproduce/measure.js';
import { oneClass } from './reproduce/one-class.js';
import { json, markdown } from './reproduce/report.js';
import type { Experiment, Result, RunContext } from './reproduce/types.js';
import { vaeNll } from './reproduce/vae.js';

/** The table: the six experiments of issue #15, in its order. */
export const EXPERIMENTS: Experiment[] = [seedTutorial, kerasBlog, hinton2006, vaeNll, oneClass, aeVsPca];

const QUICK = { train: 10000, test: 2000 };
/** Where --only and --quick runs write when --out is not given (ignored by git). */
const PARTIAL_OUT = 'bench/reproduce-partial';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { only: { type: 'string' }, quick: { type: 'boolean' }, out: { type: 'string' }, 'no-pytorch': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(`usage: npm run reproduce -- [--only NAME[,NAME]] [--quick] [--out DIR] [--no-pytorch]\nexperiments: ${EXPERIMENTS.map((e) => `${e.name} (~${e.estimateMinutes} min)`).join(', ')}`);
    return 0;
  }
  const names = values.only ? values.only.split(',').map((s) => s.trim()).filter(Boolean) : EXPERIMENTS.map((e) => e.name);
  const log = (s: string): void => console.log(s);
  const unknown = names.filter((n) => !EXPERIMENTS.some((e) => e.name === n));
  if (unknown.length) {
    console.error(`reproduce: unknown experiment ${unknown.map((n) => `'${n}'`).join(', ')} (known: ${EXPERIMENTS.map((e) => e.name).join(', ')})`);
    return 2;
  }
  const quick = !!values.quick;
  // bench/REPRODUCTION.md holds one full run; a partial or --quick run never replaces it unless --out says so.
  const partial = quick || !!values.only;
  const outDir = values.out ?? (partial ? PARTIAL_OUT : 'bench');
  if (partial && !values.out) log(`a partial run: its report goes to ${PARTIAL_OUT}/ (bench/REPRODUCTION.md holds the last full run)`);
  mkdirSync(outDir, { recursive: true });
  const lim = (n: number) => (quick ? { limit: n } : {});
  const cache: { ft?: ReturnType<typeof loadFashionMnist>; fe?: ReturnType<typeof loadFashionMnist> } = {};
  const ctx: RunContext = {
    quick, log, outDir,
    data: {
      mnistTrain: loadMnist('train', lim(QUICK.train)), mnistTest: loadMnist('test', lim(QUICK.test)),
      fashionTrain: () => (cache.ft ??= loadFashionMnist({ split: 'train', ...lim(QUICK.train) })),
      fashionTest: () => (cache.fe ??= loadFashionMnist({ split: 'test', ...lim(QUICK.test) })),
    },
    pytorch: pytorchRunner(!values['no-pytorch'], log),
  };
  const flags = `${quick ? ' --quick' : ''}${values['no-pytorch'] ? ' --no-pytorch' : ''}`;
  const commands = Object.fromEntries(EXPERIMENTS.map((e) => [e.name, `npm run reproduce -- --only ${e.name}${flags}`]));
  const chosen = EXPERIMENTS.filter((e) => names.includes(e.name));
  const results: Result[] = [];
  const failures: string[] = [];
  const t0 = performance.now();
  for (const e of chosen) {
    log(`${e.name}: ${e.title}${quick ? ' (quick)' : ` (about ${e.estimateMinutes} min)`}`);
    try {
      const rows = await e.run(ctx);
      for (const r of rows) {
        log(`  ${r.metric}: aekit ${r.aekit.toPrecision(5)}${r.reference ? `, published ${+r.reference.value.toPrecision(6)}` : ''}`);
        if (!(r.aekit >= r.sane[0] && r.aekit <= r.sane[1])) failures.push(`${e.name}: '${r.metric}' = ${r.aekit}, outside its sane range [${r.sane.join(', ')}]`);
      }
      results.push(...rows);
    } catch (err) {
      failures.push(`${e.name}: ${(err as Error).message.split('\n')[0]}`);
      console.error((err as Error).stack);
    }
  }
  const info = {
    date: new Date().toISOString().slice(0, 10),
    command: `npm run reproduce --${values.only ? ` --only ${names.join(',')}` : ''}${flags}${values.out ? ` --out ${outDir}` : ''}`,
    quick, machine: `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}, aekit backend ${getBackend().name}`,
    totalSeconds: (performance.now() - t0) / 1000, experiments: chosen, commands, failures,
  };
  writeFileAtomic(join(outDir, 'REPRODUCTION.md'), markdown(results, info));
  writeFileAtomic(join(outDir, 'reproduction.json'), json(results, info));
  log(`wrote ${join(outDir, 'REPRODUCTION.md')} and reproduction.json (${results.length} rows, ${(info.totalSeconds / 60).toFixed(1)} min)`);
  for (const f of failures) console.error(`FAILED ${f}`);
  return failures.length ? 1 : 0;
}

main().then((code) => process.exit(code), (e) => { console.error(e); process.exit(1); });
