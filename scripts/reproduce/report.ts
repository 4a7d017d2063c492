/**
 * bench/REPRODUCTION.md and bench/reproduction.json from one run's Results: one row per result with the
 * published value and its source, aekit's value, the PyTorch peer's, epochs, wall time and the exact command.
 */
import type { Experiment, Result } from './types.js';

export interface RunInfo {
  date: string;
  command: string;
  quick: boolean;
  machine: string;
  totalSeconds: number;
  experiments: Experiment[];
  /** Experiment name -> its command (`npm run reproduce -- --only NAME`). */
  commands: Record<string, string>;
  failures: string[];
}

const fmt = (v: number): string => (Number.isFinite(v) ? (Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(4)) : String(v));

/** "falls short by x (y %)" where the reference is better, else how far ahead; '' without a judgement. */
export function comparison(r: Result): string {
  if (!r.reference || !r.better) return '';
  const d = r.aekit - r.reference.value;
  const worse = r.better === 'lower' ? d > 0 : d < 0;
  const rel = r.reference.value !== 0 ? ` (${Math.abs((100 * d) / r.reference.value).toFixed(1)} %)` : '';
  return `${worse ? 'short by' : 'ahead by'} ${fmt(Math.abs(d))}${rel}`;
}

function pytorchCell(r: Result): string {
  if (!r.pytorch) return '—';
  if ('skipped' in r.pytorch) return `— (${r.pytorch.skipped})`;
  return `${fmt(r.pytorch.value)} (${r.pytorch.epochs} ep, ${r.pytorch.seconds.toFixed(0)} s)`;
}

export function markdown(results: Result[], info: RunInfo): string {
  const lines = [
    '# Reproducing published numbers with aekit',
    '',
    `Date: ${info.date}. Machine: ${info.machine}. ${info.quick ? '**A --quick smoke run (small subsets, a few epochs): these numbers only show that each row runs; they are not results.**' : 'A full run.'}`,
    `Command: \`${info.command}\` (${(info.totalSeconds / 60).toFixed(1)} minutes in all). Every aekit and PyTorch number below comes from that run; ` +
      'the published values are typed once, with their sources, in scripts/reproduce/*.ts.',
    '',
  ];
  if (info.failures.length) lines.push('**Failures:**', ...info.failures.map((f) => `- ${f}`), '');
  for (const e of info.experiments) {
    const rows = results.filter((r) => r.experiment === e.name);
    lines.push(`## ${e.title}`, '', e.recipe, '', `Command: \`${info.commands[e.name]}\``, '');
    if (!rows.length) { lines.push('_No result (see failures)._', ''); continue; }
    lines.push('| result | published | aekit | vs published | PyTorch, same recipe | epochs | wall time |', '|---|---:|---:|---|---:|---:|---:|');
    for (const r of rows) {
      const pub = r.reference ? fmt(r.reference.value) + (r.alsoReference ? ` (${r.alsoReference.label}: ${fmt(r.alsoReference.value)})` : '') : '—';
      lines.push(`| ${r.metric} | ${pub} | ${fmt(r.aekit)} | ${comparison(r)} | ${pytorchCell(r)} | ${r.epochs} | ${r.seconds.toFixed(1)} s |`);
    }
    const sources = [...new Set(rows.flatMap((r) => [r.reference?.source, r.alsoReference?.source]).filter((s): s is string => !!s))];
    const notes = [...new Set(rows.map((r) => r.note).filter((s): s is string => !!s))];
    if (sources.length) lines.push('', 'Sources:', ...sources.slice(0, 12).map((s) => `- ${s}`), ...(sources.length > 12 ? [`- ... (${sources.length - 12} more of the same table in reproduction.json)`] : []));
    if (notes.length) lines.push('', 'Notes:', ...notes.map((n) => `- ${n}`));
    lines.push('');
  }
  return lines.join('\n');
}

export function json(results: Result[], info: RunInfo): string {
  return `${JSON.stringify({
    date: info.date, command: info.command, quick: info.quick, machine: info.machine, totalSeconds: info.totalSeconds, failures: info.failures,
    rows: results.map((r) => ({ ...r, command: info.commands[r.experiment], comparison: comparison(r) || null })),
  }, null, 2)}\n`;
}
