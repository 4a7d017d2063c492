/**
 * Running a check in a child process with AEKIT_NATIVE_ISA capping the native backend's instruction set (the
 * addon picks its ISA once per process): the native test files compare AVX-512, AVX2 and portable results this way.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

/** Runs `script` (an ES module; it prints a JSON line last) with the ISA capped at `isa` (none: the CPU's best). */
export function runWithIsa<T>(isa: string | undefined, script: string): T {
  const env = { ...process.env };
  delete env.AEKIT_NATIVE_ISA;
  if (isa) env.AEKIT_NATIVE_ISA = isa;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as T;
}
