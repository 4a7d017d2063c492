/** Running the BUILT cli (dist/cli/main.js) in a child process, and the CLI's output contracts. */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const cli = join(root, 'dist/cli/main.js');
/**
 * The node arguments that start the CLI: the built one (what users run), or with AEKIT_CLI_SOURCE=1 the
 * TypeScript sources through tsx (no build between an edit and a test run; slower to start).
 */
export const cliArgs: string[] = process.env.AEKIT_CLI_SOURCE ? ['--import', 'tsx', join(root, 'cli/main.ts')] : [cli];

// Error tests check that no stack trace is printed, so a developer's AEKIT_DEBUG must not leak in.
const { AEKIT_DEBUG: _debug, ...env } = process.env;
export const baseEnv: NodeJS.ProcessEnv = env;

export interface Run { status: number | null; stdout: string; stderr: string }

export function aekit(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Run {
  const r = spawnSync(process.execPath, [...cliArgs, ...args], { cwd: root, encoding: 'utf8', env: { ...baseEnv, ...extraEnv } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The CLI in a child process without blocking the test runner (tests that run commands side by side). */
export function aekitAsync(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...cliArgs, ...args], { cwd: root, env: { ...baseEnv, ...extraEnv } });
    let stdout = '', stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** The CLI's error contract: exactly one line on stderr, prefixed, no stack trace. */
export function assertOneLineError(r: Run, code: number, mentions?: string): string {
  assert.equal(r.status, code, `exit code (stderr: ${r.stderr})`);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `one stderr line, got: ${r.stderr}`);
  assert.match(lines[0], /^aekit: /);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  if (mentions) assert.ok(lines[0].includes(mentions), `'${lines[0]}' should mention ${mentions}`);
  return lines[0];
}

export function jsonLine(stdout: string): Record<string, unknown> {
  assert.ok(stdout.endsWith('\n'), 'stdout ends with a newline');
  const lines = stdout.slice(0, -1).split('\n');
  assert.equal(lines.length, 1, `exactly one stdout line, got: ${stdout}`);
  return JSON.parse(lines[0]) as Record<string, unknown>;
}
