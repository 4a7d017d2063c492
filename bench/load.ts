/**
 * `npm run bench -- --load N`: N busy-loop processes that keep N cores busy for the whole measurement, to see
 * how each library copes with a machine it does not have to itself (issue #13: with one core taken, 2 threads
 * must never be slower than 1). They end with the benchmark however it ends: killed at its exit (normal or on an
 * error); on Ctrl-C the terminal signals them too (same process group); and if the benchmark alone is killed
 * (SIGTERM, SIGKILL) each notices its parent is gone within a fraction of a second and exits. No signal
 * listeners here: one would keep Node from exiting on Ctrl-C until the synchronous measurement loop yields.
 */
import { type ChildProcess, spawn } from 'node:child_process';

// Spins; every 2e8 iterations (well under a second) checks that its parent, the benchmark, is still alive.
const BUSY = 'const p=process.ppid;for(let i=0;;)if(++i===2e8){i=0;try{process.kill(p,0)}catch{process.exit()}}';

/** Starts `n` busy processes; returns a function that stops them (it also runs when the benchmark exits). */
export function startLoad(n: number): () => void {
  const children: ChildProcess[] = [];
  for (let i = 0; i < n; i++) children.push(spawn(process.execPath, ['-e', BUSY], { stdio: 'ignore' }));
  const stop = (): void => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  };
  process.on('exit', stop);
  return stop;
}
