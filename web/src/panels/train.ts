/**
 * The training panel: the loss chart (each batch's loss, and the validation loss measured every 2 s on
 * 512 test samples, both updating during the epoch), the grid of test samples over their current
 * reconstructions, and the run's numbers (epoch, step, samples/s, backend and threads).
 */
import uPlot from 'uplot';
import type { WorkerClient } from '../client.js';
import { drawGrid, pictureSize } from '../ui/images.js';

export function mountTrain(root: HTMLElement, client: WorkerClient): void {
  root.innerHTML = `
    <h2>Training</h2>
    <p class="stats" id="train-stats" aria-live="off">Load data and press Play.</p>
    <div class="chart" id="loss-chart" role="img" aria-label="loss chart"></div>
    <h3>Test samples (top) and their reconstructions (bottom)</h3>
    <div class="grid-wrap"><canvas id="recon-grid" aria-label="test samples and reconstructions"></canvas></div>`;
  const stats = root.querySelector<HTMLElement>('#train-stats')!;
  const chartEl = root.querySelector<HTMLElement>('#loss-chart')!;
  const grid = root.querySelector<HTMLCanvasElement>('#recon-grid')!;
  const steps: number[] = [], losses: number[] = [], val: (number | null)[] = [];
  let backend = '';
  let epochs = 0;
  const plot = new uPlot({
    width: Math.max(280, chartEl.clientWidth), height: 220,
    scales: { x: { time: false }, y: { distr: 3 } },
    axes: [{ label: 'step' }, { label: 'loss (log)', size: 60 }],
    series: [{ label: 'step' }, { label: 'train (batch)', stroke: '#3b6fd4', width: 1, spanGaps: true }, { label: 'validation', stroke: '#d4553b', width: 2, spanGaps: true, points: { show: true, size: 5 } }],
    legend: { show: true },
  }, [[], [], []], chartEl);
  new ResizeObserver(() => plot.setSize({ width: Math.max(280, chartEl.clientWidth), height: 220 })).observe(chartEl);

  let frame = 0;
  const redraw = (): void => {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      plot.setData([steps, losses, val] as unknown as uPlot.AlignedData);
    });
  };
  let shape: number[] = [28, 28, 1];
  client.on((m) => {
    switch (m.type) {
      case 'ready':
        backend = `${m.backend}${m.threads > 1 ? '' : ' (1 thread)'}`;
        break;
      case 'data':
        shape = m.summary.sampleShape;
        break;
      case 'built':
        steps.length = losses.length = val.length = 0;
        epochs = m.config?.epochs ?? 0;
        redraw();
        stats.textContent = `${m.model.architecture}, ${m.model.parameters.toLocaleString('en-US')} parameters: press Play.`;
        break;
      case 'progress':
        for (let i = 0; i < m.steps.length; i++) {
          steps.push(m.steps[i]);
          losses.push(m.losses[i]);
          val.push(null);
        }
        redraw();
        stats.textContent = `epoch ${m.epoch + (m.batch ? 1 : 0)}${epochs ? `/${epochs}` : ''} · batch ${m.batch}/${m.batchesPerEpoch} · step ${m.step} · ` +
          `${Math.round(m.samplesPerSec).toLocaleString('en-US')} samples/s · ${backend}${m.running ? '' : ' · paused'}`;
        stats.dataset.step = String(m.step);
        stats.dataset.samplesPerSec = String(m.samplesPerSec);
        break;
      case 'validation': {
        // Attach to the latest step (a validation before any step sits at step 0).
        if (steps.length === 0 || steps[steps.length - 1] !== m.step) { steps.push(m.step); losses.push(null as unknown as number); val.push(m.loss); }
        else val[val.length - 1] = m.loss;
        root.dataset.validation = String(m.loss);
        redraw();
        break;
      }
      case 'preview': {
        // As many samples as fit at 2x (at least 8: on a phone they are drawn at 1x), inputs over outputs.
        const size = shape.reduce((a, b) => a * b, 1);
        const side = pictureSize(shape).width;
        const width = grid.parentElement!.clientWidth;
        const scale = Math.floor(width / (8 * (side + 1))) >= 2 ? 2 : 1;
        const cols = Math.max(1, Math.min(m.count, Math.floor((width + 2) / (side * scale + 2))));
        const both = new Float32Array(2 * cols * size);
        both.set(m.inputs.subarray(0, cols * size), 0);
        both.set(m.outputs.subarray(0, cols * size), cols * size);
        drawGrid(grid, both, shape, 2 * cols, cols, scale);
        break;
      }
      default:
    }
  });
}
