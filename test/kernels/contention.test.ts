/**
 * The wasm pool's contention watch (src/kernels/threads/contention.ts), driven with made-up times: when jobs
 * run alone (trials and holds), how holds grow and end, and when it declines to judge. The pool's results do not
 * depend on these choices (test/kernels/threads.test.ts checks the bits for any split).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ContentionWatch, FIRST_TRIAL_MS, GAIN, GAIN_BACK, HOLD_MAX_MS, HOLD_MIN_MS, TRIAL_EVERY_MS, WINDOW_MS } from '../../src/kernels/threads/contention.js';

/** Feeds one window of parallel jobs of `shape`, each taking `each` ms, ending at `end`; returns the window's end. */
function window(w: ContentionWatch, shape: string, each: number, end: number): number {
  const n = Math.ceil(WINDOW_MS / each);
  for (let i = 0; i < n; i++) w.note(shape, each, true, end - (n - 1 - i) * each);
  return end;
}

/** Two windows in a row at `each` ms per job (out of the holds, the first is only a strike); returns the end. */
function twice(w: ContentionWatch, shape: string, each: number, end: number): number {
  const held = w.holds;
  window(w, shape, each, end - WINDOW_MS - 1);
  assert.equal(w.holds, held, 'one window is a strike, not a hold');
  return window(w, shape, each, end);
}

/** How long a hold keeps jobs alone from `t` on, probing every ms (trials are not holds: not counted). */
function heldFor(w: ContentionWatch, t: number): number {
  for (let d = 0; ; d++) {
    const before = w.serialRuns;
    w.serial('g', t + d);
    if (w.serialRuns === before) return d;
  }
}

/** A watch with shape 'g' measured alone at `alone` ms, in its first trial. */
function measured(alone: number): ContentionWatch {
  const w = new ContentionWatch();
  assert.equal(w.serial('g', 0), false);
  assert.equal(w.serial('g', FIRST_TRIAL_MS), true, 'the first trial');
  w.note('g', alone, false, FIRST_TRIAL_MS + alone);
  return w;
}

describe('contention watch', () => {
  test('trials: from FIRST_TRIAL_MS on, each shape runs alone once when its time alone is unknown or TRIAL_EVERY_MS old', () => {
    const w = new ContentionWatch();
    const t0 = 1000, t1 = t0 + FIRST_TRIAL_MS;
    assert.equal(w.serial('g', t0), false);
    assert.equal(w.serial('g', t1 - 1), false, 'no trial in the first FIRST_TRIAL_MS');
    assert.equal(w.serial('g', t1), true, 'g unknown: a trial');
    w.note('g', 4, false, t1 + 4);
    assert.equal(w.serial('g', t1 + 10), false, 'g known');
    assert.equal(w.serial('h', t1 + 10), true, 'h unknown: a trial');
    w.note('h', 2, false, t1 + 12);
    assert.equal(w.serial('g', t1 + 4 + TRIAL_EVERY_MS - 1), false);
    assert.equal(w.serial('h', t1 + 4 + TRIAL_EVERY_MS - 1), false);
    assert.equal(w.serial('g', t1 + 4 + TRIAL_EVERY_MS), true, 'g again after TRIAL_EVERY_MS');
    assert.equal(w.trials, 3);
    assert.equal(w.holds, 0);
    assert.equal(w.serialRuns, 0);
  });

  test('disabled, it never runs a job alone', () => {
    const w = new ContentionWatch(false);
    w.note('g', 10, false, 0);
    for (let t = 0; t < 4000; t += 4) {
      assert.equal(w.serial('g', t), false);
      w.note('g', 10, true, t);
    }
    assert.deepEqual([w.trials, w.holds, w.serialRuns], [0, 0, 0]);
  });

  test('two windows in a row that gain less than GAIN over their time alone begin a hold, doubling up to HOLD_MAX_MS', () => {
    const w = measured(4);
    let t = 1000;
    const holds: number[] = [];
    for (let i = 0; i < 7; i++) {
      const slow = 4 / (GAIN * 0.99); // just under GAIN
      t = i === 0 ? twice(w, 'g', slow, t) : window(w, 'g', slow, t);
      holds.push(heldFor(w, t));
      t += holds[holds.length - 1];
    }
    const expected = [HOLD_MIN_MS];
    while (expected.length < 7) expected.push(Math.min(HOLD_MAX_MS, 2 * expected[expected.length - 1]));
    assert.deepEqual(holds, expected);
    assert.equal(w.holds, 7);
    assert.equal(w.serialRuns, expected.reduce((a, b) => a + b, 0));
  });

  test('after a hold a probe must gain GAIN_BACK to end the doubling; then GAIN suffices, and the next hold starts at HOLD_MIN_MS', () => {
    const w = measured(4);
    let t = twice(w, 'g', 4, 1000); // no gain at all
    assert.equal(heldFor(w, t), HOLD_MIN_MS);
    t = window(w, 'g', 4, t + HOLD_MIN_MS + 50); // a probe: one window is enough
    assert.equal(heldFor(w, t), 2 * HOLD_MIN_MS);
    t = window(w, 'g', 4 / (GAIN * 1.01), t + 2 * HOLD_MIN_MS + 50); // pays, but not enough for a probe
    assert.equal(heldFor(w, t), 4 * HOLD_MIN_MS);
    t = window(w, 'g', 4 / (GAIN_BACK * 1.01), t + 4 * HOLD_MIN_MS + 50); // the workers clearly pay
    assert.equal(heldFor(w, t), 0);
    t = window(w, 'g', 4 / (GAIN * 1.01), t + 10);
    assert.equal(heldFor(w, t), 0, 'out of the holds, a gain of GAIN is enough');
    t = window(w, 'g', 4, t + 10);
    assert.equal(heldFor(w, t), 0, 'a strike');
    t = window(w, 'g', 4 / (GAIN * 1.01), t + 10);
    t = window(w, 'g', 4, t + 10);
    assert.equal(heldFor(w, t), 0, 'a window that pays between two that do not: no hold');
    t = window(w, 'g', 4, t + 10);
    assert.equal(heldFor(w, t), HOLD_MIN_MS, 'two in a row');
  });

  test('no verdict on a window whose jobs were mostly never run alone', () => {
    const w = measured(4);
    // 60 % of the window's time in a shape with no time alone, 40 % in 'g' at no gain: no hold.
    let t = 1000;
    for (let i = 0; i < 12; i++) w.note('other', 1, true, (t += 1));
    for (let i = 0; i < 2; i++) w.note('g', 4, true, (t += 4));
    assert.equal(w.holds, 0);
    assert.equal(heldFor(w, t), 0);
    // Once 'other' has a time alone too, the same windows are judged (two in a row: a hold).
    w.note('other', 1, false, t);
    for (let k = 0; k < 2; k++) {
      for (let i = 0; i < 12; i++) w.note('other', 1, true, (t += 1));
      for (let i = 0; i < 2; i++) w.note('g', 4, true, (t += 4));
    }
    assert.equal(w.holds, 1);
  });

  test('the newest time alone counts: a shape measured again under load replaces the old time', () => {
    const w = measured(2); // alone on a quiet machine
    let t = twice(w, 'g', 4, 1000); // in parallel under load: slower than alone was
    assert.equal(heldFor(w, t), HOLD_MIN_MS);
    w.note('g', 8, false, t + 10); // alone during the hold, under the same load
    t = window(w, 'g', 4, t + HOLD_MIN_MS + 10); // parallel now gains 2x over that
    assert.equal(heldFor(w, t), 0);
  });

  test('past 256 shapes the table starts afresh: an old shape is timed alone again', () => {
    const w = measured(4); // 'g' known since FIRST_TRIAL_MS
    const t = FIRST_TRIAL_MS + 10;
    for (let i = 0; i < 255; i++) w.note(`s${i}`, 1, false, t);
    assert.equal(w.serial('g', t + 1), false, '256 shapes: g still known');
    w.note('one-more', 1, false, t + 2);
    assert.equal(w.serial('g', t + 3), true, 'the 257th cleared the table: g runs alone again');
    assert.equal(w.serial('one-more', t + 3), false, 'the newest shape is kept');
  });
});
