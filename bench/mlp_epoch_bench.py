"""One training epoch of the 64-128-10 tanh MLP on scikit-learn's digits, float32, batch
64, Adam: gdopt's tape + gdopt.Adam against the same model in plain numpy with
hand-written backprop and an in-place numpy Adam, in the same run. Median of repeats;
the ratio is numpy time / gdopt time (higher is better for gdopt).

    python3 bench/mlp_epoch_bench.py
"""
import statistics
import time

import numpy as np
from sklearn.datasets import load_digits

import gdopt

BATCH = 64


def data():
    digits = load_digits()
    return (digits.data / 16.0).astype(np.float32), digits.target.astype(np.int64)


def init():
    rng = np.random.default_rng(1)
    return [(rng.standard_normal((64, 128)) / 8).astype(np.float32), np.zeros(128, np.float32),
            (rng.standard_normal((128, 10)) / np.sqrt(128)).astype(np.float32), np.zeros(10, np.float32)]


def gdopt_epoch(X, y, params, opt, tape, epoch):
    for idx in gdopt.batches(len(X), BATCH, seed=0, epoch=epoch):
        tape.clear()
        w1, b1, w2, b2 = (tape.variable(p) for p in params)
        hidden = (tape.constant(X[idx]) @ w1 + b1).tanh()
        gdopt.softmax_cross_entropy(hidden @ w2 + b2, y[idx]).backward()
        opt.step(params, [w1.grad, b1.grad, w2.grad, b2.grad])


class NumpyAdam:
    """Adam (§6) with in-place numpy operations."""

    def __init__(self, params, lr=1e-2, b1=0.9, b2=0.999, eps=1e-8):
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.lr, self.b1, self.b2, self.eps, self.t = lr, b1, b2, eps, 0

    def step(self, params, grads):
        self.t += 1
        step = self.lr / (1 - self.b1 ** self.t)
        root = np.sqrt(1 - self.b2 ** self.t)
        for p, g, m, v in zip(params, grads, self.m, self.v):
            m *= self.b1
            m += (1 - self.b1) * g
            v *= self.b2
            v += (1 - self.b2) * g * g
            p -= step * m / (np.sqrt(v) / root + self.eps)


def numpy_epoch(X, y, params, opt, epoch):
    w1, b1, w2, b2 = params
    for idx in gdopt.batches(len(X), BATCH, seed=0, epoch=epoch):
        x, labels, n = X[idx], y[idx], len(idx)
        hidden = np.tanh(x @ w1 + b1)
        scores = hidden @ w2 + b2
        scores -= scores.max(axis=1, keepdims=True)
        probabilities = np.exp(scores)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        dscores = probabilities
        dscores[np.arange(n), labels] -= 1
        dscores /= n
        dw2, db2 = hidden.T @ dscores, dscores.sum(axis=0)
        dhidden = (dscores @ w2.T) * (1 - hidden * hidden)
        dw1, db1 = x.T @ dhidden, dhidden.sum(axis=0)
        opt.step(params, [dw1, db1, dw2, db2])


def interleaved_medians(first, second, repeats=31):
    """Median epoch times of two runs, alternated so that both see the same machine load."""
    first(0), second(0)  # warm-up
    times = ([], [])
    for r in range(repeats):
        for run, out in ((first, times[0]), (second, times[1])):
            start = time.perf_counter()
            run(r + 1)
            out.append(time.perf_counter() - start)
    return statistics.median(times[0]), statistics.median(times[1])


def main():
    X, y = data()
    params, opt, tape = init(), gdopt.Adam(lr=1e-2), gdopt.Tape(np.float32)
    reference = init()
    numpy_opt = NumpyAdam(reference)
    ours, theirs = interleaved_medians(lambda e: gdopt_epoch(X, y, params, opt, tape, e),
                                       lambda e: numpy_epoch(X, y, reference, numpy_opt, e))
    batches = (len(X) + BATCH - 1) // BATCH
    print(f"gdopt {gdopt.__version__}: one epoch of the 64-128-10 MLP on digits ({len(X)} samples, "
          f"{batches} batches of {BATCH}), float32, median of 31 interleaved runs")
    print(f"{'':>8} {'ms/epoch':>10} {'us/batch':>10}")
    print(f"{'gdopt':>8} {ours * 1e3:>10.2f} {ours / batches * 1e6:>10.1f}")
    print(f"{'numpy':>8} {theirs * 1e3:>10.2f} {theirs / batches * 1e6:>10.1f}")
    print(f"numpy / gdopt = {theirs / ours:.2f}")


if __name__ == "__main__":
    main()
