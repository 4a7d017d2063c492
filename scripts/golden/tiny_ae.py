#!/usr/bin/env python3
"""
Independent golden numbers for aekit's tiny autoencoder (test/models/golden.test.ts).

Implementation: hand-written NumPy (float64) forward pass and HAND-DERIVED backpropagation -- no autodiff, no
aekit code. The analytic gradients are cross-checked here against central finite differences before the fixture
is written.

Network (aekit: Autoencoder({ inputDim: 4, hidden: [3], latentDim: 2, activation: 'sigmoid',
outputActivation: 'sigmoid' }); latentActivation defaults to activation, so all four layers are sigmoid):

    h1 = s(x  @ W0^T + b0)   encoder.layers.0   W0 [3, 4]
    z  = s(h1 @ W1^T + b1)   encoder.layers.1   W1 [2, 3]
    h2 = s(z  @ W2^T + b2)   decoder.layers.0   W2 [3, 2]
    r  = s(h2 @ W3^T + b3)   decoder.layers.1   W3 [4, 3]

Weights use the PyTorch nn.Linear layout [units, inputDim]. Tensor k (in the order listed in PARAMS) holds
value_i = 0.5 * sin(1.7 * i + k) for its row-major element i. Inputs: x[b, j] = 0.5 + 0.45 * sin(2.3 * (4 b + j) + 0.7).

Losses (target = x): MSE mean over all 8 elements; BCE from probabilities with p clamped to [1e-7, 1 - 1e-7]
(every r is well inside the clamp), mean over all elements.

Usage: python3 scripts/golden/tiny_ae.py  (writes test/fixtures/golden-tiny-ae.json)
"""
import json
import os
import sys

import numpy as np

PARAMS = [
    ("encoder.layers.0.weight", (3, 4)),
    ("encoder.layers.0.bias", (3,)),
    ("encoder.layers.1.weight", (2, 3)),
    ("encoder.layers.1.bias", (2,)),
    ("decoder.layers.0.weight", (3, 2)),
    ("decoder.layers.0.bias", (3,)),
    ("decoder.layers.1.weight", (4, 3)),
    ("decoder.layers.1.bias", (4,)),
]
BATCH, INPUT_DIM = 2, 4
EPS = 1e-7


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def make_params():
    out = {}
    for k, (name, shape) in enumerate(PARAMS):
        n = int(np.prod(shape))
        i = np.arange(n, dtype=np.float64)
        out[name] = (0.5 * np.sin(1.7 * i + k)).reshape(shape)
    return out


def make_input():
    i = np.arange(BATCH * INPUT_DIM, dtype=np.float64)
    return (0.5 + 0.45 * np.sin(2.3 * i + 0.7)).reshape(BATCH, INPUT_DIM)


LAYERS = ["encoder.layers.0", "encoder.layers.1", "decoder.layers.0", "decoder.layers.1"]


def forward(p, x):
    """Returns the activations [x, h1, z, h2, r]."""
    acts = [x]
    for layer in LAYERS:
        W, b = p[layer + ".weight"], p[layer + ".bias"]
        acts.append(sigmoid(acts[-1] @ W.T + b))
    return acts


def mse(r, x):
    return np.mean((r - x) ** 2)


def bce(r, x):
    q = np.clip(r, EPS, 1 - EPS)
    return np.mean(-(x * np.log(q) + (1 - x) * np.log(1 - q)))


def backward(p, acts, d_out_pre):
    """Backprop from dL/d(pre-activation of the last layer) through the sigmoid layers.

    For a layer y = s(a), a = h @ W^T + b with delta = dL/da:
        dL/dW = delta^T @ h,  dL/db = sum_batch delta,  dL/dh = delta @ W,  and for the layer below
        delta_below = dL/dh * h * (1 - h)   (sigmoid' written in terms of its output).
    """
    grads = {}
    delta = d_out_pre
    for li in range(len(LAYERS) - 1, -1, -1):
        layer = LAYERS[li]
        h_in = acts[li]
        grads[layer + ".weight"] = delta.T @ h_in
        grads[layer + ".bias"] = delta.sum(axis=0)
        if li > 0:
            dh = delta @ p[layer + ".weight"]
            delta = dh * h_in * (1 - h_in)
    return grads


def mse_grads(p, x):
    acts = forward(p, x)
    r = acts[-1]
    n = r.size
    d_r = 2.0 * (r - x) / n          # d mean((r - x)^2) / dr
    return backward(p, acts, d_r * r * (1 - r))


def bce_grads(p, x):
    acts = forward(p, x)
    r = acts[-1]
    assert np.all((r > EPS) & (r < 1 - EPS)), "r must be inside the BCE clamp"
    n = r.size
    # dL/dr = (r - x) / (r (1 - r)) / n, times sigmoid' = r (1 - r): the familiar (r - x) / n.
    return backward(p, acts, (r - x) / n)


def finite_diff_check(p, x, loss, grads, h=1e-6):
    worst = 0.0
    for name, _ in PARAMS:
        flat = p[name].reshape(-1)
        g = grads[name].reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + h
            up = loss(forward(p, x)[-1], x)
            flat[i] = old - h
            down = loss(forward(p, x)[-1], x)
            flat[i] = old
            num = (up - down) / (2 * h)
            # central differences carry ~h^2 truncation and ~1e-16/h rounding error: compare with atol + rtol
            worst = max(worst, abs(num - g[i]) / (1e-9 + 1e-6 * abs(num)))
    return worst


def main():
    p = make_params()
    x = make_input()
    acts = forward(p, x)
    r = acts[-1]
    gm = mse_grads(p, x)
    gb = bce_grads(p, x)
    for name, g in (("mse", gm), ("bce", gb)):
        worst = finite_diff_check(p, x, mse if name == "mse" else bce, g)
        if worst > 1:
            sys.exit(f"{name}: analytic gradients disagree with finite differences (worst error {worst} x tolerance)")
        print(f"{name}: finite-difference check passed (worst error {worst:.3g} x tolerance 1e-9 + 1e-6 |g|)")

    fixture = {
        "description": "Tiny autoencoder golden numbers (see scripts/golden/tiny_ae.py for the exact definition).",
        "generator": "scripts/golden/tiny_ae.py: hand-written NumPy float64 forward + hand-derived backprop "
                     "(no autodiff), gradients cross-checked against central finite differences",
        "numpy_version": np.__version__,
        "config": {
            "inputDim": 4, "hidden": [3], "latentDim": 2,
            "activation": "sigmoid", "outputActivation": "sigmoid",
        },
        "weight_rule": "tensor k (order of 'params') element i (row-major) = 0.5 * sin(1.7 * i + k)",
        "input_rule": "x[b, j] = 0.5 + 0.45 * sin(2.3 * (4 b + j) + 0.7)",
        "params": [
            {"name": name, "shape": list(shape), "values": p[name].reshape(-1).tolist()} for name, shape in PARAMS
        ],
        "input": {"shape": list(x.shape), "values": x.reshape(-1).tolist()},
        "code": {"shape": list(acts[2].shape), "values": acts[2].reshape(-1).tolist()},
        "reconstruction": {"shape": list(r.shape), "values": r.reshape(-1).tolist()},
        "mse_mean": float(mse(r, x)),
        "bce_mean": float(bce(r, x)),
        "bce_epsilon": EPS,
        "mse_grads": {name: gm[name].reshape(-1).tolist() for name, _ in PARAMS},
        "bce_grads": {name: gb[name].reshape(-1).tolist() for name, _ in PARAMS},
    }
    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.join(here, "..", "..", "test", "fixtures", "golden-tiny-ae.json")
    with open(out, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print(f"wrote {os.path.normpath(out)}")


if __name__ == "__main__":
    main()
