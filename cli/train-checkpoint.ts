/**
 * Checkpoints of `aekit train` and `aekit detect fit`: the flags (--checkpoint-dir, --checkpoint-every,
 * --resume), the store training writes to, what a resumed run says it resumes, and the command that resumes an
 * interrupted one. The checkpoint itself is the library's (src/train/checkpoint.ts, io/checkpoint-file.ts):
 * `last` and `best`, each file replaced atomically.
 *
 * Periodic checkpoints are written only when asked (--checkpoint-every, --checkpoint-dir or --resume): a plain
 * run leaves --out as it always did. A Ctrl-C or SIGTERM always writes one, so every interrupted run can be
 * resumed. For that the store of a run without periodic checkpoints keeps the latest checkpoint fit hands it in
 * memory and writes it only when the run is interrupted (at once when the signal came during fit; after a
 * stage trained without checkpoints, such as the sparse presets' baseline, from `flush`).
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CHECKPOINT_FILES, type Checkpoint, type CheckpointName, type CheckpointOptions, checkpointDir, type CheckpointStore, readCheckpoint } from '../src/index.js';
import { cleanStaleTemps } from '../src/io/atomic.js';
import { intArg } from './args.js';
import { UsageError } from './errors.js';

export const CHECKPOINT_OPTIONS = {
  'checkpoint-dir': { type: 'string' },
  'checkpoint-every': { type: 'string' },
  resume: { type: 'string' },
} as const;

/** The help of the flags; `defaultDir` says where checkpoints go without --checkpoint-dir and --resume. */
export function checkpointHelp(defaultDir: string): string {
  return `Checkpoints (the run's whole state: weights, optimizer, random streams, position, history):
  --checkpoint-every S        'epoch' or N optimizer steps (default: epoch when --checkpoint-dir or
                              --resume is given, else only when interrupted)
  --checkpoint-dir DIR        where they go: checkpoint-last.safetensors and checkpoint-best.safetensors
                              (lowest validation loss); default: the --resume folder, else
                              ${defaultDir}
  --resume DIR                continue the run whose checkpoints are in DIR from its last one; give
                              the same flags (another model, batch size, optimizer, loss, seed or data
                              is refused, naming what differs); it trains to --epochs and ends in
                              the same weights, bit for bit, as a run never stopped
`;
}

export interface CheckpointArgs {
  dir: string;
  /** 'epoch', N steps, or null: written only when the run is interrupted. */
  every: 'epoch' | number | null;
  resume: string | null;
}

/** The checkpoint flags; `defaultDir` is where they go without --checkpoint-dir and --resume. */
export function readCheckpointArgs(v: { 'checkpoint-dir'?: string; 'checkpoint-every'?: string; resume?: string }, defaultDir: string): CheckpointArgs {
  const resume = v.resume === undefined ? null : resolve(v.resume);
  if (resume !== null && (!existsSync(resume) || !statSync(resume).isDirectory())) {
    throw new UsageError(`--resume ${v.resume}: no such folder (give the --checkpoint-dir of the run to continue)`);
  }
  if (resume !== null && !existsSync(join(resume, CHECKPOINT_FILES.last))) {
    throw new Error(`--resume ${v.resume}: the folder holds no ${CHECKPOINT_FILES.last} (give the --checkpoint-dir of the run to continue)`);
  }
  const raw = v['checkpoint-every'];
  let every: CheckpointArgs['every'] = v['checkpoint-dir'] !== undefined || resume !== null ? 'epoch' : null;
  if (raw !== undefined) {
    if (raw.trim() === 'epoch') every = 'epoch';
    else if (/^\+?\d+$/.test(raw.trim()) && Number(raw) >= 1) every = intArg('checkpoint-every', raw);
    else throw new UsageError(`--checkpoint-every must be 'epoch' or a positive number of steps, got '${raw}'`);
  }
  return { dir: resolve(v['checkpoint-dir'] ?? resume ?? defaultDir), every, resume };
}

/** The store a run checkpoints to, and `flush`: writes the checkpoints kept in memory (after an interrupt). */
export interface RunStore {
  options: CheckpointOptions;
  resume?: CheckpointStore;
  flush(): void;
}

export function runStore(args: CheckpointArgs, signal: AbortSignal): RunStore {
  const dir = checkpointDir(args.dir);
  cleanStaleTemps(args.dir); // temp files of a run killed mid-write
  const pending = new Map<CheckpointName, Checkpoint>();
  const store: CheckpointStore = {
    where: args.dir,
    save(name, ck) {
      if (args.every === null && !signal.aborted) {
        pending.set(name, ck);
        return;
      }
      pending.delete(name);
      dir.save(name, ck);
    },
    load: (name) => dir.load(name),
  };
  return {
    options: { store, every: args.every ?? 'epoch' },
    ...(args.resume !== null ? { resume: checkpointDir(args.resume) } : {}),
    flush() {
      for (const [name, ck] of pending) dir.save(name, ck);
      pending.clear();
    },
  };
}

/** What a resumed run continues from, for its first stderr line (the checkpoint is read and checked here). */
export function describeResume(dir: string): string {
  const ck = readCheckpoint(dir);
  const p = ck.position;
  const stage = typeof ck.extra.stage === 'number' ? `stage ${ck.extra.stage + 1}, ` : '';
  const done = ck.history.stopReason && ck.history.stopReason !== 'aborted' ? ` (that run had stopped: ${ck.history.stopReason})` : '';
  return `resuming ${join(dir, CHECKPOINT_FILES.last)}: continuing at ${stage}epoch ${p.epoch + 1}, batch ${p.batch + 1} (${p.epoch} epoch(s) and ${p.steps} step(s) done)${done}`;
}

/** A shell word: as is when it is safe, else in single quotes. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The command that continues this run: its own arguments with `--resume DIR` (replacing any --resume). */
export function resumeCommand(command: readonly string[], args: readonly string[], dir: string): string {
  const kept: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--resume') { i++; continue; }
    if (args[i].startsWith('--resume=')) continue;
    kept.push(args[i]);
  }
  return ['aekit', ...command, ...kept, '--resume', dir].map(shellWord).join(' ');
}
