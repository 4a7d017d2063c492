/**
 * What the emitters share: the context they write into (the graph, the model's tensors by path), the value
 * flowing from layer to layer with its layout, the activations, and the layout changes. Images are NHWC at the
 * graph's edges, as aekit's inputs are; ONNX's Conv, pooling and Resize work on NCHW, so a run of image layers
 * is bracketed by one Transpose in and one out, and a flow remembers which layout it is in.
 */
import { AekitError } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Graph } from './graph.js';
import type { LayerSpec, LayerTable } from './table.js';

/**
 * The value between layers. `shape` is one sample's shape in aekit's order (NHWC for images), with null for a
 * size known only at run time (a Sequential's image height when the file does not say it).
 */
export interface Flow {
  value: string;
  layout: 'flat' | 'nhwc' | 'nchw' | 'seq';
  shape: (number | null)[];
}

export class Ctx {
  constructor(
    readonly g: Graph,
    private readonly tensors: Map<string, Tensor>,
    /** The model's kind, for messages. */
    readonly kind: string,
    /** The layer emitters by type (table.ts), for layers made of layers. */
    private readonly layers: LayerTable,
    private readonly prefix = '',
    /** Every tensor path read so far (shared with the contexts `at` makes), to check a whole model was used. */
    readonly used: Set<string> = new Set(),
  ) {}

  /** The same graph and tensors, with tensor paths under `prefix` (an AnomalyDetector's `autoencoder.`). */
  at(prefix: string): Ctx {
    return new Ctx(this.g, this.tensors, this.kind, this.layers, this.prefix + prefix, this.used);
  }

  /** Emits the layer `spec` (tensors under `path`) on `x` through the layer table. */
  layer(spec: LayerSpec, path: string, x: Flow): Flow {
    const emit = Object.hasOwn(this.layers, spec.type) ? this.layers[spec.type] : undefined;
    if (!emit) throw unsupported(`layer ${this.path(path)} of the ${this.kind} has type '${spec.type}', which the exporter does not know (known: ${Object.keys(this.layers).join(', ')})`);
    return emit(this, spec, path, x);
  }

  /** The full tensor path of `path`. */
  path(path: string): string {
    return this.prefix + path;
  }

  /** The model's tensor at `path`, checked to exist and, where given, to have `shape`. */
  tensor(path: string, shape?: readonly number[]): Tensor {
    const full = this.prefix + path;
    const t = this.tensors.get(full);
    if (!t) throw new AekitError(`onnx export: the ${this.kind} has no tensor '${full}' (its config and weights disagree)`, 'E_FORMAT');
    this.used.add(full);
    if (shape && (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))) {
      throw new AekitError(`onnx export: tensor '${full}' is [${t.shape.join(', ')}], the ${this.kind}'s config needs [${shape.join(', ')}]`, 'E_FORMAT');
    }
    return t;
  }

  /** Whether the model has a tensor at `path` (an optional bias). */
  has(path: string): boolean {
    return this.tensors.has(this.prefix + path);
  }

  /** The tensor at `path` as a float32 initializer named by its path (values as they are, float64 cast to float32). */
  weight(path: string, shape?: readonly number[]): string {
    const t = this.tensor(path, shape);
    // A tied weight is used twice (encoder and decoder): one initializer.
    if (this.g.has(this.prefix + path)) return this.prefix + path;
    return this.g.initializer(this.prefix + path, t.shape, Float32Array.from(t.toTypedArray()));
  }

  /**
   * A rearranged copy of the tensor at `path` (a conv kernel in ONNX's layout, LSTM gates in ONNX's order),
   * still named by the path: the one tensor of the model it holds.
   */
  derived(path: string, dims: readonly number[], values: Float32Array): string {
    return this.g.initializer(this.prefix + path, dims, values);
  }
}

/** The error for something the exporter does not know (a layer type, an activation, a part). */
export function unsupported(message: string): AekitError {
  return new AekitError(`onnx export: ${message}`, 'E_UNSUPPORTED');
}

/** Applies aekit's activation `name` (nn/activations.ts) to `x`; `channelAxis` is where softmax normalizes. */
export function activate(g: Graph, name: unknown, x: string, channelAxis = -1): string {
  switch (name) {
    case 'linear': return x;
    case 'sigmoid': return g.node('Sigmoid', [x]);
    case 'tanh': return g.node('Tanh', [x]);
    case 'relu': return g.node('Relu', [x]);
    // aekit's defaults (nn/activations.ts): leakyRelu alpha 0.3 (Keras), elu alpha 1.
    case 'leakyRelu': return g.node('LeakyRelu', [x], { alpha: { float: 0.3 } });
    case 'elu': return g.node('Elu', [x], { alpha: { float: 1 } });
    case 'softplus': return g.node('Softplus', [x]);
    case 'softmax': return g.node('Softmax', [x], { axis: channelAxis });
    default: throw unsupported(`unknown activation '${String(name)}'`);
  }
}

/** `x` in NCHW (from NHWC), for ONNX's image ops. */
export function toNCHW(g: Graph, x: Flow): Flow {
  if (x.layout === 'nchw') return x;
  if (x.layout !== 'nhwc' || x.shape.length !== 3) throw unsupported(`an image layer needs images [height, width, channels], got samples of shape [${x.shape.join(', ')}]`);
  return { ...x, value: g.node('Transpose', [x.value], { perm: [0, 3, 1, 2] }), layout: 'nchw' };
}

/** `x` back in aekit's layout (NHWC for images), for a layer that is not an image op or the graph's output. */
export function toAekitLayout(g: Graph, x: Flow): Flow {
  if (x.layout !== 'nchw') return x;
  return { ...x, value: g.node('Transpose', [x.value], { perm: [0, 2, 3, 1] }), layout: 'nhwc' };
}

/** `x` as rows [batch, values] (a Dense layer's input). */
export function toRows(g: Graph, x: Flow, width: number, who: string): Flow {
  const f = toAekitLayout(g, x);
  const size = f.shape.every((d) => d !== null) ? (f.shape as number[]).reduce((a, b) => a * b, 1) : null;
  if (size !== null && size !== width) throw new AekitError(`onnx export: ${who} takes ${width} values per sample, its input has ${size}`, 'E_FORMAT');
  if (f.shape.length === 1) return f;
  return { value: g.node('Flatten', [f.value], { axis: 1 }), layout: 'flat', shape: [width] };
}

/** A flow's batch-first dims for a graph output ('batch' first). */
export function outputDims(x: Flow): (number | string)[] {
  return ['batch', ...x.shape.map((d, i) => d ?? `dim${i + 1}`)];
}
