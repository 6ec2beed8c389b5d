"""The tape's gradients against gdopt.numerical_gradient, the losses against numpy, the
gradient check itself, and bad input."""
import numpy as np
import pytest

import gdopt

RNG = np.random.default_rng(7)
SHAPES = [(), (5,), (3, 4), (2, 3, 4)]


def safe_input(name, shape):
    x = RNG.standard_normal(shape)
    if name in ("log", "sqrt"):
        return 0.5 + np.abs(x)
    if name in ("relu", "abs"):  # away from the kink
        return np.where(x < 0, x - 0.1, x + 0.1)
    return x


def tape_objective(build, shapes, dtype=np.float64):
    """f(x) = sum(w * build(*inputs)) with fixed random w; returns (value, grad) from the tape."""
    sizes = [int(np.prod(s)) for s in shapes]
    weights = {}

    def f(x):
        tape = gdopt.Tape(dtype)
        parts, offset = [], 0
        for shape, size in zip(shapes, sizes):
            parts.append(tape.variable(x[offset:offset + size].reshape(shape).astype(dtype)))
            offset += size
        y = build(*parts)
        if y.shape not in weights:
            weights[y.shape] = np.random.default_rng(1).standard_normal(y.shape)
        loss = (y * tape.constant(weights[y.shape].astype(dtype))).sum()
        loss.backward()
        return float(loss.value), np.concatenate([p.grad.ravel() for p in parts])

    return f


UNARY = ["exp", "log", "tanh", "sigmoid", "relu", "square", "sqrt", "abs", "sum", "mean", "T", "neg"]


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_unary_gradients(name, shape):
    op = (lambda x: -x) if name == "neg" else (lambda x: x.T) if name == "T" else (lambda x: getattr(x, name)())
    f = tape_objective(op, [shape])
    x = safe_input(name, shape).ravel()
    analytic = f(x)[1]
    numeric = gdopt.numerical_gradient(f, x)
    assert np.max(np.abs(analytic - numeric) / np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), 1e-300)) < 1e-6
    assert gdopt.grad_check(f, x).max_rel_error < 1e-6


PAIRS = [((3, 4), (3, 4)), ((3, 4), (4,)), ((64, 10), (10,)), ((3, 1), (1, 4)), ((2, 3, 4), (3, 1)), ((), (2, 3))]


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
@pytest.mark.parametrize("pair", PAIRS, ids=str)
def test_binary_gradients_with_broadcasting(op, pair):
    fn = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
          "div": lambda a, b: a / b}[op]
    f = tape_objective(fn, list(pair))
    a = RNG.standard_normal(pair[0]).ravel()
    b = RNG.standard_normal(pair[1]).ravel()
    if op == "div":
        b = 1 + np.abs(b)
    assert gdopt.grad_check(f, np.concatenate([a, b])).max_rel_error < 1e-6


def test_matmul_transpose_and_reuse():
    f = tape_objective(lambda a, b: (a @ b).tanh() + (a @ b) @ b.T @ b, [(3, 4), (4, 5)])
    assert gdopt.grad_check(f, RNG.standard_normal(32)).max_rel_error < 1e-6


def test_python_numbers_and_arrays_mix_with_nodes():
    tape = gdopt.Tape()
    x = tape.variable(np.array([1.0, 2.0]))
    y = (2 * x + 1 - x / 4 + np.array([0.5, 0.5])).sum()
    assert isinstance(np.array([1.0, 1.0]) + x, gdopt.Node)  # numpy defers to the node
    y.backward()
    assert y.value == pytest.approx(2 * 3 + 2 - 0.75 + 1)
    np.testing.assert_allclose(x.grad, [1.75, 1.75])


def numpy_losses(scores, labels):
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_softmax = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    ce = -log_softmax[np.arange(len(labels)), labels].mean()
    correct = scores[np.arange(len(labels)), labels][:, None]
    margins = np.maximum(0, scores - correct + 1)
    margins[np.arange(len(labels)), labels] = 0
    return ce, margins.sum(axis=1).mean()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_loss_values_against_numpy(dtype):
    scores = RNG.standard_normal((20, 6)) * 5
    labels = RNG.integers(0, 6, 20)
    tape = gdopt.Tape(dtype)
    s = tape.variable(scores.astype(dtype))
    ce, hinge = numpy_losses(scores.astype(dtype).astype(np.float64), labels)
    tolerance = 1e-12 if dtype == np.float64 else 1e-5
    assert gdopt.softmax_cross_entropy(s, labels).value == pytest.approx(ce, rel=tolerance)
    assert gdopt.multiclass_hinge(s, labels).value == pytest.approx(hinge, rel=tolerance)
    # Stable for huge scores.
    big = tape.variable(np.array([[1000.0, 0.0]], dtype=dtype))
    assert np.isfinite(gdopt.softmax_cross_entropy(big, [1]).value)


@pytest.mark.parametrize("loss", [gdopt.softmax_cross_entropy, gdopt.multiclass_hinge])
def test_loss_gradients(loss):
    labels = RNG.integers(0, 5, 8)
    f = tape_objective(lambda s: loss(s, labels), [(8, 5)])
    assert gdopt.grad_check(f, RNG.standard_normal(40) * 2).max_rel_error < 1e-6


def test_svm_gradient_is_the_closed_form():
    """cs231n's form: for a row, the label's score gets -(number of classes violating the
    margin) and every violating class +1, averaged over rows; with scores = X W the
    gradient with respect to W is X^T of that."""
    X = RNG.standard_normal((10, 7))
    W = RNG.standard_normal((7, 4)) * 0.5
    y = RNG.integers(0, 4, 10)
    tape = gdopt.Tape()
    w = tape.variable(W)
    gdopt.multiclass_hinge(tape.constant(X) @ w, y).backward()
    scores = X @ W
    violates = (scores - scores[np.arange(10), y][:, None] + 1 > 0).astype(float)
    violates[np.arange(10), y] = 0
    coefficient = violates.copy()
    coefficient[np.arange(10), y] = -violates.sum(axis=1)
    np.testing.assert_allclose(w.grad, X.T @ coefficient / 10, rtol=1e-12, atol=1e-15)


def test_grad_check_catches_a_wrong_gradient_and_passes_exceptions_through():
    result = gdopt.grad_check(lambda x: ((x ** 3).sum(), 2 * x), np.array([0.5, 1.5, -2.0]))
    assert result.max_rel_error > 0.1 and result.worst_index == 2 and result.evaluations == 7
    assert result.analytic_at_worst == -4 and result.numeric_at_worst == pytest.approx(12)

    class Stop(Exception):
        pass

    def raising(x):
        raise Stop("from f")

    with pytest.raises(Stop, match="from f"):
        gdopt.grad_check(raising, [1.0])
    with pytest.raises(RuntimeError, match="NaN"):
        gdopt.numerical_gradient(lambda x: float("nan"), [1.0])
    assert gdopt.numerical_gradient(lambda x: (x ** 2).sum(), np.array([3.0])) == pytest.approx([6.0])


def test_a_gradient_check_never_passes_a_nan_or_inf_gradient():
    """v1.1, §8: a NaN or Inf in either gradient is gdopt.NonFiniteError, naming the entry."""
    def nan_gradient(x):
        return float(x @ x), np.array([2 * x[0], np.nan, 2 * x[2]])

    with pytest.raises(gdopt.NonFiniteError, match="entry 1"):
        gdopt.grad_check(nan_gradient, np.array([1.0, 2.0, 3.0]))

    def infinite_beyond(x):
        return (np.inf if x[0] > 1 else float(x @ x)), 2 * x

    with pytest.raises(gdopt.NonFiniteError, match="entry 0"):
        gdopt.grad_check(infinite_beyond, np.array([1.0, 2.0]))
    with pytest.raises(gdopt.NonFiniteError, match="entry 0"):
        gdopt.numerical_gradient(lambda x: infinite_beyond(x)[0], np.array([1.0, 2.0]))


def test_bad_input_raises_and_never_crashes():
    tape = gdopt.Tape()
    a, b = tape.variable(np.ones((3, 4))), tape.variable(np.ones(5))
    with pytest.raises(ValueError, match="do not broadcast"):
        a + b
    with pytest.raises(ValueError, match="matmul shapes"):
        a @ a
    with pytest.raises(ValueError, match=r"labels\[1\]=9"):
        gdopt.softmax_cross_entropy(a, [0, 9, 1])
    with pytest.raises(ValueError, match="labels has 2 entries"):
        gdopt.multiclass_hinge(a, [0, 1])
    with pytest.raises(ValueError, match="backward needs a scalar"):
        a.backward()
    with pytest.raises(ValueError, match="op=99"):
        tape._handle.unary(99, a.id)
    with pytest.raises(TypeError, match="float32"):
        gdopt.Tape(np.float32).variable(np.ones(3))
    with pytest.raises(RuntimeError, match="no backward"):
        a.grad
    tape.clear()
    with pytest.raises(ValueError, match="do not survive clear"):
        a.exp()


def test_replay_refuses_bad_input_and_changes_nothing():
    tape = gdopt.Tape()
    w = tape.variable(np.ones((3, 2)))
    x = tape.constant(np.ones((4, 3)))
    product = x @ w
    loss = gdopt.softmax_cross_entropy(product, [0, 1, 0, 1])
    loss.backward()
    before, grad_before = float(loss.value), w.grad
    out = np.full((3, 2), -1.0)
    data = np.full((4, 3), 2.0)
    other = gdopt.Tape().variable(np.ones(2))
    cases = [
        (dict(feeds={x: data.T.copy()}), ValueError, r"data\[0\] does not have the shape"),
        (dict(feeds={x: data.astype(np.float32)}), TypeError, r"data\[0\] is float32"),
        (dict(feeds={x: data[:, ::2]}), TypeError, "not C-contiguous"),
        (dict(feeds={"x": data}), TypeError, "feeds must name Nodes"),
        (dict(feeds={other: np.ones(2)}), ValueError, "on another tape"),
        (dict(feeds={x: data}, grads={x: np.empty((4, 3))}), ValueError, "constant, it has no gradient"),
        (dict(feeds={x: data}, grads={w: out[0]}), ValueError, r"grads\[1\] does not have the shape"),
        (dict(feeds={x: data}, labels=[0, 1, 1, 7]), ValueError, r"labels\[0\]\[3\]=7"),
        (dict(feeds={x: data}, labels=[0.0, 1.0, 0.0, 1.0]), TypeError, "labels must hold integers"),
        (dict(feeds={x: data}, labels={w: [0, 1, 0, 1]}), ValueError, "is not a loss"),
        (dict(feeds={product: np.ones((4, 2))}), ValueError, "is not a leaf"),
    ]
    for kwargs, error, message in cases:
        with pytest.raises(error, match=message):
            tape.replay(loss, **{"grads": {w: out}, **kwargs})
        assert np.all(out == -1)
        assert float(loss.value) == before and np.array_equal(w.grad, grad_before)
    shared = np.empty(8)
    v = tape.variable(np.ones(4))
    total = ((x @ w).sum() + v.sum())
    with pytest.raises(ValueError, match="share memory"):
        tape.replay(total, {}, grads={w: shared[:6].reshape(3, 2), v: shared[4:]})
    assert tape.replay(total, {x: data}, grads={w: out, v: shared[:4]}) == 4 * 2 * 3 * 2 + 4
