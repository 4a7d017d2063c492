/**
 * Row 4 of issue #15: a VAE's test negative log-likelihood on binarized MNIST, estimated by importance sampling
 * (VAE.logLikelihood, Burda et al. 2016) with k = 200 samples per image as pythae's reproduction does.
 */
import { Dataset, Rng, VAE } from '../../src/index.js';
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

export const vaeNll: Experiment = {
  name: 'vae-nll',
  title: 'VAE on binarized MNIST: test NLL by importance sampling (k = 200)',
  recipe: 'MNIST binarized once (each pixel 1 with probability its intensity, seeded), VAE 784-200-200-50 (tanh, Gaussian q, ' +
    'Bernoulli decoder: the architecture of Burda et al. 2016), loss = per-image BCE sum + KL, Adam 1e-3, batch 100, 100 epochs; ' +
    'test NLL = -mean log p(x) over the 10000 test images, VAE.logLikelihood with 200 importance samples.',
  estimateMinutes: 7,
  async run(ctx) {
    const epochs = ctx.quick ? 2 : 100;
    const k = ctx.quick ? 20 : 200;
    const train = binarize(ctx.data.mnistTrain, 1), test = binarize(ctx.data.mnistTest, 2);
    const t0 = performance.now();
    const vae = new VAE({ inputDim: 784, hidden: [200, 200], latentDim: 50, activation: 'tanh', seed: 0 });
    await vae.fit(train, { epochs, batchSize: 100, optimizer: 'adam', lr: 1e-3, seed: 0 });
    const ll = vae.logLikelihood(test, { samples: k, seed: 0 });
    const nll = -ll.reduce((a, b) => a + b, 0) / ll.length;
    const elbo = vae.evaluate(test, { seed: 0 }).loss;
    ctx.log(`  vae-nll: NLL ${nll.toFixed(2)} (k = ${k}), -ELBO ${elbo.toFixed(2)}, ${since(t0).toFixed(1)} s`);
    return [{
      experiment: 'vae-nll', metric: `test NLL, nats (importance sampling, k = ${k})`, reference: VAE_REFERENCE, aekit: nll, better: 'lower', epochs,
      seconds: since(t0), sane: [60, 400], pytorch: { skipped: 'no PyTorch VAE recipe in bench/pytorch/reproduce.py yet' },
      note: `Static stochastic binarization (seeded), not the dynamic one of Burda et al.; the reference's architecture is comparable, not identical. The same model's -ELBO (one sample): ${elbo.toFixed(2)}.`,
    }];
  },
};
