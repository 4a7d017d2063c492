/**
 * Argument parsing on top of node:util parseArgs (strict: unknown flags are errors), plus value checkers that
 * turn a bad value into a UsageError naming the flag. Every option takes its value as a string and is checked
 * here, so `--epochs abc` says "--epochs must be ..." instead of silently becoming NaN.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors.js';

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;
/** What parseArgs returns for a command's options: typed `values` (strings/booleans) and `positionals`. */
export type Parsed<O extends OptionsConfig> = ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: true }>>;

/**
 * parseArgs treats a value that starts with '-' as ambiguous ("did you forget the argument?"), so
 * `--epochs -1` would fail with a confusing message. A negative number after a string option is clearly its
 * value: rewrite it as `--epochs=-1` and let the value checker give the real error.
 */
function joinNegativeValues(args: string[], options: OptionsConfig): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const name = a.startsWith('--') && !a.includes('=') ? a.slice(2) : undefined;
    const next = args[i + 1];
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** Parses `args` for `aekit <command>`; parse failures become one-line UsageErrors. */
export function parseCommand<O extends OptionsConfig>(command: string, args: string[], options: O): Parsed<O> {
  try {
    return parseArgs({ args: joinNegativeValues(args, options), options, strict: true, allowPositionals: true });
  } catch (e) {
    const err = e as Error & { code?: string };
    const hint = `(see 'aekit ${command} --help')`;
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const flag = /'([^']+)'/.exec(err.message)?.[1] ?? err.message;
      throw new UsageError(`unknown option '${flag}' for 'aekit ${command}' ${hint}`);
    }
    if (err.code?.startsWith('ERR_PARSE_ARGS')) {
      // Keep parseArgs' first sentence ("Option '--epochs <value>' argument missing"), drop its long advice.
      const first = err.message.split(/\.\s/)[0].replace(/\.$/, '');
      throw new UsageError(`${first.charAt(0).toLowerCase()}${first.slice(1)} ${hint}`);
    }
    throw e;
  }
}

/** Exactly `names.length` positional arguments, e.g. MODEL; returns them in order. */
export function positionals(command: string, given: string[], names: string[]): string[] {
  if (given.length < names.length) {
    throw new UsageError(`'aekit ${command}' needs ${names.slice(given.length).join(' ')} (see 'aekit ${command} --help')`);
  }
  if (given.length > names.length) {
    throw new UsageError(`unexpected argument '${given[names.length]}' for 'aekit ${command}' (see 'aekit ${command} --help')`);
  }
  return given;
}

/**
 * The largest value of each integer flag that sizes memory or work, in every command that has it. A bound
 * turns `--batch-size 1e12` into a message naming the flag instead of an out-of-memory crash minutes in.
 * Widths and batch: 65536 (a 784-wide batch of 65536 is 200 MB per activation); sample counts: 1e9 (indices
 * are 32-bit); epochs and iterations: 1e6; sequence lengths: 1e5; figure counts and scales: what a PNG holds.
 */
export const INT_LIMITS: Readonly<Record<string, number>> = {
  'batch-size': 65536, hidden: 65536, latent: 65536, code: 65536, codes: 65536, units: 65536, components: 65536,
  limit: 1e9, 'test-limit': 1e9, 'train-limit': 1e9, 'shuffle-buffer': 1 << 24, length: 1e8,
  epochs: 1e6, 'pretrain-epochs': 1e6, 'ae-epochs': 1e6, iterations: 1e9,
  timesteps: 100_000, window: 100_000, rows: 4096, cols: 4096, count: 100_000, scale: 64, top: 1e6,
}; // --threads depends on the cores: safety.ts checkThreads

function checkLimit(flag: string, n: number, value: string): void {
  const max = INT_LIMITS[flag];
  if (max !== undefined && n > max) throw new UsageError(`--${flag} must be at most ${max}, got '${value}'`);
}

/** An integer >= min written in plain decimal digits (so '1e3', '2.0' and '' are rejected), at most INT_LIMITS[flag]. */
export function intArg(flag: string, value: string, min = 1): number {
  const n = /^\+?\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`--${flag} must be ${min === 1 ? 'a positive integer' : `an integer >= ${min}`}, got '${value}'`);
  }
  checkLimit(flag, n, value);
  return n;
}

/** A finite number > 0 (learning rates). */
export function positiveArg(flag: string, value: string): number {
  const n = value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${flag} must be a positive number, got '${value}'`);
  return n;
}

/** A comma list of positive integers, e.g. '512,256'; '' or 'none' means no hidden layers (784-32-784). */
export function intListArg(flag: string, value: string): number[] {
  if (value.trim() === '' || value.trim() === 'none') return [];
  return value.split(',').map((part) => {
    const n = /^\s*\+?\d+\s*$/.test(part) ? Number(part) : NaN;
    if (!Number.isSafeInteger(n) || n <= 0) {
      throw new UsageError(`--${flag} must be a comma list of positive integers (e.g. 512,256), got '${value}'`);
    }
    checkLimit(flag, n, value);
    return n;
  });
}

/** One of `allowed` (activation, loss and optimizer names come from the library's own lists). */
export function choiceArg<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`--${flag} must be one of ${allowed.join(', ')}; got '${value}'`);
  }
  return value as T;
}
