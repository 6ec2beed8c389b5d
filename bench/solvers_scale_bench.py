"""gdopt's lbfgs against scipy's L-BFGS-B (memory 10 for both) at n = 1e3 ... 1e6, in the
same run: iterations, evaluations, final f, and the time per iteration spent outside f
(total minus the time inside the objective, which is the same numpy code for both).
Problems: the extended Rosenbrock function (unbounded), and the same function in a box
that cuts off its minimum (every third coordinate in [-2, 0.5], the others x >= -2).
Medians of the repeats; the ratio is gdopt / scipy, measured in the same run.

    python3 bench/solvers_scale_bench.py [--sizes 1000,10000,100000,1000000] [--repeats 3]
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from scipy.optimize import minimize as scipy_minimize

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gdopt  # noqa: E402
from machine import describe  # noqa: E402


def extended_rosenbrock(x):
    """Σ 100(x₂ᵢ − x₂ᵢ₋₁²)² + (1 − x₂ᵢ₋₁)² over pairs (Moré, Garbow & Hillstrom's form)."""
    odd, even = x[0::2], x[1::2]
    t = even - odd * odd
    u = 1 - odd
    g = np.empty_like(x)
    g[0::2] = -400 * odd * t - 2 * u
    g[1::2] = 200 * t
    return float(100 * (t @ t) + u @ u), g


class Timed:
    """The objective with the time spent inside it."""

    def __init__(self):
        self.seconds = 0.0

    def __call__(self, x):
        start = time.perf_counter()
        result = extended_rosenbrock(x)
        self.seconds += time.perf_counter() - start
        return result


def box(n):
    upper = np.where(np.arange(n) % 3 == 0, 0.5, np.inf)
    return np.full(n, -2.0), upper


def run_gdopt(n, bounded, max_iter):
    f = Timed()
    x0 = np.tile([-1.2, 1.0], n // 2)
    bounds = None
    if bounded:
        lower, upper = box(n)
        bounds = list(zip(lower, [None if np.isinf(u) else u for u in upper])) if n <= 10_000 else _Bounds(lower, upper)
    start = time.perf_counter()
    r = gdopt.minimize(f, x0, method="lbfgs", bounds=bounds, memory=10, gtol=1e-5, max_iter=max_iter)
    total = time.perf_counter() - start
    return r.nit, r.nfev, r.fun, (total - f.seconds) / max(r.nit, 1)


class _Bounds:  # scipy.optimize.Bounds' shape, without building n tuples
    def __init__(self, lb, ub):
        self.lb, self.ub = lb, ub


def run_scipy(n, bounded, max_iter):
    f = Timed()
    x0 = np.tile([-1.2, 1.0], n // 2)
    bounds = None
    if bounded:
        from scipy.optimize import Bounds

        bounds = Bounds(*box(n))
    start = time.perf_counter()
    r = scipy_minimize(f, x0, jac=True, method="L-BFGS-B", bounds=bounds,
                       options={"maxcor": 10, "gtol": 1e-5, "ftol": 0, "maxiter": max_iter, "maxfun": 10 * max_iter})
    total = time.perf_counter() - start
    return r.nit, r.nfev, r.fun, (total - f.seconds) / max(r.nit, 1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--max-iter", type=int, default=200)
    args = parser.parse_args()
    print(describe(threads=gdopt._gdopt.get_num_threads() if hasattr(gdopt._gdopt, "get_num_threads") else None))
    print(f"max_iter {args.max_iter}, gtol 1e-5, memory 10, {args.repeats} repeats (medians)\n")
    print("| problem | n | gdopt nit / nfev / f | scipy nit / nfev / f "
          "| outside f per iteration: gdopt | scipy | ratio |")
    print("|---|---|---|---|---|---|---|")
    per_iteration = {}
    for bounded in (False, True):
        for n in (int(s) for s in args.sizes.split(",")):
            ours, theirs = [], []
            for _ in range(args.repeats):  # alternate, so that drift hits both
                ours.append(run_gdopt(n, bounded, args.max_iter))
                theirs.append(run_scipy(n, bounded, args.max_iter))
            a, b = ours[0], theirs[0]
            ta, tb = statistics.median(o[3] for o in ours), statistics.median(t[3] for t in theirs)
            per_iteration[(bounded, n)] = ta
            name = "rosenbrock, box" if bounded else "rosenbrock"
            print(f"| {name} | {n:.0e} | {a[0]} / {a[1]} / {a[2]:.6g} | {b[0]} / {b[1]} / {b[2]:.6g} "
                  f"| {ta * 1e3:.3f} ms | {tb * 1e3:.3f} ms | {ta / tb:.2f} |")
    sizes = sorted({n for _, n in per_iteration})
    print("\ngdopt's growth of the time outside f per iteration, per 10x n:")
    for bounded in (False, True):
        steps = [f"{per_iteration[(bounded, b)] / per_iteration[(bounded, a)]:.1f}x" for a, b in zip(sizes, sizes[1:])]
        print(f"  {'box' if bounded else 'unbounded'}: {' '.join(steps)}")


if __name__ == "__main__":
    main()
