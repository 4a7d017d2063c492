/**
 * A small seeded PRNG (sfc32, seeded through splitmix32) so every random choice in aekit is reproducible:
 * the library never calls Math.random(). `split()` derives an independent stream, so e.g. weight init and
 * shuffling do not consume each other's numbers.
 */
/** What an Rng is at one moment (JSON-safe): see Rng.getState. */
export interface RngState {
  words: number[];
  spare: number | null;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | null = null;

  constructor(seed = 0) {
    if (!Number.isFinite(seed)) throw new Error(`seed must be a finite number, got ${seed}`);
    let s = (Math.floor(seed) ^ 0x9e3779b9) >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  uniform(lo = 0, hi = 1): number {
    return lo + (hi - lo) * this.next();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box-Muller, caching the second value). */
  normal(mean = 0, std = 1): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return mean + std * v;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /** Fisher-Yates shuffle of a permutation 0..n-1. */
  permutation(n: number): Uint32Array {
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /**
   * The generator's whole state (the four sfc32 words and Box-Muller's cached second value), for checkpoints:
   * `setState` on any Rng makes it draw exactly what this one draws next.
   */
  getState(): RngState {
    return { words: [this.a, this.b, this.c, this.d], spare: this.spare };
  }

  setState(state: RngState): this {
    const w = state?.words;
    if (!Array.isArray(w) || w.length !== 4 || !w.every((v) => Number.isInteger(v) && v >= -2147483648 && v <= 4294967295)) {
      throw new Error(`Rng state must hold 4 32-bit words, got ${JSON.stringify(w)}`);
    }
    if (state.spare !== null && typeof state.spare !== 'number') throw new Error(`Rng state: spare must be a number or null, got ${JSON.stringify(state.spare)}`);
    [this.a, this.b, this.c, this.d] = w.map((v) => v | 0);
    this.spare = state.spare;
    return this;
  }

  /** A generator in the given state (see getState). */
  static fromState(state: RngState): Rng {
    return new Rng(0).setState(state);
  }

  /** A new generator seeded from this one. */
  split(): Rng {
    return new Rng(this.nextU32());
  }
}
