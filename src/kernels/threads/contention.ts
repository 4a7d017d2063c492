/**
 * The wasm pool's watch on cores shared with other processes. Results do not depend on the thread count, so
 * the pool may stop using its workers for a while when they do not pay: with one busy process on two cores
 * the scheduler puts a worker beside it (or the caller), and two threads ran 5-25 % slower than one.
 *
 * The native pool (native/pool.c, "Sharing the cores with another process") estimates a run's time alone from
 * the caller's pace in its own tasks. Here that estimate spread over 1.0-2.8 in 20 ms windows under load (1.4-2.4
 * on a quiet machine): a caller preempted inside a block looks slow, which inflates it, and there is no thread
 * CPU clock to correct it (Node 20 has none per thread, process.threadCpuUsage came in Node 23.9; browsers none
 * at all). So this side measures the thing itself: the same job, alone and in parallel.
 *
 * Jobs repeat (a training step, or an inference batch, issues the same shapes every time), so each job shape
 * keeps the wall time it last took on the caller alone: from FIRST_TRIAL_MS after the first job on, a shape
 * whose time alone is unknown or older than TRIAL_EVERY_MS runs alone once (a trial). Each window of WINDOW_MS
 * of parallel jobs then compares what its jobs would have taken alone with what they took: under GAIN in two
 * windows in a row (one alone happens on a quiet machine), the next hold runs serial (its jobs refresh the
 * times too); then parallel jobs probe again, each probe that gains under GAIN_BACK doubling the hold up to
 * HOLD_MAX_MS, one that gains more resetting it. The gains measured in 20 ms windows: 1.3-2.0 on a quiet
 * machine (W1 on two threads), 0.8-1.05 with one busy process. On a quiet machine this costs the trials: about
 * one training step in every TRIAL_EVERY_MS runs at one thread's speed (~1 %).
 * (A trial of a fixed time, tried first, left the shapes of a step longer than it unmeasured: W3 on wasm.)
 */
export const WINDOW_MS = 20;
export const GAIN = 1.1;
export const GAIN_BACK = 1.3;
export const TRIAL_EVERY_MS = 1500;
/** Trials begin this long after the first job worth splitting (a short run never pays for them). */
export const FIRST_TRIAL_MS = 250;
export const HOLD_MIN_MS = 100;
export const HOLD_MAX_MS = 1600;
/** Job shapes remembered; more (inference on ever new batch sizes) start the table afresh. */
const MAX_SHAPES = 256;

export class ContentionWatch {
  /** Holds begun. */
  holds = 0;
  /** Jobs a hold (not a trial) made serial. */
  serialRuns = 0;
  /** Jobs run alone to time their shape. */
  trials = 0;
  private readonly alone = new Map<string, { ms: number; at: number }>();
  private start = NaN; // the first job's time
  private wall = 0; // parallel wall time in the current window
  private known = 0; // ... of jobs whose time alone is known
  private est = 0; // ... and their times alone
  private serialUntil = 0;
  private hold = 0;
  private strike = false; // the last judged window looked shared: a hold needs two in a row (or one in a probe)

  /** `enabled` false: every job runs in parallel, and nothing is recorded. */
  constructor(private readonly enabled = true) {}

  /** Whether a job of `shape` starting at `now` (ms) runs on the caller alone (a hold or a trial). */
  serial(shape: string, now: number): boolean {
    if (!this.enabled) return false;
    if (now < this.serialUntil) {
      this.serialRuns++;
      return true;
    }
    if (Number.isNaN(this.start)) this.start = now;
    if (now - this.start < FIRST_TRIAL_MS) return false;
    const a = this.alone.get(shape);
    if (a && now - a.at < TRIAL_EVERY_MS) return false;
    this.trials++;
    return true;
  }

  /** Records a job of `shape` that took `wall` ms, ending at `now`, on the caller alone or in parallel. */
  note(shape: string, wall: number, parallel: boolean, now: number): void {
    if (!this.enabled) return;
    if (!parallel) {
      if (this.alone.size >= MAX_SHAPES && !this.alone.has(shape)) this.alone.clear();
      this.alone.set(shape, { ms: wall, at: now });
      return;
    }
    this.wall += wall;
    const alone = this.alone.get(shape);
    if (alone) {
      this.known += wall;
      this.est += alone.ms;
    }
    if (this.wall < WINDOW_MS) return;
    // A verdict needs most of the window's jobs measured alone (trials may not have reached every shape yet).
    if (this.known >= this.wall / 2) {
      // In a probe (after a hold) the workers must show GAIN_BACK to be trusted again: one lucky window under load
      // would otherwise restart the holds at HOLD_MIN_MS.
      const shared = this.est < (this.hold ? GAIN_BACK : GAIN) * this.known;
      if (shared && this.hold === 0 && !this.strike) {
        this.strike = true; // one window alone happens on a quiet machine (a GC, another thread of Node's)
      } else if (shared) {
        this.strike = false;
        this.hold = this.hold ? Math.min(2 * this.hold, HOLD_MAX_MS) : HOLD_MIN_MS;
        this.serialUntil = now + this.hold;
        this.holds++;
      } else {
        this.hold = 0;
        this.strike = false;
      }
    }
    this.wall = this.known = this.est = 0;
  }
}
