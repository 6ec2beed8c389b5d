"""Compact optimizer state (API.md §11): state_format="bfloat16" and "int8" train as well as
float32 state on the issue's two problems, and keep their form through checkpoints."""
import numpy as np
import pytest

import gdopt
from digits import digits_split

FORMATS = ("native", "bfloat16", "int8")


def train_digits(state_format):
    """A 64-256-10 ReLU MLP on scikit-learn's digits, 25 epochs of Adam: its first layer's
    16384 weights are over the 4096-element int8 threshold, its others stay float32."""
    X, y, train, test = digits_split()
    rng = np.random.default_rng(1)
    params = [(rng.standard_normal((64, 256)) / 8).astype(np.float32), np.zeros(256, np.float32),
              (rng.standard_normal((256, 10)) / 16).astype(np.float32), np.zeros(10, np.float32)]
    opt = gdopt.Adam(params, lr=3e-3, state_format=state_format)
    tape = gdopt.Tape(np.float32)
    for epoch in range(25):
        for idx in gdopt.batches(len(train), 64, seed=0, epoch=epoch):
            rows = train[idx]
            tape.clear()
            w1, b1, w2, b2 = (tape.variable(p) for p in params)
            loss = gdopt.softmax_cross_entropy((tape.constant(X[rows]) @ w1 + b1).relu() @ w2 + b2, y[rows])
            loss.backward()
            opt.step([w1.grad, b1.grad, w2.grad, b2.grad])
    scores = np.maximum(X[test] @ params[0] + params[1], 0) @ params[2] + params[3]
    return (scores.argmax(axis=1) == y[test]).mean(), opt


def test_digits_mlp_with_compact_state_is_as_accurate_as_float32():
    accuracy = {}
    for state_format in FORMATS:
        accuracy[state_format], opt = train_digits(state_format)
        info = opt.state_dict()["state"]
        assert info[0]["exp_avg"].dtype == np.float32  # decoded values
    print("digits test accuracy:", accuracy)
    assert accuracy["native"] >= 0.95
    for state_format in ("bfloat16", "int8"):
        assert abs(accuracy[state_format] - accuracy["native"]) <= 0.005, accuracy


def logistic_regression(state_format, features=8192, samples=256, steps=2000):
    """L2-regularised logistic regression on synthetic data, full batch: its loss."""
    rng = np.random.default_rng(7)
    X = rng.standard_normal((samples, features)).astype(np.float32) / np.sqrt(features)
    truth = rng.standard_normal(features).astype(np.float32)
    y = np.where(X @ truth + 0.1 * rng.standard_normal(samples) > 0, 1.0, -1.0).astype(np.float32)
    w = np.zeros(features, np.float32)
    opt = gdopt.Adam([w], lr=1e-2, state_format=state_format)
    decay = np.float32(1e-3)

    def loss_and_grad():
        margin = y * (X @ w)
        loss = np.logaddexp(0, -margin).mean() + decay / 2 * (w @ w)
        weight = -y / (1 + np.exp(margin)) / samples
        return loss, (X.T @ weight + decay * w).astype(np.float32)

    for _ in range(steps):
        _, grad = loss_and_grad()
        opt.step([grad])
    return float(loss_and_grad()[0])


def test_logistic_regression_with_compact_state_reaches_the_float32_loss():
    losses = {state_format: logistic_regression(state_format) for state_format in FORMATS}
    print("logistic regression losses:", losses)
    for state_format in ("bfloat16", "int8"):
        assert abs(losses[state_format] - losses["native"]) <= 1e-3 * losses["native"], losses


@pytest.mark.parametrize("state_format", ["bfloat16", "int8"])
def test_compact_state_survives_checkpoints_and_state_dicts(tmp_path, state_format):
    rng = np.random.default_rng(4)
    p = rng.standard_normal(10000).astype(np.float32)
    opt = gdopt.AdamW([p], lr=1e-2, state_format=state_format)
    for _ in range(3):
        opt.step([rng.standard_normal(10000).astype(np.float32)])
    path = tmp_path / "compact.ckpt"
    opt.save(str(path))
    native = tmp_path / "native.ckpt"
    reference = gdopt.AdamW([p.copy()], lr=1e-2)
    reference.step([np.ones(10000, np.float32)])
    reference.save(str(native))
    # Two moment buffers: 2 bytes or 1 byte (and an absmax per 256) per element, against 4.
    per_element = (path.stat().st_size - 200) / 10000 / 2
    assert per_element < (2.01 if state_format == "bfloat16" else 1.02)
    assert native.stat().st_size > 80000
    twin_params = p.copy()
    twin = gdopt.AdamW([twin_params], lr=1e-2)
    twin.load(str(path))
    g = rng.standard_normal(10000).astype(np.float32)
    opt.step([g])
    twin.step([g])
    assert np.array_equal(p, twin_params)
    # A state_dict holds decoded values; loading it encodes them again: bfloat16 values stay
    # exact; int8 ones move by up to a code (the signed map's most negative value is -0.993, so
    # a block led by a negative value gets a smaller absmax the second time).
    state = opt.state_dict()
    again = gdopt.AdamW([p.copy()], lr=1e-2, state_format=state_format)
    again.load_state_dict(state)
    for name in ("exp_avg", "exp_avg_sq"):
        before, after = state["state"][0][name], again.state_dict()["state"][0][name]
        if state_format == "bfloat16":
            assert np.array_equal(before, after)
        else:
            np.testing.assert_allclose(after, before, rtol=0.03, atol=0.01 * np.abs(before).max())


def test_state_format_is_checked():
    with pytest.raises(ValueError, match="state_format='fp8' must be one of 'native', 'bfloat16', 'int8'"):
        gdopt.Adam(state_format="fp8")
    with pytest.raises(TypeError, match="state_format"):
        gdopt.Rprop(state_format="int8")  # no moment buffers
    assert gdopt.Adam().get("state_format") == 0 and gdopt.SGD(state_format="int8").get("state_format") == 2
