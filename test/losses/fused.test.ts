import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { valueAndGrad } from '../../src/autograd/backward.js';
import { outputLoss } from '../../src/losses/fused.js';
import { bce, mse } from '../../src/losses/losses.js';
import { Autoencoder } from '../../src/models/autoencoder.js';
import { assertClose, rand } from '../helpers.js';

describe('sigmoid output + bce fused into BCE from logits', () => {
  const model = new Autoencoder({ inputDim: 6, hidden: [4], latentDim: 2, activation: 'tanh', outputActivation: 'sigmoid', seed: 3, dtype: 'float64' });
  const x = rand([5, 6], 7, 0, 1);
  const params = model.parameters();

  test('the fused path is taken and equals the composed oracle in value and gradient (float64)', () => {
    assert.ok(model.sigmoidLogits(x), 'a sigmoid-output autoencoder exposes its logits');
    const fused = valueAndGrad(() => outputLoss(model, x, x, 'bce'), params);
    const composed = valueAndGrad(() => bce(model.forward(x), x), params);
    assertClose([fused.value.item()], [composed.value.item()], 1e-12, 1e-12, 'loss');
    fused.grads.forEach((g, i) => assertClose(g.toTypedArray(), composed.grads[i].toTypedArray(), 1e-12, 1e-9, `grad ${i}`));
  });

  test('other losses and other output activations use the composed form', () => {
    const v = outputLoss(model, x, x, 'mse').item();
    assert.equal(v, mse(model.forward(x), x).item());
    const lin = new Autoencoder({ inputDim: 6, latentDim: 2, outputActivation: 'linear', seed: 1, dtype: 'float64' });
    assert.equal(lin.sigmoidLogits(x), null);
    const y = rand([5, 6], 8, 0.2, 0.8);
    assert.equal(outputLoss(lin, y, y, 'bce').item(), bce(lin.forward(y), y).item());
  });
});
