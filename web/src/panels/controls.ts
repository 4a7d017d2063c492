/**
 * The controls: data (built-in subsets or the user's own files, read in the worker and never uploaded),
 * the preset and the knobs behind it, play / pause / one step / reset, and share-and-keep (the configuration
 * in the URL, the model file out and in). Knob changes apply on Reset (a running model keeps its shape);
 * choosing a preset or data rebuilds at once.
 */
// The lists come from their own modules, not from src/browser.ts: importing that entry starts a backend and
// its threads, which belong in the worker, not on the page.
import { LOSSES } from '../../../src/losses/losses.js';
import { ACTIVATIONS } from '../../../src/nn/activations.js';
import { OPTIMIZERS } from '../../../src/optim/index.js';
import type { WorkerClient } from '../client.js';
import { type DatasetName, PRESET_NAMES, PRESETS, type PresetName, presetConfig, type RunConfig, unusedKnobs } from '../config.js';
import type { FileOptions } from '../protocol.js';
import { decodeConfig, encodeConfig } from '../url-state.js';

type Knob = Exclude<keyof RunConfig, 'preset'>;
const KNOBS: { key: Knob; label: string; kind: 'int' | 'number' | 'list' | 'choice'; choices?: readonly string[] }[] = [
  { key: 'hidden', label: 'hidden layers', kind: 'list' },
  { key: 'latent', label: 'code size', kind: 'int' },
  { key: 'activation', label: 'activation', kind: 'choice', choices: ACTIVATIONS },
  { key: 'latentActivation', label: 'code activation', kind: 'choice', choices: ACTIVATIONS },
  { key: 'outputActivation', label: 'output activation', kind: 'choice', choices: ACTIVATIONS },
  { key: 'loss', label: 'loss', kind: 'choice', choices: LOSSES },
  { key: 'optimizer', label: 'optimizer', kind: 'choice', choices: OPTIMIZERS },
  { key: 'lr', label: 'learning rate', kind: 'number' },
  { key: 'batchSize', label: 'batch size', kind: 'int' },
  { key: 'epochs', label: 'epochs', kind: 'int' },
  { key: 'seed', label: 'seed', kind: 'int' },
  { key: 'l1', label: 'L1 weight (sparse)', kind: 'number' },
  { key: 'noise', label: 'noise std (denoising)', kind: 'number' },
  { key: 'beta', label: 'KL weight β (VAE)', kind: 'number' },
];

export interface Controls {
  /** The configuration the next Reset builds. */
  config(): RunConfig;
}

export function mountControls(root: HTMLElement, client: WorkerClient, say: (text: string, error?: boolean) => void, dataUrl: (name: string) => string): Controls {
  const fromUrl = decodeConfig(location.search.replace(/^\?/, ''));
  for (const e of fromUrl.errors) say(`link: ${e}`, true);
  let cfg: RunConfig = fromUrl.config;
  let dataset: DatasetName = fromUrl.dataset;
  let running = false;
  root.innerHTML = `
    <h2>Data</h2>
    <label>data set <select id="data-select">
      <option value="mnist">MNIST digits</option><option value="fashion-mnist">Fashion-MNIST</option><option value="file">your own file…</option>
    </select></label>
    <div id="drop" class="drop" tabindex="0" role="button" aria-label="choose or drop a file">
      Drop a CSV, .npy, .npz, Parquet or image files here, or <u>choose files</u>.
      <small>Read in this page only, never uploaded.</small>
      <input type="file" id="file-input" multiple hidden accept=".csv,.tsv,.npy,.npz,.parquet,.png,.jpg,.jpeg,.webp,.gif,.bmp">
    </div>
    <label>label column (tables) <input id="label-col" type="text" placeholder="none" size="8"></label>
    <p class="data-info" id="data-info"></p>
    <h2>Model</h2>
    <label>preset <select id="preset">${PRESET_NAMES.map((p) => `<option value="${p}">${PRESETS[p].title}</option>`).join('')}</select></label>
    <p class="blurb" id="blurb"></p>
    <div class="knobs">${KNOBS.map((k) => `<label data-knob="${k.key}">${k.label} ${k.kind === 'choice'
      ? `<select id="knob-${k.key}">${k.choices!.map((c) => `<option>${c}</option>`).join('')}</select>`
      : `<input id="knob-${k.key}" type="text" inputmode="${k.kind === 'list' ? 'text' : 'decimal'}" size="8">`}</label>`).join('')}</div>
    <div class="buttons">
      <button id="play" title="Space">Play</button><button id="step" title="S">Step</button><button id="reset" title="R">Reset</button>
    </div>
    <p class="pending" id="pending" hidden>Changed: press Reset to build the new model.</p>
    <h2>Share and keep</h2>
    <div class="buttons">
      <button id="share">Copy link</button><button id="download">Download model</button>
      <label class="button">Load model <input type="file" id="load-model" accept=".safetensors" hidden></label>
    </div>`;
  const $ = <T extends HTMLElement>(id: string): T => root.querySelector<T>(`#${id}`)!;
  const dataSelect = $<HTMLSelectElement>('data-select'), drop = $('drop'), fileInput = $<HTMLInputElement>('file-input');
  const presetSelect = $<HTMLSelectElement>('preset'), play = $<HTMLButtonElement>('play');

  const showConfig = (): void => {
    presetSelect.value = cfg.preset;
    $('blurb').textContent = PRESETS[cfg.preset].blurb;
    const unused = unusedKnobs(cfg.preset);
    for (const k of KNOBS) {
      const el = $<HTMLInputElement | HTMLSelectElement>(`knob-${k.key}`);
      const v = cfg[k.key];
      el.value = Array.isArray(v) ? v.join(',') : String(v);
      el.closest('label')!.classList.toggle('unused', unused.includes(k.key));
      el.disabled = unused.includes(k.key);
    }
  };
  const writeUrl = (): void => history.replaceState(null, '', `?${encodeConfig(cfg, dataset)}`);
  const build = (): void => {
    client.send({ type: 'build', config: cfg });
    $('pending').hidden = true;
    writeUrl();
  };
  const readKnob = (k: (typeof KNOBS)[number], raw: string): void => {
    const query = new URLSearchParams(encodeConfig(cfg, 'mnist')); // only the knobs matter here
    query.set(k.key, raw.trim());
    const next = decodeConfig(query.toString());
    if (next.errors.length) { say(next.errors.join('; '), true); showConfig(); return; }
    cfg = next.config;
    $('pending').hidden = false;
    writeUrl();
  };
  for (const k of KNOBS) $(`knob-${k.key}`).addEventListener('change', (e) => readKnob(k, (e.target as HTMLInputElement).value));
  presetSelect.addEventListener('change', () => {
    cfg = { ...presetConfig(presetSelect.value as PresetName), seed: cfg.seed };
    showConfig();
    build();
  });

  const loadBuiltin = (name: Exclude<DatasetName, 'file'>): void => {
    dataset = name;
    $('data-info').textContent = `loading ${name}…`;
    client.send({ type: 'data', source: { kind: 'builtin', name, url: dataUrl(name) } });
    writeUrl();
  };
  const loadFiles = async (files: File[]): Promise<void> => {
    if (!files.length) return;
    dataset = 'file';
    dataSelect.value = 'file';
    $('data-info').textContent = `reading ${files.length === 1 ? files[0].name : `${files.length} files`}…`;
    const read = await Promise.all(files.map(async (f) => ({ name: f.webkitRelativePath || f.name, bytes: await f.arrayBuffer() })));
    const label = $<HTMLInputElement>('label-col').value.trim();
    const options: FileOptions = label ? { label } : {};
    client.send({ type: 'data', source: { kind: 'files', files: read, options } }, read.map((f) => f.bytes));
  };
  dataSelect.addEventListener('change', () => {
    if (dataSelect.value === 'file') fileInput.click();
    else loadBuiltin(dataSelect.value as 'mnist' | 'fashion-mnist');
  });
  drop.addEventListener('click', () => fileInput.click());
  drop.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); fileInput.click(); } });
  fileInput.addEventListener('change', () => void loadFiles([...(fileInput.files ?? [])]));
  // The whole page takes drops, not only the box.
  document.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  document.addEventListener('dragleave', () => drop.classList.remove('over'));
  document.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    void loadFiles([...(e.dataTransfer?.files ?? [])]);
  });

  const toggle = (): void => client.send({ type: running ? 'pause' : 'play' });
  play.addEventListener('click', toggle);
  $('step').addEventListener('click', () => client.send({ type: 'step' }));
  $('reset').addEventListener('click', build);
  document.addEventListener('keydown', (e) => {
    const t = e.target as HTMLElement;
    if (t.closest('input, select, textarea, [contenteditable], canvas') || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === ' ') { e.preventDefault(); toggle(); }
    else if (e.key === 's' || e.key === 'S') client.send({ type: 'step' });
    else if (e.key === 'r' || e.key === 'R') build();
  });

  $('share').addEventListener('click', () => {
    writeUrl();
    void navigator.clipboard?.writeText(location.href).then(() => say('link copied'), () => say(`link: ${location.href}`));
  });
  $('download').addEventListener('click', async () => {
    try {
      const bytes = await client.ask<Uint8Array<ArrayBuffer>>({ q: 'export' });
      const a = document.createElement('a');
      a.href = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
      a.download = `aekit-${cfg.preset}.safetensors`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    } catch (e) { say((e as Error).message, true); }
  });
  $<HTMLInputElement>('load-model').addEventListener('change', async (e) => {
    const f = (e.target as HTMLInputElement).files?.[0];
    if (!f) return;
    const bytes = await f.arrayBuffer();
    try {
      await client.ask({ q: 'import', bytes }, [bytes]);
      say(`loaded ${f.name}`);
    } catch (err) { say((err as Error).message, true); }
  });

  client.on((m) => {
    if (m.type === 'state') {
      running = m.running;
      play.textContent = running ? 'Pause' : 'Play';
      play.setAttribute('aria-pressed', String(running));
    } else if (m.type === 'data') {
      const s = m.summary;
      $('data-info').textContent = `${s.title}: ${s.trainCount} train + ${s.testCount} test samples of ${s.sampleShape.join('x')}` +
        `, ${(s.bytes / 1e6).toFixed(1)} MB loaded in ${(s.loadMs / 1000).toFixed(1)} s${s.notes.length ? `. ${s.notes.join(' ')}` : ''}`;
      root.dataset.loadMs = String(s.loadMs);
    } else if (m.type === 'built' && m.config === null) {
      $('pending').hidden = true;
    }
  });

  showConfig();
  // A link cannot carry a dropped file (decodeConfig says so and gives MNIST).
  dataSelect.value = fromUrl.dataset;
  loadBuiltin(fromUrl.dataset);
  build();
  return { config: () => cfg };
}
