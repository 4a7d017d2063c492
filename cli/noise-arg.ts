/**
 * The --noise syntax ('gaussian:0.5', 'masking:0.3', 'salt-and-pepper:0.2'), read and written back. It has its
 * own file because `aekit denoise` and the report's denoising section read it too, and they need nothing else
 * of the training flags.
 */
import type { NoiseSpec } from '../src/index.js';
import { UsageError } from './errors.js';

const NOISE_NAMES: Record<string, { type: NoiseSpec['type']; fallback: number }> = {
  gaussian: { type: 'gaussian', fallback: 0.5 },
  masking: { type: 'masking', fallback: 0.3 },
  'salt-and-pepper': { type: 'saltAndPepper', fallback: 0.2 },
};

/** 'gaussian:0.5', 'masking:0.3', 'salt-and-pepper:0.2' (or a bare name, with those numbers) -> NoiseSpec. */
export function noiseArg(value: string): NoiseSpec {
  const [name, amount, ...rest] = value.trim().split(':');
  const kind = Object.hasOwn(NOISE_NAMES, name) ? NOISE_NAMES[name] : undefined;
  const x = amount === undefined ? kind?.fallback : amount.trim() === '' ? NaN : Number(amount);
  if (!kind || rest.length > 0 || x === undefined || !Number.isFinite(x) || x < 0 || (kind.type !== 'gaussian' && x > 1)) {
    throw new UsageError(`--noise must be gaussian:F (F >= 0), masking:P or salt-and-pepper:P (P in [0, 1]); got '${value}'`);
  }
  return kind.type === 'gaussian' ? { type: 'gaussian', factor: x, clip: true } : { type: kind.type, fraction: x };
}

/** 'gaussian:0.5' again, for messages. */
export function noiseLabel(spec: NoiseSpec): string {
  return spec.type === 'gaussian' ? `gaussian:${spec.factor}` : `${spec.type === 'masking' ? 'masking' : 'salt-and-pepper'}:${spec.fraction}`;
}
