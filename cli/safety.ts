/**
 * The CLI's guards against hostile or broken values: results that are not numbers, thread counts and sizes
 * that would exhaust the machine, and output paths that cannot be written. Each fails with one line naming
 * what is wrong, before any file is touched (and, for flags and paths, before training starts).
 */
import { closeSync, mkdirSync, openSync, statfsSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { defaultThreadCount, MAX_THREADS, MAX_THREADS_PER_CORE, maxThreads } from '../src/kernels/threads/pool.js';
import { dirname, parse, resolve, sep } from 'node:path';
import { UsageError } from './errors.js';

/**
 * A reported metric must be a number: a NaN or infinite MSE, accuracy or score means the model diverged (or the
 * data holds non-finite values), and printing it with exit 0 would let a script take it for a result.
 */
export function requireFinite(name: string, value: number, hint = 'the model diverged (try a lower --lr) or the data holds non-finite values'): number {
  if (!Number.isFinite(value)) throw new Error(`${name} is ${value}: ${hint}`);
  return value;
}

/** requireFinite over every value of a list; names the first bad one by its 1-based position. */
export function requireAllFinite(name: string, values: ArrayLike<number>, hint?: string): void {
  for (let i = 0; i < values.length; i++) requireFinite(`${name} ${i + 1}`, values[i], hint);
}

export { maxThreads };

/** Refuses a thread count over maxThreads(), naming where it came from (--threads or AEKIT_THREADS). */
export function checkThreads(n: number, source = '--threads'): number {
  const max = maxThreads();
  if (n > max) {
    throw new UsageError(`${source} ${n} is more than ${max}, the most aekit uses (${MAX_THREADS_PER_CORE} per core on this machine's ${defaultThreadCount()}, at most ${MAX_THREADS})`);
  }
  return n;
}

// Special file systems hold no files of ours: statfs magic numbers (linux/magic.h).
const SPECIAL_FS: Record<number, string> = {
  0x9fa0: 'proc', 0x62656572: 'sysfs', 0x1cd1: 'devpts', 0x27e0eb: 'cgroup', 0x63677270: 'cgroup2', 0x64626720: 'debugfs',
  0x73636673: 'securityfs', 0x74726163: 'tracefs', 0xcafe4a11: 'bpf', 0x6e736673: 'nsfs', 0x50495045: 'pipefs',
};

function refuseSpecialFs(dir: string, what: string, shown = dir): void {
  let type: number;
  try {
    type = statfsSync(dir).type;
  } catch {
    return; // statfs unsupported here: the probe below still decides
  }
  const name = SPECIAL_FS[type];
  if (name) throw new Error(`${what} ${shown} is on the ${name} file system, which holds no ordinary files: give a folder on a disk`);
}

const reason = (e: unknown): string => {
  const err = e as NodeJS.ErrnoException;
  const text: Record<string, string> = {
    EACCES: 'permission denied', EPERM: 'operation not permitted', EROFS: 'read-only file system', ENOSPC: 'no space left on the device',
    ENOENT: 'no such file or folder', ENOTDIR: 'a part of the path is a file, not a folder', EDQUOT: 'disk quota exceeded', ELOOP: 'too many symbolic links',
  };
  return (err.code && text[err.code]) ?? err.message;
};

/**
 * Creates `dir` and its missing parents one level at a time. (Node's recursive mkdirSync spins forever on some
 * paths of special file systems, e.g. /proc/x: this walk fails at once instead.)
 */
function makeDirs(dir: string, what: string): void {
  const parts = dir.slice(parse(dir).root.length).split(sep).filter((p) => p !== '');
  let path = parse(dir).root;
  for (const part of parts) {
    path = path.endsWith(sep) ? `${path}${part}` : `${path}${sep}${part}`;
    let st;
    try {
      st = statSync(path);
    } catch {
      refuseSpecialFs(dirname(path), what, dir);
      try {
        mkdirSync(path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw new Error(`cannot create the ${what} ${dir}: ${path}: ${reason(e)}`);
      }
      continue;
    }
    if (!st.isDirectory()) throw new Error(`cannot use ${dir} as the ${what}: ${path} is a file, not a folder`);
  }
}

/** Creates, writes and removes a small file in `dir`: the only test of writability that nothing can fool. */
function probe(dir: string, what: string): void {
  refuseSpecialFs(dir, what);
  const path = resolve(dir, `.aekit-probe-${process.pid}`);
  let fd = -1;
  try {
    fd = openSync(path, 'wx');
    writeSync(fd, 'aekit');
    closeSync(fd);
    fd = -1;
    unlinkSync(path);
  } catch (e) {
    if (fd >= 0) closeSync(fd);
    try { unlinkSync(path); } catch { /* never created */ }
    throw new Error(`cannot write into the ${what} ${dir}: ${reason(e)}`);
  }
}

/** An output folder (--out DIR): created if needed, then proven writable. Returns its absolute path. */
export function prepareOutputDir(dir: string, what = 'output folder'): string {
  const abs = resolve(dir);
  makeDirs(abs, what);
  probe(abs, what);
  return abs;
}

/**
 * An output file (--out FILE): its folder created if needed and proven writable, and the file itself, if it
 * exists, a regular file (never a folder, a device or a FIFO). Returns its absolute path.
 */
export function prepareOutputFile(file: string, what = 'output file'): string {
  const abs = resolve(file);
  let st;
  try {
    st = statSync(abs);
  } catch {
    st = null;
  }
  if (st?.isDirectory()) throw new UsageError(`the ${what} ${file} is a folder: give a file name`);
  if (st && !st.isFile()) throw new Error(`the ${what} ${file} is not a regular file (a device, FIFO or socket): aekit writes only regular files`);
  prepareOutputDir(dirname(abs), `folder of the ${what}`);
  return abs;
}
