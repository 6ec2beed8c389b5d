"""End to end: a 64-128-10 tanh MLP on scikit-learn's digits (shipped offline with
scikit-learn), trained through the tape with gdopt.Adam and gdopt.batches."""
import numpy as np
from sklearn.datasets import load_digits  # make test installs scikit-learn

import gdopt
from digits import digits_split


def test_mlp_on_digits_reaches_95_percent():
    X, y, train, test = digits_split()
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


def test_replaying_the_graph_trains_as_recording_it_each_step_does():
    """Tape.replay (one graph per batch size, recorded once) against clear-and-record: the same
    losses and the same params, bit for bit, over two epochs with a short last batch."""
    digits = load_digits()
    X = (digits.data[:300] / 16.0).astype(np.float32)
    y = digits.target[:300].astype(np.int64)
    rng = np.random.default_rng(2)
    start = [(rng.standard_normal((64, 32)) / 8).astype(np.float32), np.zeros(32, np.float32),
             (rng.standard_normal((32, 10)) / 6).astype(np.float32), np.zeros(10, np.float32)]

    def model(tape, x, w1, b1, w2, b2, labels):
        return gdopt.softmax_cross_entropy((x @ w1 + b1).relu() @ w2 + b2, labels)

    recorded, replayed = [p.copy() for p in start], [p.copy() for p in start]
    opt_a, opt_b = gdopt.Adam(recorded, lr=1e-2), gdopt.Adam(replayed, lr=1e-2)
    tape_a, tape_b = gdopt.Tape(np.float32), gdopt.Tape(np.float32)
    weights = [tape_b.variable(p) for p in replayed]
    grads = [np.empty_like(p) for p in replayed]
    graphs = {}
    for epoch in range(2):
        for idx in gdopt.batches(len(X), 64, seed=3, epoch=epoch):  # 300 = 4·64 + 44
            tape_a.clear()
            nodes = [tape_a.variable(p) for p in recorded]
            loss = model(tape_a, tape_a.constant(X[idx]), *nodes, y[idx])
            loss.backward()
            opt_a.step([n.grad for n in nodes])
            if len(idx) not in graphs:
                x = tape_b.constant(np.zeros((len(idx), 64), np.float32))
                graphs[len(idx)] = x, model(tape_b, x, *weights, np.zeros(len(idx), np.int64))
            x, root = graphs[len(idx)]
            value = tape_b.replay(root, {x: X[idx], **dict(zip(weights, replayed))}, grads=dict(zip(weights, grads)),
                                  labels=y[idx])
            opt_b.step(grads)
            assert value == float(loss.value)
    for a, b in zip(recorded, replayed):
        assert np.array_equal(a, b)
