/**
 * The playground's training worker. It owns the data, the model and its optimizer, and trains with the
 * library's own `fit` on the wasm thread pool (the pool's threads are further Web Workers), so the page's main
 * thread only draws. Play, pause and one step work through fit's callbacks: while paused, onBatchEnd returns
 * a promise that holds the run with its epoch, shuffle order and optimizer state intact (train/callbacks.ts).
 * Queries (queries.ts) are answered between batches: fit yields to the event loop every 50 ms.
 */
import { type BatchEnd, type Callback, type EpochEnd, evaluateLoss, getBackend, lossFn, makeOptimizer, type Optimizer, type VAE } from '../../src/browser.js';
import type { RunConfig } from './config.js';
import { loadData, otherSubset } from './data.js';
import { adaptToData, buildModel, fitLoss } from './model-build.js';
import type { DataSource, PageToWorker, WorkerToPage } from './protocol.js';
import { answer, importModel, type ModelState, reconstructRows } from './queries.js';

interface WorkerScope {
  postMessage(m: WorkerToPage, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<PageToWorker>) => void) | null;
  crossOriginIsolated?: boolean;
}
const scope = self as unknown as WorkerScope;
const post = (m: WorkerToPage, transfer: Transferable[] = []): void => scope.postMessage(m, transfer);

/** Test samples shown live over their reconstructions. */
const PREVIEW = 16;
/** Test samples the live validation loss is measured on. */
const VALIDATION = 512;
const PREVIEW_MS = 500;
const VALIDATION_MS = 2000;
const PROGRESS_MS = 250;

let state: ModelState | null = null;
let config: RunConfig | null = null;
let optimizer: Optimizer | null = null;
/** 'run': train; 'pause': hold at the next batch end; 'step': run one batch, then pause. */
let mode: 'run' | 'pause' | 'step' = 'pause';
let release: (() => void) | null = null;
let training = false;
let epochsDone = 0;
let step = 0;
/** Bumped by every rebuild: the training loop of an older model stops at its next batch end. */
let generation = 0;

// Throughput over the time spent running (paused time and queries between pauses excluded).
const clock = { samples: 0, ms: 0, since: 0 };
let pending = { steps: [] as number[], losses: [] as number[] };
const last = { progress: 0, preview: 0, validation: 0 };

function samplesPerSec(): number {
  const ms = clock.ms + (clock.since ? performance.now() - clock.since : 0);
  return ms > 0 ? (clock.samples * 1000) / ms : 0;
}

function setClock(running: boolean): void {
  const now = performance.now();
  if (running && !clock.since) clock.since = now;
  if (!running && clock.since) { clock.ms += now - clock.since; clock.since = 0; }
}

function validationLoss(s: ModelState): number {
  const ds = s.data.test.slice(0, Math.min(VALIDATION, s.data.test.length));
  if (s.model.modelConfig().kind === 'VAE') return (s.model as unknown as VAE).evaluate(ds, { seed: 1 }).loss;
  return evaluateLoss(s.model, ds, lossFn(config?.loss ?? 'mse'));
}

function sendProgress(info: BatchEnd | null): void {
  post({
    type: 'progress', epoch: epochsDone + (info ? info.epoch : 0), batch: info ? info.batch + 1 : 0,
    batchesPerEpoch: info?.batchesPerEpoch ?? 0, step, steps: pending.steps, losses: pending.losses,
    samplesPerSec: samplesPerSec(), running: mode === 'run',
  });
  pending = { steps: [], losses: [] };
  last.progress = performance.now();
}

function sendPreview(s: ModelState): void {
  const n = Math.min(PREVIEW, s.data.test.length);
  const inputs = s.data.test.slice(0, n).toFloat32();
  const outputs = reconstructRows(s, inputs);
  post({ type: 'preview', inputs, outputs, count: n }, [inputs.buffer, outputs.buffer]);
  last.preview = performance.now();
}

function sendValidation(s: ModelState): void {
  post({ type: 'validation', step, loss: validationLoss(s) });
  last.validation = performance.now();
}

function sendState(finished: boolean): void {
  post({ type: 'state', running: mode === 'run' && training, finished });
}

/** Every model change (a batch, an import) invalidates what the queries cached about the weights. */
function changed(s: ModelState): void {
  s.cache = {};
}

function controller(s: ModelState, gen: number): Callback {
  let seenInEpoch = 0;
  return {
    onBatchEnd(info, control) {
      if (gen !== generation) { control.stop('rebuilt'); return; }
      step++;
      clock.samples += info.batch === 0 ? info.samples : info.samples - seenInEpoch;
      seenInEpoch = info.samples;
      pending.steps.push(step);
      pending.losses.push(info.loss);
      changed(s);
      const now = performance.now();
      const holding = mode !== 'run';
      if (holding || now - last.progress > PROGRESS_MS) sendProgress(info);
      if (holding || now - last.preview > PREVIEW_MS) sendPreview(s);
      if (holding || now - last.validation > VALIDATION_MS) sendValidation(s);
      if (!holding) return;
      mode = 'pause';
      setClock(false);
      sendProgress(info);
      sendState(false);
      return new Promise<void>((r) => { release = r; });
    },
    onEpochEnd(info: EpochEnd) {
      if (gen !== generation) return;
      post({ type: 'epoch', epoch: epochsDone + info.epoch + 1, loss: info.loss, valLoss: null, seconds: info.seconds });
    },
  };
}

/** Trains `config.epochs` epochs (again on every play after the last round finished). */
async function train(): Promise<void> {
  if (!state || !config || !optimizer || training) return;
  training = true;
  const s = state, cfg = config, gen = generation;
  const loss = fitLoss(cfg);
  try {
    const h = await s.model.fit(s.data.train, {
      epochs: cfg.epochs, batchSize: cfg.batchSize, optimizer, seed: cfg.seed + epochsDone, ...(loss ? { loss } : {}),
      callbacks: [controller(s, gen)],
    }) as { epoch: number[]; stopReason: string | null };
    if (gen !== generation) return;
    epochsDone += h.epoch.length;
    setClock(false);
    sendProgress(null);
    sendPreview(s);
    sendValidation(s);
    if (h.stopReason && h.stopReason !== 'rebuilt') post({ type: 'error', id: null, message: `training stopped: ${h.stopReason}` });
  } catch (e) {
    if (gen === generation) post({ type: 'error', id: null, message: `training failed: ${(e as Error).message}` });
  } finally {
    if (gen === generation) {
      training = false;
      mode = 'pause';
      sendState(true);
    }
  }
}

function resume(next: 'run' | 'step'): void {
  mode = next;
  setClock(true);
  if (release) {
    const r = release;
    release = null;
    r();
  } else void train();
  sendState(false);
}

/** Ends the current run: one held at a pause wakes up, sees the new generation and stops at its next batch. */
function endRun(): void {
  generation++;
  release?.();
  release = null;
  training = false;
}

function rebuild(cfg: RunConfig | null, model = state?.model): void {
  if (!state?.data) throw new Error('load data first');
  endRun();
  mode = 'pause';
  epochsDone = 0;
  step = 0;
  Object.assign(clock, { samples: 0, ms: 0, since: 0 });
  pending = { steps: [], losses: [] };
  const data = state.data;
  const adapted = cfg ? adaptToData(cfg, data.summary.kind) : null;
  const m = adapted ? buildModel(adapted.config, data.info.sampleShape) : model!;
  config = adapted?.config ?? null;
  optimizer = makeOptimizer(cfg?.optimizer ?? 'adam', m, { lr: cfg?.lr ?? 1e-3 });
  state = { ...state, model: m, training: trainingRecord(cfg), cache: {} };
  const params = m.parameters().reduce((a, p) => a + p.size, 0);
  post({ type: 'built', model: { architecture: m.architecture(), parameters: params, codeShape: [...m.codeShape], variational: m.modelConfig().kind === 'VAE' }, config: cfg, notes: adapted?.notes ?? [] });
  sendPreview(state);
  sendValidation(state);
  sendState(false);
}

function trainingRecord(cfg: RunConfig | null): Record<string, unknown> {
  const data = state?.data;
  const shared = { data: data?.summary.title, ...(data?.dataRequest ? { dataRequest: data.dataRequest } : {}) };
  return cfg ? { trainedBy: 'aekit playground', ...shared, ...cfg, epochs: epochsDone } : { trainedBy: 'aekit playground (imported model)', ...shared };
}

async function onData(source: DataSource): Promise<void> {
  const data = await loadData(source);
  endRun();
  const other = source.kind === 'builtin' ? otherSubset(source) : null;
  state = { model: state?.model ?? null!, data, training: {}, cache: {}, otherSet: other };
  const summary = { ...data.summary, testImages: Float32Array.from(data.summary.testImages) };
  post({ type: 'data', summary }, [summary.testImages.buffer]);
  if (config) rebuild(config);
}

async function handle(m: PageToWorker): Promise<void> {
  switch (m.type) {
    case 'data': return onData(m.source);
    case 'build':
      if (!state?.data) { config = m.config; return; } // built when the data arrives
      return rebuild(m.config);
    case 'play': return resume('run');
    case 'step': return resume('step');
    case 'pause':
      mode = 'pause';
      return;
    case 'query': {
      if (!state?.model) throw new Error('no model yet');
      if (m.query.q === 'import') {
        rebuild(null, importModel(m.query.bytes, state.data));
        post({ type: 'answer', id: m.id, result: null });
        return;
      }
      if (m.query.q === 'export' && config) state.training = trainingRecord(config); // with the epochs trained by now
      const { result, transfer } = await answer(state, m.query);
      post({ type: 'answer', id: m.id, result }, transfer);
    }
  }
}

scope.onmessage = (e) => {
  const id = e.data.type === 'query' ? e.data.id : null;
  handle(e.data).catch((err: Error) => post({ type: 'error', id, message: err.message }));
};

// The backend the browser entry picked at import: wasm on the thread pool when the page is cross-origin
// isolated, else the reference kernels (no shared memory); the page shows which, and why.
async function start(): Promise<void> {
  const b = getBackend() as ReturnType<typeof getBackend> & { whenReady?: () => Promise<boolean> };
  const ready = b.whenReady ? await b.whenReady() : true;
  const isolated = scope.crossOriginIsolated === true;
  const note = !isolated
    ? 'not cross-origin isolated: no shared memory, so no threads and no wasm kernels; training runs on the slower reference kernels'
    : ready ? null : 'the thread pool did not start in time; kernels run on fewer threads';
  post({ type: 'ready', backend: b.name, threads: b.threads, isolated, note });
}
void start();
