"""L-BFGS-B on problems whose box cuts off the unconstrained minimum: gdopt's lbfgs with
bounds against scipy's L-BFGS-B in the same run (memory 10, gtol 1e-5, scipy's ftol 0 so
that both stop on the projected gradient or on f no longer decreasing): evaluations,
iterations, final f and the time per run (median of repeats). Test functions from Moré,
Garbow & Hillstrom (1981) and two large ones (n = 1e5); each checks its own gradient.

    python3 bench/bounded_bench.py
"""
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from scipy.optimize import Bounds, rosen, rosen_der
from scipy.optimize import minimize as scipy_minimize

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gdopt  # noqa: E402
from machine import describe  # noqa: E402
from solvers_scale_bench import extended_rosenbrock  # noqa: E402


def rosenbrock(x):
    return rosen(x), rosen_der(x)


def beale(v):
    x, y = v
    t = np.array([1.5 - x + x * y, 2.25 - x + x * y ** 2, 2.625 - x + x * y ** 3])
    return float(t @ t), np.array([2 * t @ [y - 1, y ** 2 - 1, y ** 3 - 1], 2 * t @ [x, 2 * x * y, 3 * x * y ** 2]])


def powell_singular(x):
    a, b, c, d = x[0] + 10 * x[1], x[2] - x[3], x[1] - 2 * x[2], x[0] - x[3]
    f = a * a + 5 * b * b + c ** 4 + 10 * d ** 4
    return f, np.array([2 * a + 40 * d ** 3, 20 * a + 4 * c ** 3, 10 * b - 8 * c ** 3, -10 * b - 40 * d ** 3])


def wood(x):
    x1, x2, x3, x4 = x
    f = (100 * (x2 - x1 ** 2) ** 2 + (1 - x1) ** 2 + 90 * (x4 - x3 ** 2) ** 2 + (1 - x3) ** 2
         + 10.1 * ((x2 - 1) ** 2 + (x4 - 1) ** 2) + 19.8 * (x2 - 1) * (x4 - 1))
    g = np.array([-400 * x1 * (x2 - x1 ** 2) - 2 * (1 - x1),
                  200 * (x2 - x1 ** 2) + 20.2 * (x2 - 1) + 19.8 * (x4 - 1),
                  -360 * x3 * (x4 - x3 ** 2) - 2 * (1 - x3),
                  180 * (x4 - x3 ** 2) + 20.2 * (x4 - 1) + 19.8 * (x2 - 1)])
    return f, g


def freudenstein_roth(x):
    x1, x2 = x
    r1 = -13 + x1 + ((5 - x2) * x2 - 2) * x2
    r2 = -29 + x1 + ((x2 + 1) * x2 - 14) * x2
    gradient = [2 * r1 + 2 * r2, 2 * r1 * (10 * x2 - 3 * x2 ** 2 - 2) + 2 * r2 * (3 * x2 ** 2 + 2 * x2 - 14)]
    return r1 * r1 + r2 * r2, np.array(gradient)


def brown_badly_scaled(x):
    x1, x2 = x
    r1, r2, r3 = x1 - 1e6, x2 - 2e-6, x1 * x2 - 2
    return r1 * r1 + r2 * r2 + r3 * r3, np.array([2 * r1 + 2 * r3 * x2, 2 * r2 + 2 * r3 * x1])


N_LARGE = 100_000
LAMBDA = np.logspace(0, 3, N_LARGE)
CENTRE = 3 * np.sin(np.arange(N_LARGE))


def separable_quadratic(x):
    d = x - CENTRE
    return 0.5 * float(LAMBDA @ (d * d)), LAMBDA * d


def large_box():
    return np.full(N_LARGE, -2.0), np.where(np.arange(N_LARGE) % 3 == 0, 0.5, np.inf)


# (name, f, x0, lower, upper): every box excludes the unconstrained minimiser.
PROBLEMS = [
    ("Rosenbrock n=2", rosenbrock, [-1.2, 1.0], [-1.5, -1], [0.8, 0.5]),
    ("Rosenbrock n=10, x <= 0.5", rosenbrock, np.tile([-1.2, 1.0], 5), [-2] * 10, [0.5] * 10),
    ("Rosenbrock n=10, x >= 1.5", rosenbrock, np.full(10, 2.0), [1.5] * 10, [np.inf] * 10),
    ("Beale, y <= 0.4", beale, [1.0, 1.0], [-4.5, -4.5], [4.5, 0.4]),
    ("Powell singular, x1 >= 0.1", powell_singular, [3.0, -1, 0, 1], [0.1, -np.inf, -np.inf, -np.inf], [np.inf] * 4),
    ("Wood, x <= 0.8", wood, [-3.0, -1, -3, -1], [-np.inf] * 4, [0.8] * 4),
    ("Freudenstein-Roth, x2 <= 3.5", freudenstein_roth, [0.5, -2.0], [-np.inf, -np.inf], [np.inf, 3.5]),
    ("Brown badly scaled, x1 <= 1e5", brown_badly_scaled, [1.0, 1.0], [-np.inf, -np.inf], [1e5, np.inf]),
    ("separable quadratic n=1e5, [-1, 1.5]", separable_quadratic, np.zeros(N_LARGE), [-1.0] * N_LARGE, [1.5] * N_LARGE),
    ("extended Rosenbrock n=1e5, box", extended_rosenbrock, np.tile([-1.2, 1.0], N_LARGE // 2), *large_box()),
]


def main(repeats=5):
    print(describe())
    print(f"memory 10, gtol 1e-5 (projected), scipy ftol 0; medians of {repeats} runs\n")
    print("| problem | n | gradient check (max rel. error) | gdopt nfev / nit / f | scipy nfev / nit / f "
          "| nfev ratio | time: gdopt / scipy |")
    print("|---|---|---|---|---|---|---|")
    for name, f, x0, lower, upper in PROBLEMS:
        x0 = np.asarray(x0, dtype=float)
        lower, upper = np.asarray(lower, dtype=float), np.asarray(upper, dtype=float)
        # (Brown's function is checked near its minimum: at x0 its f is 1e12 and differences are noise.)
        point = np.array([1e6 - 1, 2.1e-6]) if f is brown_badly_scaled else np.clip(x0 + 0.1, lower, upper)
        check = f"{gdopt.grad_check(f, point, h=1e-6).max_rel_error:.1e}" if x0.size <= 10 else "–"
        times_ours, times_theirs = [], []
        for _ in range(repeats):
            start = time.perf_counter()
            ours = gdopt.minimize(f, x0, method="lbfgs", bounds=Bounds(lower, upper), memory=10, gtol=1e-5,
                                  max_iter=15000)
            times_ours.append(time.perf_counter() - start)
            start = time.perf_counter()
            theirs = scipy_minimize(f, x0, jac=True, method="L-BFGS-B", bounds=Bounds(lower, upper),
                                    options={"maxcor": 10, "gtol": 1e-5, "ftol": 0, "maxiter": 15000, "maxfun": 15000})
            times_theirs.append(time.perf_counter() - start)
        ratio = ours.nfev / theirs.nfev
        print(f"| {name} | {x0.size} | {check} | {ours.nfev} / {ours.nit} / {ours.fun:.10g} ({ours.reason}) "
              f"| {theirs.nfev} / {theirs.nit} / {theirs.fun:.10g} | {ratio:.2f} "
              f"| {statistics.median(times_ours) * 1e3:.2f} / {statistics.median(times_theirs) * 1e3:.2f} ms |")


if __name__ == "__main__":
    main()
