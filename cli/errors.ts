/**
 * How the CLI fails: ONE line on stderr, prefixed `aekit: `, and an exit code that tells scripts what went
 * wrong (2: the command line was wrong, 1: the command was fine but something failed while running it).
 * Stack traces are for developers, so they only appear when AEKIT_DEBUG is set.
 */

/** A mistake on the command line (unknown flag, bad value, missing argument): exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const EXIT_RUNTIME = 1;
export const EXIT_USAGE = 2;

/** Prints `err` the CLI way and returns the exit code to use. */
export function reportError(err: unknown): number {
  const usage = err instanceof UsageError;
  const message = err instanceof Error ? err.message : String(err);
  // Library messages are meant to be one line; collapse any stray newline so the contract holds anyway.
  process.stderr.write(`aekit: ${message.replace(/\s*\n\s*/g, ' ').trim()}\n`);
  if (process.env.AEKIT_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return usage ? EXIT_USAGE : EXIT_RUNTIME;
}
