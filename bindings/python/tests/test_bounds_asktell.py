"""Solvers v1.1 (§9): bounds against scipy's L-BFGS-B, differences in the solver,
gdopt.Minimizer (ask/tell), and runs resumed from a checkpoint in a new process."""
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from scipy.optimize import Bounds, rosen, rosen_der
from scipy.optimize import minimize as scipy_minimize

import gdopt


def rosenbrock(x):
    return rosen(x), rosen_der(x)


LAMBDA = np.logspace(0, 3, 50)
CENTRE = np.linspace(-2, 2, 50)


def quadratic(x):
    return 0.5 * float(LAMBDA @ ((x - CENTRE) ** 2)), LAMBDA * (x - CENTRE)


def beale(v):
    x, y = v
    t = np.array([1.5 - x + x * y, 2.25 - x + x * y ** 2, 2.625 - x + x * y ** 3])
    return float(t @ t), np.array([2 * t @ [y - 1, y ** 2 - 1, y ** 3 - 1], 2 * t @ [x, 2 * x * y, 3 * x * y ** 2]])


BOUNDED = [  # (name, f, x0, bounds): every box cuts off the unconstrained minimum
    ("rosenbrock-2", rosenbrock, [-1.2, 1.0], [(-1.5, 0.8), (-1, 0.5)]),
    ("rosenbrock-10", rosenbrock, np.tile([-1.2, 1.0], 5), [(-2, 0.5)] * 10),
    ("rosenbrock-10-lower", rosenbrock, np.full(10, 2.0), [(1.5, None)] * 10),
    ("quadratic-50", quadratic, np.zeros(50), [(-1, 1)] * 50),
    ("beale", beale, [1.0, 1.0], [(-4.5, 2.5), (-4.5, 0.4)]),
]


@pytest.mark.parametrize("name,f,x0,bounds", BOUNDED, ids=[b[0] for b in BOUNDED])
def test_lbfgsb_finds_scipys_minimum_in_no_more_evaluations(name, f, x0, bounds):
    # (scipy's default gtol: much below it, at f ≈ 350, the precision of f decides where a
    # run stops, for both.)
    ours = gdopt.minimize(f, x0, method="lbfgs", bounds=bounds, gtol=1e-5)
    theirs = scipy_minimize(lambda x: f(x)[0], np.asarray(x0, float), jac=lambda x: f(x)[1], method="L-BFGS-B",
                            bounds=bounds, options={"gtol": 1e-5, "ftol": 0})
    assert ours.success and ours.reason == "gtol" and ours.grad_norm <= 1e-5
    assert ours.fun <= theirs.fun + 1e-9 * max(1, abs(theirs.fun)), (ours.fun, theirs.fun)
    np.testing.assert_allclose(ours.x, theirs.x, atol=1e-4)
    assert ours.nfev <= 1.2 * theirs.nfev, (ours.nfev, theirs.nfev)
    low = np.array([-np.inf if b[0] is None else b[0] for b in bounds])
    high = np.array([np.inf if b[1] is None else b[1] for b in bounds])
    assert np.all(ours.x >= low) and np.all(ours.x <= high)


def test_bounds_in_scipys_forms():
    x0 = np.tile([-1.2, 1.0], 5)
    pairs = gdopt.minimize(rosenbrock, x0, bounds=[(-2, 0.5)] * 10)
    scipy_bounds = gdopt.minimize(rosenbrock, x0, bounds=Bounds(-2, 0.5))  # scalars broadcast
    arrays = gdopt.minimize(rosenbrock, x0, bounds=Bounds(np.full(10, -2.0), np.full(10, 0.5)))
    assert np.array_equal(pairs.x, scipy_bounds.x) and np.array_equal(pairs.x, arrays.x)
    with pytest.raises(ValueError, match="pairs"):
        gdopt.minimize(rosenbrock, x0, bounds=[(-2, 0.5)] * 3)
    with pytest.raises(ValueError, match="lower"):
        gdopt.minimize(rosenbrock, x0, bounds=[(1, 0)] * 10)
    with pytest.raises(ValueError, match="NaN"):
        gdopt.minimize(rosenbrock, x0, bounds=[(np.nan, 0)] * 10)


@pytest.mark.parametrize("method", ["gd", "gd_linesearch", "momentum", "adam", "lbfgs", "newton",
                                    "random_search", "random_local_search"])
def test_no_method_evaluates_outside_the_box(method):
    low, high = np.array([-2.0, -0.5, 0.2]), np.array([0.5, 0.5, 3.0])
    seen = []

    def f(x):
        seen.append(x.copy())
        return rosen(x)

    result = gdopt.minimize(f, [-1.2, 1.0, 1.0], method=method, jac=False, bounds=list(zip(low, high)),
                            max_iter=30, lr=1e-4, lower=-3, upper=3)
    points = np.array(seen)
    assert np.all(points >= low) and np.all(points <= high) and len(seen) == result.nfev


def test_differences_live_in_the_solver():
    """jac=False: 1 + 2n calls per gradient, centred inside, one-sided at a bound, and the
    same minimum as the analytic gradient."""
    calls = []
    x0 = np.tile([-1.2, 1.0], 3)

    def f(x):
        calls.append(x.copy())
        return rosen(x)

    result = gdopt.minimize(f, x0, method="lbfgs", jac=False, bounds=[(-2, 0.9)] * 6, gtol=1e-6)
    exact = gdopt.minimize(rosenbrock, x0, method="lbfgs", bounds=[(-2, 0.9)] * 6, gtol=1e-6)
    np.testing.assert_allclose(result.x, exact.x, atol=1e-5)
    assert result.nfev == len(calls) and result.nfev % 13 == 0  # every gradient: 1 + 2·6 calls
    h = np.finfo(float).eps ** (1 / 3)
    probe = calls[1] - calls[0]
    assert np.count_nonzero(probe) == 1 and abs(probe[0]) == pytest.approx(h * max(1, abs(x0[0])), rel=1e-9)


def test_minimizer_visits_the_same_points_as_minimize():
    x0 = np.tile([-1.2, 1.0], 5)
    seen = []

    def f(x):
        seen.append(x.copy())
        return rosenbrock(x)

    reference = gdopt.minimize(f, x0, method="lbfgs", bounds=[(-2, 0.5)] * 10)
    m = gdopt.Minimizer("lbfgs", x0, bounds=[(-2, 0.5)] * 10)
    asked, iterations = [], 0
    while True:
        task, x = m.ask()
        if task == "evaluate":
            asked.append(x)
            m.tell(*rosenbrock(x))
        elif task == "iterate":
            iterations += 1
        else:
            break
    assert np.array_equal(np.array(asked), np.array(seen))
    result = m.result
    assert np.array_equal(result.x, reference.x) and x.tolist() == reference.x.tolist()
    assert (result.fun, result.nit, result.nfev, result.reason) == (reference.fun, reference.nit, reference.nfev,
                                                                    reference.reason)
    assert iterations == result.nit


def test_minimizer_out_of_turn_calls_nan_and_stop():
    m = gdopt.Minimizer("lbfgs", [1.0, 2.0])
    with pytest.raises(RuntimeError, match="ask first"):
        m.tell(1.0, [0.0, 0.0])
    with pytest.raises(RuntimeError, match="not done"):
        m.result
    assert m.ask()[0] == "evaluate"
    with pytest.raises(RuntimeError, match="tell is due"):
        m.ask()
    with pytest.raises(ValueError, match="grad is NULL"):
        m.tell(1.0)
    with pytest.raises(RuntimeError, match="NaN"):
        m.tell(float("nan"), [0.0, 0.0])
    task, x = m.ask()
    assert task == "done" and x.tolist() == [1.0, 2.0]
    with pytest.raises(RuntimeError, match="NaN"):
        m.result
    m = gdopt.Minimizer("random_search", [0.0], seed=3)
    m.ask()
    m.tell(5.0)  # value only
    m.stop()
    assert m.ask()[0] == "done" and m.result.reason == "callback" and not m.result.success


RESUME = textwrap.dedent("""
    import sys, numpy as np, gdopt
    from scipy.optimize import rosen, rosen_der
    m = gdopt.Minimizer.load(sys.argv[1])
    points = []
    while True:
        task, x = m.ask()
        if task == "evaluate":
            points.append(x)
            m.tell(rosen(x), None if m.method.startswith("random") else rosen_der(x))
        elif task == "done":
            break
    r = m.result
    np.save(sys.argv[2], np.array(points))
    print(r.fun.hex(), r.nit, r.nfev, r.reason, " ".join(v.hex() for v in r.x))
""")


@pytest.mark.parametrize("method,options,bounds", [
    ("lbfgs", {}, None), ("lbfgs", {}, [(-2, 0.5)] * 6), ("lbfgs", {"finite_differences": 1}, [(-2, 0.5)] * 6),
    ("newton", {"max_iter": 5}, None), ("adam", {"lr": 0.01, "max_iter": 40}, [(-1, 0.5)] * 6),
    ("random_local_search", {"seed": 7, "max_iter": 50}, [(-2, 2)] * 6),
])
def test_a_run_saved_mid_line_search_continues_bit_for_bit_in_a_new_process(tmp_path, method, options, bounds):
    x0 = np.tile([-1.2, 1.0], 3)
    random = method.startswith("random")
    differences = options.get("finite_differences") == 1

    def answer(m, x):
        m.tell(rosen(x), None if random or differences else rosen_der(x))

    plain, points = gdopt.Minimizer(method, x0, bounds=bounds, **options), []
    while (step := plain.ask())[0] != "done":
        if step[0] == "evaluate":
            points.append(step[1])
            answer(plain, step[1])
    expected = plain.result
    m = gdopt.Minimizer(method, x0, bounds=bounds, **options)
    for _ in range(11):  # part-way: the 12th EVALUATE is asked and its tell is due
        while (step := m.ask())[0] != "evaluate":
            pass
        if _ < 10:
            answer(m, step[1])
    path = tmp_path / "run.ckpt"
    m.save(path)
    out = subprocess.run([sys.executable, "-c", RESUME, str(path), str(tmp_path / "points.npy")], capture_output=True,
                         text=True, check=True).stdout.split()
    assert out[:4] == [expected.fun.hex(), str(expected.nit), str(expected.nfev), expected.reason]
    assert out[4:] == [v.hex() for v in expected.x]
    resumed = np.load(tmp_path / "points.npy")
    assert np.array_equal(resumed, np.array(points[10:]))  # the due point is asked again first


def test_load_rejects_what_is_not_a_solver_checkpoint(tmp_path):
    path = tmp_path / "not.ckpt"
    path.write_bytes(b"GDOPTSLV" + bytes(40))
    with pytest.raises(ValueError, match="not a solver checkpoint"):
        gdopt.Minimizer.load(path)
