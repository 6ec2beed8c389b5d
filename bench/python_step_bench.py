"""Times gdopt.Adam.step from Python against the same update written with in-place numpy
operations (the baseline a user would write), in the same run. Median of repeats; the
ratio is numpy time / gdopt time (higher is better for gdopt). The n=1 row is the whole
cost of one call from Python, an upper bound on the binding's per-call overhead.

    python3 bench/python_step_bench.py
"""
import statistics
import time

import numpy as np

import gdopt


def numpy_adam(p, g, m, v, t, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8, scratch=None):
    """Adam (§6) in place with numpy, reusing one scratch buffer: no allocation per step."""
    m *= b1
    m += (1 - b1) * g
    v *= b2
    np.multiply(g, g, out=scratch)
    scratch *= 1 - b2
    v += scratch
    np.sqrt(v, out=scratch)
    scratch /= np.sqrt(1 - b2 ** t)
    scratch += eps
    np.divide(m, scratch, out=scratch)
    scratch *= lr / (1 - b1 ** t)
    p -= scratch


def median_seconds(step, n, repeats):
    inner = min(100_000, max(3, int(2e6 // n)))
    times = []
    step()  # warm-up: state creation, worker threads
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(inner):
            step()
        times.append((time.perf_counter() - start) / inner)
    return statistics.median(times)


def main():
    print(f"gdopt {gdopt.__version__}: Adam step on float32, median time per call")
    print(f"{'n':>10} {'gdopt us':>12} {'numpy us':>12} {'numpy/gdopt':>12}")
    for n in (1, 1_000, 100_000, 10_000_000):
        rng = np.random.default_rng(0)
        p, g = rng.standard_normal(n).astype(np.float32), rng.standard_normal(n).astype(np.float32)
        opt = gdopt.Adam()
        ours = median_seconds(lambda: opt.step(p, g), n, 15 if n < 10_000_000 else 5)
        q, m, v, scratch = p.copy(), np.zeros_like(p), np.zeros_like(p), np.empty_like(p)
        counter = [0]

        def baseline():
            counter[0] += 1
            numpy_adam(q, g, m, v, counter[0], scratch=scratch)

        theirs = median_seconds(baseline, n, 15 if n < 10_000_000 else 5)
        print(f"{n:>10} {ours * 1e6:>12.2f} {theirs * 1e6:>12.2f} {theirs / ours:>12.1f}")


if __name__ == "__main__":
    main()
