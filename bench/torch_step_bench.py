"""The optimizer step alone: gdopt.torch.Adam against torch.optim.Adam(fused=True) (torch's
fused CPU kernel, its fastest), in the same run, for two float32 models:

- many small tensors: 50 tensors of 10^3 to 10^5 elements (log-spaced, 1.1e6 in all);
- few large tensors: 4 tensors of 2.5e6 elements (1e7 in all).

Each measurement runs in a process of its own, torch's and gdopt's alternating over 5 rounds:
in one process, the pool that stepped last keeps spinning on the second core (OpenMP's and
gdopt's both do) and slows the other, which made either side look up to 2x slower. A worker
reports the median of 11 repeats of the time per step; the table shows the median over the
rounds, and the ratio torch / gdopt (above 1: gdopt is faster). Needs torch (CPU wheel):

    pip install torch --index-url https://download.pytorch.org/whl/cpu
    python3 bench/torch_step_bench.py
"""
import statistics
import subprocess
import sys
import time

import numpy as np
import torch

import gdopt
import gdopt.torch as gt
from machine import describe


def model(sizes):
    generator = torch.Generator().manual_seed(0)
    params = [torch.nn.Parameter(torch.randn(n, generator=generator)) for n in sizes]
    for p in params:
        p.grad = torch.randn(p.shape, generator=generator) * 1e-3
    return params


def seconds_per_step(opt, steps):
    start = time.perf_counter()
    for _ in range(steps):
        opt.step()
    return (time.perf_counter() - start) / steps


MODELS = {"many small (50 x 1e3..1e5)": [int(n) for n in np.logspace(3, 5, 50)],
          "few large (4 x 2.5e6)": [2_500_000] * 4}


def worker(which, model_name, threads):
    """Prints the median seconds per step of one optimizer on one model."""
    torch.set_num_threads(threads)
    gdopt.set_num_threads(threads)
    sizes = MODELS[model_name]
    params = model(sizes)
    opt = torch.optim.Adam(params, lr=1e-3, fused=True) if which == "torch" else gt.Adam(params, lr=1e-3)
    steps = max(3, int(3e7 // sum(sizes)))
    seconds_per_step(opt, 2)  # warm-up: state creation, worker threads
    print(statistics.median(seconds_per_step(opt, steps) for _ in range(11)))


def measure(which, model_name, threads):
    command = [sys.executable, __file__, "--worker", which, model_name, str(threads)]
    return float(subprocess.run(command, check=True, capture_output=True, text=True).stdout)


def main():
    print(describe())
    print(f"torch {torch.__version__}; torch CPU capability: {torch.backends.cpu.get_cpu_capability()}")
    print("Adam step, float32, median ms per step (torch.optim.Adam(fused=True) vs gdopt.torch.Adam)")
    print(f"{'model':>28} {'elements':>10} {'thr':>3} {'torch ms':>10} {'gdopt ms':>10} {'ratio':>7} "
          f"{'gdopt ns/el':>11}")
    for threads in (1, 2):
        for name, sizes in MODELS.items():
            times = {"torch": [], "gdopt": []}
            for round_ in range(5):
                for which in (("torch", "gdopt") if round_ % 2 == 0 else ("gdopt", "torch")):
                    times[which].append(measure(which, name, threads))
            t, g = statistics.median(times["torch"]), statistics.median(times["gdopt"])
            print(f"{name:>28} {sum(sizes):>10.3g} {threads:>3} {t * 1e3:>10.3f} {g * 1e3:>10.3f} {t / g:>7.2f} "
                  f"{g / sum(sizes) * 1e9:>11.2f}", flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        main()
