/**
 * Atomic file writes: write a temp file beside the target, fsync it, then rename over the target. A crash or
 * an error mid-write leaves the previous file intact (rename is atomic on POSIX filesystems). A process killed
 * mid-write leaves its temp file behind; cleanStaleTemps removes those of dead processes.
 */
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

let counter = 0;

/** `.NAME.PID.N.tmp`: the one naming scheme of temp files, so the cleaner can tell ours (and their owner) apart. */
const TEMP_NAME = /^\.(.+)\.(\d+)\.(\d+)\.tmp$/;

export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${counter++}.tmp`);
}

/** Whether process `pid` exists (EPERM: it does, owned by someone else). */
export function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Renaming over a device, a FIFO or a folder would replace it (as root, `--out /dev/null` would turn
 * /dev/null into a regular file): only regular files, or nothing yet, may be the target.
 */
function refuseSpecialTarget(path: string): void {
  let st;
  try {
    st = statSync(path);
  } catch {
    return; // nothing there yet
  }
  if (st.isDirectory()) throw new Error(`${path} is a folder, not a file: cannot write over it`);
  if (!st.isFile()) throw new Error(`${path} is not a regular file (a device, FIFO or socket): aekit writes only regular files`);
}

export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  refuseSpecialTarget(path);
  const tmp = tempPathFor(path);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let fd = -1;
  try {
    fd = openSync(tmp, 'w');
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    renameSync(tmp, path);
  } catch (e) {
    if (fd >= 0) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      /* the temp file may not exist */
    }
    throw e;
  }
}

/**
 * Removes the temp files that killed processes left in `dir` (`.NAME.PID.N.tmp` whose PID is not running).
 * A live PID's files are kept: they may be a write in progress (or a reused PID: then they wait for the next
 * cleaning). Returns the names removed. A folder that cannot be read is left alone.
 */
export function cleanStaleTemps(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m || pidAlive(Number(m[2]))) continue;
    try {
      unlinkSync(join(dir, name));
      removed.push(name);
    } catch {
      /* gone already, or not ours to remove */
    }
  }
  return removed;
}
