"""Every minimize method on the test functions, with scipy's BFGS and L-BFGS-B in the same
run: iterations, objective evaluations, final f and time (median of 5).

    python3 bench/solvers_bench.py
"""
import statistics
import time

import numpy as np
from scipy.optimize import minimize as scipy_minimize
from scipy.optimize import rosen, rosen_der

import gdopt

LAMBDA = np.logspace(0, 4, 10)


def beale(v):
    x, y = v
    t = np.array([1.5 - x + x * y, 2.25 - x + x * y ** 2, 2.625 - x + x * y ** 3])
    return float(t @ t), np.array([2 * t @ [y - 1, y ** 2 - 1, y ** 3 - 1], 2 * t @ [x, 2 * x * y, 3 * x * y ** 2]])


PROBLEMS = {
    "rosenbrock-2": (lambda x: (rosen(x), rosen_der(x)), np.array([-1.2, 1.0])),
    "rosenbrock-10": (lambda x: (rosen(x), rosen_der(x)), np.tile([-1.2, 1.0], 5)),
    "rosenbrock-100": (lambda x: (rosen(x), rosen_der(x)), np.tile([-1.2, 1.0], 50)),
    "quadratic-1e4": (lambda x: (0.5 * float(LAMBDA @ (x * x)), LAMBDA * x), np.ones(10)),
    "beale": (beale, np.array([1.0, 1.0])),
}
METHODS = {
    "gd": {"lr": 1e-4, "max_iter": 20000},
    "gd_linesearch": {"max_iter": 20000},
    "momentum": {"lr": 1e-4, "momentum": 0.9, "max_iter": 20000},
    "adam": {"lr": 1e-2, "max_iter": 20000},
    "lbfgs": {},
    "newton": {},
    "random_search": {"lower": -2, "upper": 2, "max_iter": 20000},
    "random_local_search": {"lower": -2, "upper": 2, "step_scale": 0.05, "max_iter": 20000},
}


def timed(run):
    times, result = [], None
    for _ in range(5):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return result, statistics.median(times)


def main():
    print(f"gdopt {gdopt.__version__}: gtol 1e-5 (scipy's default) unless the method stops on max_iter")
    print(f"{'problem':<15} {'method':<20} {'iters':>6} {'evals':>6} {'final f':>11} {'ms':>8}  reason")
    for name, (f, x0) in PROBLEMS.items():
        for method, options in METHODS.items():
            r, seconds = timed(lambda: gdopt.minimize(f, x0, method=method, **options))
            print(f"{name:<15} {method:<20} {r.nit:>6} {r.nfev:>6} {r.fun:>11.3e} {seconds * 1e3:>8.2f}  {r.reason}")
        for method in ("BFGS", "L-BFGS-B"):
            r, seconds = timed(lambda: scipy_minimize(lambda x: f(x)[0], x0, jac=lambda x: f(x)[1], method=method))
            print(f"{name:<15} {'scipy ' + method:<20} {r.nit:>6} {r.nfev:>6} {r.fun:>11.3e} {seconds * 1e3:>8.2f}  "
                  f"{'converged' if r.success else r.message[:30]}")


if __name__ == "__main__":
    main()
