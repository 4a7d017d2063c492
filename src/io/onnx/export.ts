/**
 * exportOnnx: an aekit model as an ONNX model (ModelProto bytes, opset 17), built from the model's saved kind,
 * config and tensors through the tables in table.ts. Browser-safe (no Node imports).
 *
 * Parts (what the graph computes; tensor names in brackets):
 *   full     raw input [input] -> reconstruction in the data's units [reconstruction] (what `aekit reconstruct`
 *            writes); for a network that is not an autoencoder, its forward pass [output], in model units
 *   encoder  raw input [input] -> the code [code] (a VAE: [code_mean] and [code_log_var]; `aekit encode` writes
 *            the mean)
 *   decoder  a code [code] -> reconstruction in the data's units [reconstruction]
 *   score    AnomalyDetector only: raw rows [input] -> [reconstruction_error] (float64, the detector's score),
 *            [is_anomaly] (bool, score > the saved threshold) and [anomaly_probability] (float64), as
 *            `aekit detect score` computes them
 * The batch axis is dynamic ("batch"); images are NHWC as aekit takes them; a dense model takes flat rows.
 * The graph computes in float32: a float64 model's weights are rounded to float32 (the score part's
 * reduction, threshold and calibration scores stay float64).
 */
import type { DataInfo } from '../../data/info.js';
import type { Preprocessing } from '../../data/preprocess.js';
import { AekitError } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { detectorEmitter, detectorParts, preprocessIn, preprocessOut, scoreOutputs } from './detector.js';
import { Ctx, type Flow, outputDims, toAekitLayout, unsupported } from './emit.js';
import { type Dim, Graph } from './graph.js';
import { encodeMessage } from './proto.js';
import { type AutoencoderEmitter, KINDS, LAYERS } from './table.js';

export const ONNX_PARTS = ['full', 'encoder', 'decoder', 'score'] as const;
export type OnnxPart = (typeof ONNX_PARTS)[number];

/** What exportOnnx reads of a model: its saved kind and config, and its tensors by path (every aekit model has both). */
export interface ExportableModel {
  modelConfig(): { kind: string; config: object };
  namedTensors(): [string, Tensor][];
}

export interface OnnxExportOptions {
  /** Default 'full'. */
  part?: OnnxPart;
  /**
   * What the model file keeps beside the model (LoadedModel): the preprocessing goes into the graph, so it
   * takes raw data; the data's sample shape fixes the image size of a Sequential that starts with a convolution.
   */
  extras?: { preprocessing?: Preprocessing | null; data?: Pick<DataInfo, 'sampleShape'> | null };
}

/** The parts a model kind exports (an unknown kind: an E_UNSUPPORTED error listing the known ones). */
export function onnxParts(kind: string): OnnxPart[] {
  const entry = Object.hasOwn(KINDS, kind) ? KINDS[kind] : undefined;
  if (!entry) throw unsupported(`the exporter does not know the model kind '${kind}' (known: ${Object.keys(KINDS).join(', ')})`);
  if ('net' in entry) return ['full'];
  return 'detector' in entry ? ['full', 'encoder', 'decoder', 'score'] : ['full', 'encoder', 'decoder'];
}

const layoutOf = (shape: readonly unknown[]): Flow['layout'] => (shape.length === 3 ? 'nhwc' : shape.length === 2 ? 'seq' : 'flat');

/** A graph input's dims: the batch, then the sample's, sizes chosen at run time named by what they are. */
function inputDims(shape: (number | null)[]): Dim[] {
  const names = shape.length === 3 ? ['height', 'width', 'channels'] : shape.length === 2 ? ['time', 'features'] : ['values'];
  return ['batch', ...shape.map((d, i) => d ?? names[i])];
}

function describe(model: ExportableModel): { kind: string; config: Record<string, unknown> } {
  if (typeof model?.modelConfig !== 'function' || typeof model.namedTensors !== 'function') {
    throw unsupported('the model has no modelConfig() and namedTensors() (export a model aekit can save)');
  }
  const { kind, config } = model.modelConfig();
  if (typeof kind !== 'string' || typeof config !== 'object' || config === null) throw new AekitError('onnx export: modelConfig() gave no kind and config', 'E_FORMAT');
  return { kind, config: config as Record<string, unknown> };
}

/** The ONNX ModelProto bytes of `model`'s `part` (see the module comment). */
export function exportOnnx(model: ExportableModel, opts: OnnxExportOptions = {}): Uint8Array {
  const part = opts.part ?? 'full';
  if (!(ONNX_PARTS as readonly string[]).includes(part)) throw unsupported(`unknown part '${String(part)}' (parts: ${ONNX_PARTS.join(', ')})`);
  const { kind, config } = describe(model);
  const parts = onnxParts(kind);
  if (!parts.includes(part)) {
    throw unsupported(`${/^[AEIOU]/.test(kind) ? 'an' : 'a'} ${kind} exports ${parts.join(', ')}, not '${part}'${part === 'score' ? ' (score is an AnomalyDetector\'s: fit one with \'aekit detect fit\')' : ''}`);
  }
  const tensors = new Map(model.namedTensors());
  const g = new Graph();
  const ctx = new Ctx(g, tensors, kind, LAYERS);
  const prep = opts.extras?.preprocessing ?? null;
  const entry = KINDS[kind];
  const metadata: Record<string, string> = { aekit_kind: kind, aekit_part: part, aekit_config: JSON.stringify(config) };
  if (prep) metadata.aekit_preprocessing = prep.method;
  if ([...tensors.values()].some((t) => t.dtype === 'float64')) metadata.aekit_weights = 'float64 in aekit, rounded to float32 in this graph';
  let doc: string;

  const input = (shape: (number | null)[], name = 'input'): Flow => ({ value: g.input(name, 'float', inputDims(shape)), layout: layoutOf(shape), shape });
  const out = (name: string, f: Flow): void => {
    const a = toAekitLayout(g, f);
    g.output(name, a.value, 'float', outputDims(a));
  };

  if ('net' in entry) {
    const x = preprocessIn(g, input(entry.net.input(config, kind, opts.extras?.data?.sampleShape)), prep);
    out('output', entry.net.forward(ctx, config, x));
    doc = `${kind}: raw input -> its forward pass (model units)`;
  } else {
    const dp = 'detector' in entry ? detectorParts(config, KINDS) : null;
    const ae: AutoencoderEmitter = 'autoencoder' in entry ? entry.autoencoder : detectorEmitter(dp!);
    const shape = ae.input(config, kind);
    if (part === 'decoder') {
      // The code's shape: the encoder run on a scratch graph (the same weights, nothing kept).
      const scratch = new Ctx(new Graph(), tensors, kind, LAYERS);
      const code = Object.values(ae.encode(scratch, config, { value: 'x', layout: layoutOf(shape), shape }))[0];
      const c = code.shape as number[];
      out('reconstruction', preprocessOut(g, ae.decode(ctx, config, input(c, 'code')), prep));
      doc = `${kind} decoder: code -> reconstruction in the data's units`;
    } else {
      const x = preprocessIn(g, input(shape), prep);
      if (part === 'score') {
        const s = scoreOutputs(ctx, config, dp!, x);
        g.output('reconstruction_error', s.error, 'double', ['batch']);
        g.output('is_anomaly', s.flag, 'bool', ['batch']);
        g.output('anomaly_probability', s.probability, 'double', ['batch']);
        metadata.aekit_threshold = String(config.threshold);
        doc = `${kind}: raw samples -> reconstruction_error (mean squared error in model space), is_anomaly (> ${String(config.threshold)}), anomaly_probability (share of calibration scores <=)`;
      } else {
        const codes = ae.encode(ctx, config, x);
        if (part === 'encoder') {
          for (const [name, f] of Object.entries(codes)) out(name, f);
          doc = `${kind} encoder: raw input -> ${Object.keys(codes).join(', ')}`;
        } else {
          out('reconstruction', preprocessOut(g, ae.decode(ctx, config, Object.values(codes)[0]), prep));
          doc = `${kind}: raw input -> reconstruction in the data's units`;
        }
      }
    }
  }
  // A whole model's graph reads every tensor it has: one left over means its config and weights disagree.
  if (part === 'score' || (part === 'full' && !('detector' in entry))) {
    const unused = [...tensors.keys()].filter((k) => !ctx.used.has(k));
    if (unused.length) throw new AekitError(`onnx export: the ${kind}'s tensor${unused.length > 1 ? 's' : ''} ${unused.join(', ')} ha${unused.length > 1 ? 've' : 's'} no place in its graph (its config and weights disagree)`, 'E_FORMAT');
  }
  return encodeMessage('ModelProto', g.toModel({ name: `aekit ${kind} ${part}`, doc, metadata }));
}
