/**
 * The playground page: starts the training worker, mounts the panels and shows what the worker reports.
 * Every panel gets the same WorkerClient; none of them trains or computes on this thread beyond drawing, so
 * the page stays responsive while the worker trains.
 */
import 'uplot/dist/uPlot.min.css';
import './styles/page.css';
import { type PanelContext, WorkerClient } from './client.js';
import { mountAnomaly } from './panels/anomaly.js';
import { mountControls } from './panels/controls.js';
import { mountDenoise } from './panels/denoise.js';
import { mountDraw } from './panels/draw.js';
import { mountLatent } from './panels/latent.js';
import { mountTrain } from './panels/train.js';
import type { DataSummary } from './protocol.js';

const $ = (id: string): HTMLElement => document.getElementById(id)!;
const messages = $('messages');

function say(text: string, error = false): void {
  const line = document.createElement('p');
  line.textContent = text;
  if (error) line.className = 'error';
  messages.prepend(line);
  while (messages.childElementCount > 4) messages.lastElementChild!.remove();
}

const client = new WorkerClient(new URL('./worker.js', import.meta.url));
const status = $('status');
client.on((m) => {
  if (m.type === 'ready') {
    status.textContent = `backend ${m.backend}, ${m.threads} thread${m.threads === 1 ? '' : 's'}${m.isolated ? '' : ' (not cross-origin isolated)'}`;
    status.classList.toggle('warn', !!m.note);
    if (m.note) say(m.note, true);
    document.body.dataset.ready = 'true';
  } else if (m.type === 'error') say(m.message, true);
  else if (m.type === 'built' && m.notes.length) say(`for this data: ${m.notes.join('; ')}`);
});

// Panels refresh after the weights change, at most every 5 s while training (their queries and drawing share
// the CPU with training) and once when it stops.
const modelListeners: (() => void)[] = [];
const dataListeners: ((d: DataSummary) => void)[] = [];
let pendingRefresh = 0;
let lastRefresh = 0;
const refresh = (): void => {
  lastRefresh = performance.now();
  pendingRefresh = 0;
  for (const f of modelListeners) f();
};
client.on((m) => {
  if (m.type === 'data') for (const f of dataListeners) f(m.summary);
  const weightsChanged = m.type === 'built' || (m.type === 'state' && !m.running) || m.type === 'progress';
  if (!weightsChanged || pendingRefresh) return;
  const wait = m.type === 'progress' && m.running ? Math.max(0, 5000 - (performance.now() - lastRefresh)) : 50;
  pendingRefresh = window.setTimeout(refresh, wait);
});
const ctx: PanelContext = {
  client,
  onModelChange: (f) => void modelListeners.push(f),
  onData: (f) => void dataListeners.push(f),
  say,
};

const dataUrl = (name: string): string => new URL(`./data/${name}.bin`, location.href).href;
mountControls($('controls'), client, say, dataUrl);
mountTrain($('train'), client);
mountLatent($('latent'), ctx);
mountDraw($('draw'), ctx);
mountDenoise($('denoise'), ctx);
mountAnomaly($('anomaly'), ctx);
