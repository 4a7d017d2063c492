/**
 * A run's outputs as one set: the model, its figures and summary.json always describe the same model.
 *
 * Each file is written into a fresh staging folder inside --out (`.aekit-staging-PID`). When all are written
 * and flushed, a manifest (`.complete`, the list of names) is written last: from then on the set is committed.
 * Then each file is renamed into place and the staging folder removed. A run killed before the manifest leaves
 * the previous set untouched (its staging folder is deleted by the next run); a run killed during the renames
 * leaves a committed staging folder, which the next run finishes moving into place before it starts (roll
 * forward, as a journal does), so no mix of two runs' files survives beyond it. Renames stay within one file
 * system (the staging folder is inside --out), so each one is atomic.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { cleanStaleTemps, pidAlive, writeFileAtomic } from '../src/io/atomic.js';

const STAGING = /^\.aekit-staging-(\d+)$/;
const MANIFEST = '.complete';

function fsyncPath(path: string): void {
  let fd = -1;
  try {
    fd = openSync(path, 'r');
    fsyncSync(fd);
  } catch {
    /* a folder cannot be opened for fsync on every platform: best effort */
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/** Moves a committed staging folder's files into `out`, then removes the folder. */
function rollForward(out: string, staging: string): void {
  const names = JSON.parse(readFileSync(join(staging, MANIFEST), 'utf8')) as string[];
  for (const name of names) {
    const from = join(staging, name);
    if (existsSync(from)) renameSync(from, join(out, name));
  }
  fsyncPath(out);
  rmSync(staging, { recursive: true, force: true });
}

/**
 * What killed runs left in `out`: committed staging folders are finished, uncommitted ones and temp files of
 * dead processes removed. Returns a line per thing done (for a note on stderr).
 */
export function recoverOutputs(out: string): string[] {
  const notes: string[] = [];
  let names: string[];
  try {
    names = readdirSync(out);
  } catch {
    return notes;
  }
  for (const name of names) {
    const m = STAGING.exec(name);
    if (!m || pidAlive(Number(m[1]))) continue;
    const staging = join(out, name);
    try {
      if (existsSync(join(staging, MANIFEST))) {
        rollForward(out, staging);
        notes.push(`finished moving the outputs of an interrupted run (${name}) into ${out}`);
      } else {
        rmSync(staging, { recursive: true, force: true });
        notes.push(`removed ${name}, the unfinished outputs of an interrupted run`);
      }
    } catch (e) {
      notes.push(`could not clean ${staging}: ${(e as Error).message}`);
    }
  }
  const temps = cleanStaleTemps(out);
  if (temps.length) notes.push(`removed ${temps.length} temp file(s) of interrupted writes from ${out}`);
  return notes;
}

export class OutputSet {
  readonly staging: string;
  private readonly names = new Set<string>();
  private done = false;

  /** `out` must exist and be writable (safety.ts prepareOutputDir). */
  constructor(readonly out: string) {
    this.staging = join(out, `.aekit-staging-${process.pid}`);
    rmSync(this.staging, { recursive: true, force: true });
    mkdirSync(this.staging);
  }

  /** Where to write the file whose final place is `finalPath` (a file directly inside `out`). */
  stage(finalPath: string): string {
    if (resolve(dirname(finalPath)) !== resolve(this.out)) throw new Error(`${finalPath} is not directly inside ${this.out}`);
    this.names.add(basename(finalPath));
    return join(this.staging, basename(finalPath));
  }

  /**
   * Commits the set: flushes every staged file, writes the manifest, renames each file into place, removes the
   * staging folder. `previous` lists files of the run before (its summary.json's files): its figures directly
   * inside `out` that this set does not replace are removed, since they describe another model.
   */
  commit(previous: readonly string[] = []): void {
    if (this.done) throw new Error('output set already committed');
    const names = [...this.names];
    for (const name of names) {
      if (!existsSync(join(this.staging, name))) throw new Error(`internal: staged file ${name} was never written`);
      fsyncPath(join(this.staging, name));
    }
    writeFileAtomic(join(this.staging, MANIFEST), JSON.stringify(names));
    fsyncPath(this.staging);
    for (const name of names) renameSync(join(this.staging, name), join(this.out, name));
    for (const old of previous) {
      // Only figures: a summary.json edited by hand must not make a run delete a user's data or model files.
      if (resolve(dirname(old)) === resolve(this.out) && !this.names.has(basename(old)) && /\.(png|svg)$/.test(old)) {
        try { unlinkSync(old); } catch { /* already gone */ }
      }
    }
    fsyncPath(this.out);
    rmSync(this.staging, { recursive: true, force: true });
    this.done = true;
  }

  /** Drops whatever was staged (a failed run): the files in `out` stay as they were. */
  discard(): void {
    if (this.done) return;
    rmSync(this.staging, { recursive: true, force: true });
    this.done = true;
  }
}

/** The files a previous run in `out` wrote, from its summary.json (none when there is no readable one). */
export function previousFiles(out: string): string[] {
  try {
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { files?: unknown };
    return Array.isArray(s.files) ? s.files.filter((f): f is string => typeof f === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * One set of outputs, for the commands that write several files about one run (a model, its figures, its
 * summary): every file `write` writes through `at(path)` reaches `out` together, or, after an error or a kill,
 * none does and the previous set stays whole. Leftovers of killed runs are cleaned first.
 */
export async function writeOutputSet(out: string, write: (at: (path: string) => string) => void | Promise<void>): Promise<void> {
  for (const note of recoverOutputs(out)) process.stderr.write(`aekit: ${note}\n`);
  const previous = previousFiles(out);
  const set = new OutputSet(out);
  try {
    await write((path) => set.stage(path));
    set.commit(previous);
  } finally {
    set.discard(); // a no-op after the commit
  }
}
