import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ACTIVATIONS } from '../../src/nn/activations.js';
import { LOSSES } from '../../src/losses/losses.js';
import { OPTIMIZERS } from '../../src/optim/index.js';
import { Rng } from '../../src/tensor/rng.js';
import { PRESET_NAMES, presetConfig, type RunConfig, unusedKnobs } from '../../web/src/config.js';
import { decodeConfig, encodeConfig, LIMITS } from '../../web/src/url-state.js';

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)];

/** A valid random value for each knob (numbers with long decimal expansions, to test exact round trips). */
function randomKnob(rng: Rng, key: Exclude<keyof RunConfig, 'preset'>): unknown {
  switch (key) {
    case 'hidden': return Array.from({ length: rng.int(4) }, () => 1 + rng.int(1024));
    case 'latent': return 1 + rng.int(256);
    case 'activation': case 'latentActivation': case 'outputActivation': return pick(rng, ACTIVATIONS);
    case 'loss': return pick(rng, LOSSES);
    case 'optimizer': return pick(rng, OPTIMIZERS);
    case 'lr': return 10 ** rng.uniform(-6, 0);
    case 'batchSize': return 1 + rng.int(1024);
    case 'epochs': return 1 + rng.int(100);
    case 'seed': return rng.int(2 ** 32);
    case 'l1': return rng.next() < 0.2 ? 0 : 10 ** rng.uniform(-8, -1);
    case 'noise': return rng.uniform(0, 1);
    case 'beta': return rng.uniform(0, 4);
  }
}

describe('encodeConfig / decodeConfig', () => {
  test('every preset round-trips with random valid changes (seeded)', () => {
    const rng = new Rng(2024);
    for (const preset of PRESET_NAMES) {
      const defaults = presetConfig(preset);
      const knobs = (Object.keys(defaults) as (keyof RunConfig)[]).filter((k) => k !== 'preset') as Exclude<keyof RunConfig, 'preset'>[];
      for (let trial = 0; trial < 50; trial++) {
        const config = presetConfig(preset) as unknown as Record<string, unknown>;
        for (const k of knobs) if (rng.next() < 0.4) config[k] = randomKnob(rng, k);
        const dataset = pick(rng, ['mnist', 'fashion-mnist'] as const);
        const query = encodeConfig(config as unknown as RunConfig, dataset);
        const back = decodeConfig(query);
        assert.deepEqual(back.errors, [], query);
        assert.equal(back.dataset, dataset);
        // The knobs a preset does not use are left out of the link, so they come back as its defaults.
        const expected = { ...config } as Record<string, unknown>;
        for (const k of unusedKnobs(preset)) expected[k] = (defaults as unknown as Record<string, unknown>)[k];
        assert.deepEqual(back.config, expected, query);
        // With '?' (location.search) it reads the same.
        assert.deepEqual(decodeConfig(`?${query}`).config, back.config);
      }
    }
  });

  test('defaults give a short link; only changed, used knobs are written', () => {
    assert.equal(encodeConfig(presetConfig('deep'), 'mnist'), 'preset=deep&seed=1&data=mnist');
    for (const p of PRESET_NAMES) assert.equal(encodeConfig(presetConfig(p), 'fashion-mnist'), `preset=${p}&seed=1&data=fashion-mnist`);
    const c = { ...presetConfig('deep'), latent: 8, lr: 0.005, seed: 7, hidden: [128, 32], beta: 3 };
    // beta is unused by 'deep', so not written.
    assert.equal(encodeConfig(c, 'mnist'), 'preset=deep&hidden=128,32&latent=8&lr=0.005&seed=7&data=mnist');
    assert.equal(encodeConfig({ ...presetConfig('deep'), hidden: [] }, 'mnist'), 'preset=deep&hidden=&seed=1&data=mnist');
    assert.deepEqual(decodeConfig('preset=deep&hidden=&seed=1').config.hidden, []);
  });

  test('a number whose shortest text has a "+" survives (it would read back as a space unencoded)', () => {
    const c = { ...presetConfig('sparse'), l1: 1e21 };
    const q = encodeConfig(c, 'mnist');
    assert.match(q, /l1=1e%2B21/);
    assert.equal(decodeConfig(q).config.l1, 1e21);
  });

  test('an empty query is the tutorial on MNIST, without errors', () => {
    assert.deepEqual(decodeConfig(''), { config: presetConfig('tutorial'), dataset: 'mnist', errors: [] });
    assert.deepEqual(decodeConfig('?'), { config: presetConfig('tutorial'), dataset: 'mnist', errors: [] });
  });

  test('hand-written links: spaces in lists, keys in any order', () => {
    const r = decodeConfig('lr=1e-3&hidden=64, 32&data=fashion-mnist&preset=vae&beta=0.5');
    assert.deepEqual(r.errors, []);
    assert.equal(r.dataset, 'fashion-mnist');
    assert.deepEqual(r.config, { ...presetConfig('vae'), lr: 0.001, hidden: [64, 32], beta: 0.5 });
  });

  // Each bad value: one error naming key and value, and the preset's default kept.
  const bad: [key: keyof RunConfig, value: string, reason: RegExp][] = [
    ['latent', 'abc', /not a whole number/],
    ['latent', '2.5', /not a whole number/],
    ['latent', '-3', /not a whole number/],
    ['latent', '0', /out of range \(1 to 4096\)/],
    ['latent', String(LIMITS.width + 1), /out of range/],
    ['batchSize', '1e3', /not a whole number/],
    ['epochs', '', /not a whole number/],
    ['epochs', '100000', /out of range \(1 to 1000\)/],
    ['seed', '-1', /not a whole number/],
    ['seed', '4294967296', /out of range/],
    ['lr', 'fast', /not a number/],
    ['lr', '0', /must be above 0/],
    ['lr', '-0.01', /must be above 0/],
    ['lr', 'Infinity', /not a number/],
    ['lr', 'NaN', /not a number/],
    ['lr', '0x10', /not a number/],
    ['lr', '', /not a number/],
    ['lr', '1e999', /not a number/],
    ['beta', '-1', /must not be negative/],
    ['noise', '0.5.1', /not a number/],
    ['activation', 'swish', /unknown activation \(sigmoid, tanh/],
    ['latentActivation', 'RELU', /unknown activation/],
    ['outputActivation', '', /unknown activation/],
    ['loss', 'l1', /unknown loss \(mse, mae/],
    ['optimizer', 'lbfgs', /unknown optimizer \(sgd/],
    ['hidden', '256,,64', /layer width '' is not a whole number/],
    ['hidden', '256,x', /layer width 'x' is not a whole number/],
    ['hidden', '0', /layer width '0' is out of range/],
    ['hidden', '1,2,3,4,5,6,7,8,9', /more than 8 layers/],
  ];
  for (const [key, value, reason] of bad) {
    test(`bad value ${key}=${JSON.stringify(value)} -> one error and the default`, () => {
      for (const preset of ['deep', 'tutorial'] as const) {
        const defaults = presetConfig(preset);
        const r = decodeConfig(`preset=${preset}&${key}=${encodeURIComponent(value)}`);
        assert.deepEqual(r.config, defaults);
        assert.equal(r.errors.length, 1, r.errors.join(' | '));
        const d = defaults[key];
        const shown = Array.isArray(d) ? d.join(',') || '(none)' : String(d);
        assert.ok(r.errors[0].startsWith(`${key}=${value}: `), r.errors[0]);
        assert.ok(r.errors[0].endsWith(`; using ${shown}`), r.errors[0]);
        assert.match(r.errors[0], reason);
      }
    });
  }

  test('an unknown key is reported and ignored; the valid ones still apply', () => {
    const r = decodeConfig('preset=sparse&colour=blue&latent=16');
    assert.deepEqual(r.errors, ['colour=blue: unknown key, ignored']);
    assert.deepEqual(r.config, { ...presetConfig('sparse'), latent: 16 });
  });

  test('an unknown preset falls back to the tutorial, with an error; other keys still apply', () => {
    const r = decodeConfig('preset=gan&lr=0.05&data=fashion-mnist');
    assert.deepEqual(r.errors, ['preset=gan: unknown preset (tutorial, deep, sparse, denoising, vae, conv); using tutorial']);
    assert.deepEqual(r.config, { ...presetConfig('tutorial'), lr: 0.05 });
    assert.equal(r.dataset, 'fashion-mnist');
  });

  test('data=file cannot be restored from a link: an error, and MNIST', () => {
    const q = encodeConfig(presetConfig('conv'), 'file');
    assert.equal(q, 'preset=conv&seed=1&data=file');
    const r = decodeConfig(q);
    assert.equal(r.dataset, 'mnist');
    assert.deepEqual(r.config, presetConfig('conv'));
    assert.equal(r.errors.length, 1);
    assert.match(r.errors[0], /^data=file: a dropped file is not part of the link/);
    assert.match(decodeConfig('data=cifar10').errors[0], /^data=cifar10: unknown data set/);
  });

  test('a key given twice is reported; valid values apply in order, invalid ones are skipped', () => {
    const r = decodeConfig('latent=8&latent=zz&latent=16&lr=0.1&lr=bad');
    assert.equal(r.config.latent, 16);
    assert.equal(r.config.lr, 0.1);
    assert.deepEqual(r.errors, [
      'latent is given 3 times; each valid one replaces the one before',
      'lr is given 2 times; each valid one replaces the one before',
      'latent=zz: not a whole number; using 8',
      'lr=bad: not a number; using 0.1',
    ]);
  });

  test('never throws on junk', () => {
    for (const q of ['%', '=&=&', '?&&&', 'preset', 'hidden=%E0%A4%A', '💥=💥', 'lr=1&lr']) {
      const r = decodeConfig(q);
      assert.ok(PRESET_NAMES.includes(r.config.preset));
      assert.ok(Array.isArray(r.errors));
    }
  });
});
