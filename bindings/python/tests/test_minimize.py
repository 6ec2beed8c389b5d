"""gdopt.minimize: accuracy per method, L-BFGS against scipy, callbacks, errors."""
import numpy as np
import pytest
from scipy.optimize import minimize as scipy_minimize
from scipy.optimize import rosen, rosen_der

import gdopt


def rosenbrock(x):
    return rosen(x), rosen_der(x)


def beale(v):
    x, y = v
    t = np.array([1.5 - x + x * y, 2.25 - x + x * y ** 2, 2.625 - x + x * y ** 3])
    grad = np.array([2 * t @ [y - 1, y ** 2 - 1, y ** 3 - 1], 2 * t @ [x, 2 * x * y, 3 * x * y ** 2]])
    return float(t @ t), grad


LAMBDA = np.logspace(0, 4, 10)  # a quadratic with condition number 1e4


def quadratic(x):
    return 0.5 * float(LAMBDA @ (x * x)), LAMBDA * x


def test_problems_check_themselves():
    assert rosenbrock(np.ones(10))[0] == 0 and beale(np.array([3.0, 0.5]))[0] == 0 and quadratic(np.zeros(10))[0] == 0
    for f, x in ((rosenbrock, np.array([-1.2, 1.0])), (beale, np.array([1.0, 1.0])), (quadratic, np.ones(10))):
        assert gdopt.grad_check(f, x, h=1e-6).max_rel_error < 1e-6


def test_lbfgs_uses_no_more_evaluations_than_scipy_on_rosenbrock_100():
    x0 = np.tile([-1.2, 1.0], 50)
    ours = gdopt.minimize(rosenbrock, x0, method="lbfgs", gtol=1e-5)
    # scipy's default also stops on a relative decrease (ftol); with the same gtol rule alone:
    theirs = scipy_minimize(rosen, x0, jac=rosen_der, method="L-BFGS-B", options={"gtol": 1e-5, "ftol": 0})
    assert ours.reason == "gtol" and theirs.success
    assert ours.nfev <= theirs.nfev, (ours.nfev, theirs.nfev)
    np.testing.assert_allclose(ours.x, theirs.x, atol=1e-4)
    assert ours.fun <= theirs.fun + 1e-10


@pytest.mark.parametrize("method,problem,x0,options,tolerance", [
    ("lbfgs", rosenbrock, [-1.2, 1.0], {"gtol": 1e-8}, 1e-14),
    ("newton", rosenbrock, [-1.2, 1.0], {"gtol": 1e-8}, 1e-14),
    ("lbfgs", quadratic, np.ones(10), {"gtol": 1e-8}, 1e-14),
    ("newton", quadratic, np.ones(10), {"gtol": 1e-8}, 1e-14),
    ("lbfgs", beale, [1.0, 1.0], {"gtol": 1e-8}, 1e-14),
    ("gd_linesearch", beale, [1.0, 1.0], {"max_iter": 20000}, 1e-9),
    ("adam", beale, [1.0, 1.0], {"lr": 1e-2, "max_iter": 20000}, 1e-8),
    ("momentum", rosenbrock, [-1.2, 1.0], {"lr": 1e-4, "max_iter": 50000}, 1e-6),
    ("gd", rosenbrock, [-1.2, 1.0], {"lr": 1e-3, "max_iter": 50000}, 1e-6),
])
def test_each_method_reaches_its_documented_accuracy(method, problem, x0, options, tolerance):
    result = gdopt.minimize(problem, x0, method=method, **options)
    assert result.fun <= tolerance, result
    assert problem(result.x)[0] == result.fun
    if options.get("gtol") == 1e-8:
        assert result.reason == "gtol" and result.grad_norm <= 1e-8 and result.success


def test_the_svm_loss_of_the_seeds_on_synthetic_data():
    """The multiclass hinge loss plus L2 on 3 separable blobs, through the tape."""
    rng = np.random.default_rng(0)
    centres = np.array([[2.0, 0.0], [-2.0, 2.0], [0.0, -2.5]])
    y = np.repeat(np.arange(3), 30)
    X = centres[y] + 0.4 * rng.standard_normal((90, 2))
    X = np.hstack([X, np.ones((90, 1))])  # bias column

    def loss(w):
        tape = gdopt.Tape()
        W = tape.variable(w.reshape(3, 3))
        total = gdopt.multiclass_hinge(tape.constant(X) @ W, y) + 1e-3 * W.square().sum()
        total.backward()
        return float(total.value), W.grad.ravel()

    start = loss(np.zeros(9))[0]
    for method in ("lbfgs", "gd_linesearch"):
        result = gdopt.minimize(loss, np.zeros(9), method=method, max_iter=500)
        scores = X @ result.x.reshape(3, 3)
        assert result.fun < 0.1 * start and (scores.argmax(axis=1) == y).mean() == 1.0, (method, result)


def test_jac_false_uses_centred_differences_and_counts_real_calls():
    calls = [0]

    def f(x):
        calls[0] += 1
        return rosen(x)

    result = gdopt.minimize(f, [-1.2, 1.0], method="lbfgs", jac=False, gtol=1e-6)
    assert result.fun < 1e-10 and result.nfev == calls[0] and result.nfev > 5 * result.nit


def test_history_callback_and_progress_bar():
    seen = []
    result = gdopt.minimize(rosenbrock, [-1.2, 1.0], method="lbfgs",
                            callback=lambda p: seen.append(p) or p.iteration == 4)
    assert result.reason == "callback" and result.nit == 4 and [p.iteration for p in seen] == [1, 2, 3, 4]
    assert list(result.history) == ["iteration", "f", "grad_norm"]
    assert all(len(v) == 5 for v in result.history.values()) and result.history["iteration"].tolist() == [0, 1, 2, 3, 4]
    assert result.history["f"][0] == rosen(np.array([-1.2, 1.0]))
    assert gdopt.minimize(rosenbrock, [-1.2, 1.0], progress=True).reason == "gtol"


def test_errors_reach_the_caller():
    class Stop(Exception):
        pass

    def raising(x):
        raise Stop("inside f")

    with pytest.raises(Stop, match="inside f"):
        gdopt.minimize(raising, [1.0, 2.0])
    with pytest.raises(Stop, match="inside callback"):
        gdopt.minimize(rosenbrock, [1.0, 2.0], callback=lambda p: (_ for _ in ()).throw(Stop("inside callback")))
    with pytest.raises(RuntimeError, match="NaN"):
        gdopt.minimize(lambda x: (float("nan"), x), [1.0])
    with pytest.raises(ValueError, match="n=0"):
        gdopt.minimize(rosenbrock, [])
    with pytest.raises(ValueError, match="tolerance"):
        gdopt.minimize(rosenbrock, [1.0, 2.0], tolerance=1e-3)
    with pytest.raises(ValueError, match="bfgs"):
        gdopt.minimize(rosenbrock, [1.0, 2.0], method="bfgs")
    x0 = np.array([-1.2, 1.0])
    gdopt.minimize(rosenbrock, x0, max_iter=3)
    assert x0.tolist() == [-1.2, 1.0]  # x0 is not modified


def test_random_methods_are_seeded():
    a = gdopt.minimize(beale, [1.0, 1.0], method="random_search", seed=3, lower=-4.5, upper=4.5, max_iter=500)
    b = gdopt.minimize(beale, [1.0, 1.0], method="random_search", seed=3, lower=-4.5, upper=4.5, max_iter=500)
    assert a.fun == b.fun and np.array_equal(a.x, b.x) and a.nfev == 501
    local = gdopt.minimize(beale, [1.0, 1.0], method="random_local_search", seed=3, lower=-4.5, upper=4.5,
                           step_scale=0.2, max_iter=3000)
    assert local.fun < 0.05
