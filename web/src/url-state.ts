/**
 * The run configuration in the page's URL, so a link reproduces a run: `?preset=deep&latent=8&lr=0.005&seed=7&data=mnist`.
 * Keys are RunConfig's own field names; the hidden widths are a comma list (`hidden=256,64`, empty for none).
 *
 * Links stay short: only preset, seed, data and the knobs that differ from the preset's defaults are written,
 * and not the knobs the preset does not use (config.ts unusedKnobs). Reading never throws: a link is someone
 * else's input, so each bad or unknown key becomes one line in `errors` (naming key and value) and the
 * preset's default stands. Sizes are bounded (LIMITS) so a link cannot ask the tab for gigabytes.
 */
import { ACTIVATIONS, type ActivationName } from '../../src/nn/activations.js';
import { LOSSES, type LossName } from '../../src/losses/losses.js';
import { OPTIMIZERS, type OptimizerName } from '../../src/optim/index.js';
import { type DatasetName, PRESET_NAMES, type PresetName, presetConfig, type RunConfig, unusedKnobs } from './config.js';
// The three name lists come from their own modules, not src/browser.js: that entry starts the wasm backend when
// imported, which the page's main thread (where the URL is read) must not do.

type Knob = Exclude<keyof RunConfig, 'preset'>;
export type LinkDataset = Exclude<DatasetName, 'file'>;

/** Upper bounds on what a link may ask for (each far above the presets). */
export const LIMITS = { width: 4096, layers: 8, batchSize: 8192, epochs: 1000, seed: 2 ** 32 - 1 } as const;

/** Parses one value, throwing a short reason (the caller adds key, value and fallback). */
interface Codec<T> {
  parse(raw: string): T;
  format(value: T): string;
}

const INT = /^\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function int(min: number, max: number): Codec<number> {
  return {
    parse(raw) {
      if (!INT.test(raw)) throw new Error('not a whole number');
      const v = Number(raw);
      if (v < min || v > max) throw new Error(`out of range (${min} to ${max})`);
      return v;
    },
    format: String,
  };
}

/** A finite decimal number above 0 (`positive`) or at least 0. */
function real(positive: boolean): Codec<number> {
  return {
    parse(raw) {
      const v = DECIMAL.test(raw) ? Number(raw) : NaN;
      if (!Number.isFinite(v)) throw new Error('not a number');
      if (positive ? !(v > 0) : !(v >= 0)) throw new Error(positive ? 'must be above 0' : 'must not be negative');
      return v;
    },
    // String() is the shortest text that reads back to the same double (0.002, 1e-7), so links round-trip.
    format: String,
  };
}

function choice<T extends string>(names: readonly T[], what: string): Codec<T> {
  return {
    parse(raw) {
      if (!(names as readonly string[]).includes(raw)) throw new Error(`unknown ${what} (${names.join(', ')})`);
      return raw as T;
    },
    format: String,
  };
}

const width = int(1, LIMITS.width);
const hidden: Codec<number[]> = {
  parse(raw) {
    if (raw.trim() === '') return [];
    const parts = raw.split(',').map((s) => s.trim());
    if (parts.length > LIMITS.layers) throw new Error(`more than ${LIMITS.layers} layers`);
    return parts.map((p) => {
      try {
        return width.parse(p);
      } catch (e) {
        throw new Error(`layer width '${p}' is ${(e as Error).message}`);
      }
    });
  },
  format: (v) => v.join(','),
};

// Every knob of RunConfig must have a codec (the mapped type makes a missing one a compile error); the order
// here is the order in the link.
const CODECS: { [K in Knob]: Codec<RunConfig[K]> } = {
  hidden,
  latent: width,
  activation: choice<ActivationName>(ACTIVATIONS, 'activation'),
  latentActivation: choice<ActivationName>(ACTIVATIONS, 'activation'),
  outputActivation: choice<ActivationName>(ACTIVATIONS, 'activation'),
  loss: choice<LossName>(LOSSES, 'loss'),
  optimizer: choice<OptimizerName>(OPTIMIZERS, 'optimizer'),
  lr: real(true),
  batchSize: int(1, LIMITS.batchSize),
  epochs: int(1, LIMITS.epochs),
  l1: real(false),
  noise: real(false),
  beta: real(false),
  seed: int(0, LIMITS.seed),
};
const KNOBS = Object.keys(CODECS) as Knob[];

function same(a: unknown, b: unknown): boolean {
  return Array.isArray(a) && Array.isArray(b) ? a.length === b.length && a.every((v, i) => v === b[i]) : a === b;
}

function formatKnob<K extends Knob>(key: K, value: RunConfig[K]): string {
  return CODECS[key].format(value);
}

/** Query-string text: percent-encoded ('+' would read back as a space), but commas kept for `hidden=256,64`. */
function pair(key: string, value: string): string {
  return `${key}=${encodeURIComponent(value).replace(/%2C/g, ',')}`;
}

/**
 * The query string (without '?') for a run: preset, the changed knobs the preset uses, seed, data. A
 * dropped file is written as `data=file`, which decodeConfig reports (the file is not in the link).
 */
export function encodeConfig(config: RunConfig, dataset: DatasetName): string {
  const defaults = presetConfig(config.preset);
  const unused = unusedKnobs(config.preset);
  const parts = [pair('preset', config.preset)];
  for (const key of KNOBS) {
    if (key === 'seed' || unused.includes(key) || same(config[key], defaults[key])) continue;
    parts.push(pair(key, formatKnob(key, config[key])));
  }
  parts.push(pair('seed', formatKnob('seed', config.seed)), pair('data', dataset));
  return parts.join('&');
}

export interface DecodedConfig {
  config: RunConfig;
  dataset: LinkDataset;
  /** One line per key that was ignored, e.g. "lr=abc: not a number; using 0.002". */
  errors: string[];
}

/**
 * The run a query string (with or without '?') describes: the named preset (default 'tutorial') with each
 * valid known key applied. Knobs the preset does not use are still applied when valid, though encodeConfig
 * does not write them. Never throws.
 */
export function decodeConfig(query: string): DecodedConfig {
  const params = new URLSearchParams(query);
  const errors: string[] = [];
  const counted = new Map<string, number>();
  for (const key of params.keys()) counted.set(key, (counted.get(key) ?? 0) + 1);
  for (const [key, n] of counted) if (n > 1) errors.push(`${key} is given ${n} times; each valid one replaces the one before`);

  let preset: PresetName = 'tutorial';
  const presetRaw = params.getAll('preset');
  for (const raw of presetRaw) {
    if ((PRESET_NAMES as readonly string[]).includes(raw)) preset = raw as PresetName;
    else errors.push(`preset=${raw}: unknown preset (${PRESET_NAMES.join(', ')}); using ${preset}`);
  }
  const config = presetConfig(preset);
  let dataset: LinkDataset = 'mnist';

  for (const [key, raw] of params) {
    if (key === 'preset') continue;
    if (key === 'data') {
      if (raw === 'mnist' || raw === 'fashion-mnist') dataset = raw;
      else if (raw === 'file') errors.push(`data=file: a dropped file is not part of the link (drop it again); using ${dataset}`);
      else errors.push(`data=${raw}: unknown data set (mnist, fashion-mnist); using ${dataset}`);
      continue;
    }
    if (!(KNOBS as string[]).includes(key)) {
      errors.push(`${key}=${raw}: unknown key, ignored`);
      continue;
    }
    const knob = key as Knob;
    try {
      (config as unknown as Record<Knob, unknown>)[knob] = CODECS[knob].parse(raw);
    } catch (e) {
      errors.push(`${key}=${raw}: ${(e as Error).message}; using ${formatKnob(knob, config[knob]) || '(none)'}`);
    }
  }
  return { config, dataset, errors };
}
