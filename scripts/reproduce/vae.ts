/**
 * Row 4 of issue #15: a VAE's test negative log-likelihood on binarized MNIST, estimated by importance sampling
 * (VAE.logLikelihood, Burda et al. 2016) with k = 200 samples per image as pythae's reproduction does.
 */
import { Adam, Dataset, Rng, VAE } from '../../src/index.js';
import { asBytes, withNpyDir } from './measure.js';
import { type CosineTail, cosineTail, scheduleArgs, scheduleText } from './schedule.js';
import { type Experiment, type Reference, since } from './types.js';

export const VAE_REFERENCE: Reference = {
  value: 89.9,
  source: 'pythae reproducibility table (huggingface.co/clementchadebec/reproduced_vae README): VAE, Binary MNIST, NLL (200 IS), reference value 89.9 ' +
    'from D. Rezende & S. Mohamed, "Variational Inference with Normalizing Flows", ICML 2015, Table 1 (pythae obtained 89.78)',
};

/**
 * A static stochastic binarization: each pixel is 1 with probability its intensity, drawn once from Rng(seed)
 * (the "stochastically binarized MNIST" of Salakhutdinov & Murray 2008, with aekit's own seed), so the
 * Bernoulli decoder's log-likelihood is a proper density of the data.
 */
export function binarize(ds: Dataset, seed: number): Dataset {
  const x = ds.toFloat32(), rng = new Rng(seed);
  const out = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = rng.next() < x[i] ? 1 : 0;
  return Dataset.fromTyped(out, ds.length, ds.sampleShape, { labels: ds.labels ?? undefined });
}

const FULL: CosineTail = { epochs: 300, decayFrom: 200, lr: 1e-3, lrMin: 1e-5 };
const QUICK: CosineTail = { epochs: 2, decayFrom: 1, lr: 1e-3, lrMin: 1e-5 };

export const vaeNll: Experiment = {
  name: 'vae-nll',
  title: 'VAE on binarized MNIST: test NLL by importance sampling (k = 200)',
  recipe: 'VAE 784-200-200-50 (tanh, Gaussian q, Bernoulli decoder: the architecture of Burda et al. 2016), loss = per-image BCE sum + KL, ' +
    `Adam, batch 100, ${FULL.epochs} epochs, ${scheduleText(FULL)}. Dynamic binarization as Burda et al.: the training images are binarized afresh ` +
    'each epoch (each pixel 1 with probability its intensity); the test images once, seeded, and both aekit and PyTorch score that same binarized set. ' +
    'Test NLL = -mean log p(x) over the 10000 test images, VAE.logLikelihood with 200 importance samples.',
  estimateMinutes: 25,
  async run(ctx) {
    const s = ctx.quick ? QUICK : FULL;
    const k = ctx.quick ? 20 : 200;
    const test = binarize(ctx.data.mnistTest, 2);
    const t0 = performance.now();
    const vae = new VAE({ inputDim: 784, hidden: [200, 200], latentDim: 50, activation: 'tanh', seed: 0 });
    const opt = new Adam(vae, { lr: s.lr });
    // Dynamic binarization: a fresh draw of the training set each epoch, so one fit call per epoch; the
    // optimizer instance carries Adam's state and the schedule across the calls.
    for (let e = 0; e < s.epochs; e++) {
      opt.lr = cosineTail(e, s);
      await vae.fit(binarize(ctx.data.mnistTrain, 1000 + e), { epochs: 1, batchSize: 100, optimizer: opt, seed: e });
    }
    const ll = vae.logLikelihood(test, { samples: k, seed: 0 });
    const nll = -ll.reduce((a, b) => a + b, 0) / ll.length;
    const elbo = vae.evaluate(test, { seed: 0 }).loss;
    const secs = since(t0);
    ctx.log(`  vae-nll: NLL ${nll.toFixed(2)} (k = ${k}), -ELBO ${elbo.toFixed(2)}, ${secs.toFixed(1)} s`);
    const got = await withNpyDir({ train: asBytes(ctx.data.mnistTrain), test: { data: Uint8Array.from(test.toFloat32()), shape: [test.length, 784] } },
      (dir) => ctx.pytorch('vae', { epochs: s.epochs, ...scheduleArgs(s), samples: k, 'npy-dir': dir }));
    return [{
      experiment: 'vae-nll', metric: `test NLL, nats (importance sampling, k = ${k})`, reference: VAE_REFERENCE, aekit: nll, better: 'lower', epochs: s.epochs,
      seconds: secs, sane: [60, 400], pytorch: 'skipped' in got ? got : { value: got.value, seconds: got.seconds, epochs: got.epochs },
      note: `Dynamic binarization of the training images, as Burda et al.; the reference's architecture is comparable, not identical. The same model's -ELBO (one sample): ${elbo.toFixed(2)}.`,
    }];
  },
};
