"""Every optimizer kind's step at 10^4 to 10^7 float32 elements (the tests use 10^1 to 4*10^4):
gdopt's optimizer objects against torch.optim's default implementation of the same algorithm
(its multi-tensor "foreach" code on CPU), in the same run, on one thread each (one thread, so
that neither thread pool spins on the core the other needs). Median of repeats; ns per element
should stay flat as n grows, and the ratio is torch / gdopt (above 1: gdopt is faster).
Adafactor runs on a square matrix (factored state) and on a vector. Needs torch for the peer
column; without it only gdopt's times are printed.

    python3 bench/kinds_scale_bench.py
"""
import statistics
import time

import numpy as np

import gdopt
from machine import describe

try:
    import torch
except ImportError:
    torch = None

SIZES = (10_000, 100_000, 1_000_000, 10_000_000)
# gdopt's kind, its Python class, and the options both sides get.
KINDS = [("sgd", "SGD", {"lr": 1e-3, "momentum": 0.9}), ("adagrad", "Adagrad", {}), ("rmsprop", "RMSprop", {}),
         ("adam", "Adam", {}), ("adamw", "AdamW", {}), ("lion", "Lion", {}), ("adamax", "Adamax", {}),
         ("adadelta", "Adadelta", {}), ("rprop", "Rprop", {}), ("nadam", "NAdam", {}), ("radam", "RAdam", {}),
         ("asgd", "ASGD", {}), ("adafactor", "Adafactor", {})]


def seconds(step, n):
    repeats = max(5, min(200, int(3e7 // n)))
    step()
    times = []
    for _ in range(7):
        start = time.perf_counter()
        for _ in range(repeats):
            step()
        times.append((time.perf_counter() - start) / repeats)
    return statistics.median(times)


def shapes(kind, n):
    side = int(round(n ** 0.5))
    return [(n,), (side, n // side)] if kind == "adafactor" else [(n,)]


def main():
    gdopt.set_num_threads(1)
    if torch is not None:
        torch.set_num_threads(1)
    print(describe(threads=1))
    print(f"torch {torch.__version__ if torch else 'not installed'}; float32; ns per element per step (median)")
    print(f"{'kind':>10} {'shape':>14} {'gdopt ns/el':>12} {'torch ns/el':>12} {'torch/gdopt':>12}")
    rng = np.random.default_rng(0)
    for kind, name, options in KINDS:
        for n in SIZES:
            for shape in shapes(kind, n):
                size = int(np.prod(shape))
                p = rng.standard_normal(shape).astype(np.float32)
                g = (rng.standard_normal(shape) * 1e-2).astype(np.float32)
                opt = getattr(gdopt, name)([p], **options)
                ours = seconds(lambda: opt.step(g), size) / size * 1e9
                theirs = float("nan")
                if torch is not None and hasattr(torch.optim, name):
                    tp = torch.nn.Parameter(torch.from_numpy(p.copy()))
                    tp.grad = torch.from_numpy(g.copy())
                    topt = getattr(torch.optim, name)([tp], **options)
                    theirs = seconds(topt.step, size) / size * 1e9
                print(f"{kind:>10} {'x'.join(map(str, shape)):>14} {ours:>12.2f} {theirs:>12.2f} "
                      f"{theirs / ours:>12.2f}", flush=True)


if __name__ == "__main__":
    main()
