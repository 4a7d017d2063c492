/**
 * Sliders for small codes (8 dimensions or fewer): one range input per code dimension, spanning the test
 * codes' range widened by a quarter on each side (so one can step just outside what the data uses), and the
 * decoding of the code they set. Decoding is coalesced: at most one request is in flight, and when it returns
 * only the latest slider position is sent, so dragging never queues stale work in the worker.
 */
import { Latest } from './latent-latest.js';

export const MAX_SLIDER_DIMS = 8;

export class CodeSliders {
  private inputs: HTMLInputElement[] = [];
  private outputs: HTMLOutputElement[] = [];
  /** The sliders hold a position within real ranges (not yet after prepare). */
  private placed = false;
  private readonly decode: Latest<number[]>;

  constructor(
    private readonly box: HTMLElement,
    private readonly list: HTMLElement,
    readonly out: HTMLCanvasElement,
    request: (code: number[]) => Promise<void>,
    /** Called on every slider input (the page syncs the plane's cursor when the code is the plane). */
    private readonly onInput: (code: number[]) => void,
    onError: (e: Error) => void,
  ) {
    this.decode = new Latest(request, onError);
  }

  get code(): number[] {
    return this.inputs.map((i) => Number(i.value));
  }

  get active(): boolean {
    return this.inputs.length > 0;
  }

  /**
   * Shows one slider per dimension (or none when the code is too big), as soon as the model is known, so the
   * panel's layout is settled before the first answer; their ranges come with the codes (setRanges).
   */
  prepare(dims: number): void {
    this.box.hidden = dims === 0 || dims > MAX_SLIDER_DIMS;
    if (this.box.hidden) {
      this.inputs = [];
      this.outputs = [];
      this.list.replaceChildren();
      return;
    }
    if (this.inputs.length === dims) return;
    this.list.replaceChildren();
    this.inputs = [];
    this.outputs = [];
    this.placed = false;
    for (let j = 0; j < dims; j++) {
      const label = document.createElement('label');
      label.className = 'latent-slider';
      const name = document.createElement('span');
      name.textContent = `z${j + 1}`;
      const input = document.createElement('input');
      input.type = 'range';
      input.id = `latent-slider-${j}`;
      input.dataset.dim = String(j);
      const output = document.createElement('output');
      output.htmlFor.add(input.id);
      input.addEventListener('input', () => this.changed());
      label.append(name, input, output);
      this.list.append(label);
      this.inputs.push(input);
      this.outputs.push(output);
    }
  }

  /** The test codes' range per dimension: widens or narrows the sliders, keeping their values (first time: the middle). */
  setRanges(range: [number, number][]): void {
    this.prepare(range.length);
    if (!this.active) return;
    range.forEach(([lo, hi], j) => {
      const input = this.inputs[j];
      const pad = Math.max((hi - lo) * 0.25, 0.05);
      const value = this.placed ? Number(input.value) : (lo + hi) / 2;
      input.min = String(lo - pad);
      input.max = String(hi + pad);
      input.step = String((hi - lo + 2 * pad) / 200);
      input.value = String(value);
      input.setAttribute('aria-label', `code dimension ${j + 1} (test codes span ${lo.toFixed(2)} to ${hi.toFixed(2)})`);
    });
    this.placed = true;
    this.show();
  }

  /** Sets the sliders (e.g. to a clicked point of a 2-D code) and decodes. */
  set(code: number[]): void {
    code.forEach((v, j) => { if (this.inputs[j]) this.inputs[j].value = String(v); });
    this.show();
    this.decode.ask(this.code);
  }

  /** Decodes the current position again (after the weights changed). */
  refresh(): Promise<void> {
    return this.active && this.placed ? this.decode.ask(this.code) : Promise.resolve();
  }

  private changed(): void {
    this.show();
    this.onInput(this.code);
    void this.decode.ask(this.code);
  }

  private show(): void {
    this.inputs.forEach((input, j) => { this.outputs[j].value = Number(input.value).toFixed(2); });
    this.out.dataset.code = this.code.map((v) => v.toFixed(3)).join(',');
  }
}
