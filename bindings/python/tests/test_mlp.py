"""End to end: a 64-128-10 tanh MLP on scikit-learn's digits (shipped offline with
scikit-learn), trained through the tape with gdopt.Adam and gdopt.batches."""
import numpy as np
from sklearn.datasets import load_digits  # make test installs scikit-learn

import gdopt


def test_mlp_on_digits_reaches_95_percent():
    digits = load_digits()
    X = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    order = np.random.default_rng(0).permutation(len(X))
    train, test = order[:1437], order[1437:]
    rng = np.random.default_rng(1)
    params = [(rng.standard_normal((64, 128)) / 8).astype(np.float32), np.zeros(128, np.float32),
              (rng.standard_normal((128, 10)) / np.sqrt(128)).astype(np.float32), np.zeros(10, np.float32)]
    opt = gdopt.Adam(lr=1e-2)
    tape = gdopt.Tape(np.float32)
    losses = []
    for epoch in range(20):
        total = 0.0
        for idx in gdopt.batches(len(train), 64, seed=0, epoch=epoch):
            rows = train[idx]
            tape.clear()
            w1, b1, w2, b2 = (tape.variable(p) for p in params)
            hidden = (tape.constant(X[rows]) @ w1 + b1).tanh()
            loss = gdopt.softmax_cross_entropy(hidden @ w2 + b2, y[rows])
            loss.backward()
            opt.step(params, [w1.grad, b1.grad, w2.grad, b2.grad])
            total += float(loss.value) * len(rows)
        losses.append(total / len(train))
    scores = np.tanh(X[test] @ params[0] + params[1]) @ params[2] + params[3]
    accuracy = (scores.argmax(axis=1) == y[test]).mean()
    assert losses[-1] < losses[0] / 5
    assert accuracy >= 0.95, f"test accuracy {accuracy:.3f}"
