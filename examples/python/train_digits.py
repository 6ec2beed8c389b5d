"""Trains a classifier on scikit-learn's digits (8x8 images, shipped offline with
scikit-learn) with gdopt's tape, an optimizer, shuffled mini-batches and a schedule.

    python3 train_digits.py              # the 64-128-10 MLP with Adam
    python3 train_digits.py --hidden 0   # softmax regression

The demo (demo/demo.py) runs this module's `train` for every optimizer and both models.
"""
from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field

import numpy as np
from sklearn.datasets import load_digits

import gdopt


@dataclass
class Digits:
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def load(dtype=np.float32, test_fraction: float = 0.2, seed: int = 0) -> Digits:
    digits = load_digits()
    x = (digits.data / 16.0).astype(dtype)
    y = digits.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(x))
    n_test = int(len(x) * test_fraction)
    test, train = order[:n_test], order[n_test:]
    return Digits(x[train], y[train], x[test], y[test])


class Classifier:
    """Softmax regression (hidden=0) or a one-hidden-layer tanh MLP; params is a list of
    numpy arrays that the optimizer steps in place."""

    def __init__(self, inputs: int, hidden: int, classes: int, dtype=np.float32, seed: int = 1):
        rng = np.random.default_rng(seed)
        shapes = ([(inputs, hidden), (hidden,), (hidden, classes), (classes,)] if hidden
                  else [(inputs, classes), (classes,)])
        # Glorot-style scale for weights, zeros for biases.
        self.params = [(rng.standard_normal(s) / np.sqrt(s[0])).astype(dtype) if len(s) == 2 else np.zeros(s, dtype)
                       for s in shapes]

    def loss(self, tape: gdopt.Tape, x: np.ndarray, y: np.ndarray):
        """Records the mean softmax cross-entropy of the batch; returns it and the variables."""
        variables = [tape.variable(p) for p in self.params]
        h = tape.constant(x)
        for layer in range(0, len(variables) - 2, 2):
            h = (h @ variables[layer] + variables[layer + 1]).tanh()
        scores = h @ variables[-2] + variables[-1]
        return gdopt.softmax_cross_entropy(scores, y), variables

    def predict(self, x: np.ndarray) -> np.ndarray:
        h = x
        for layer in range(0, len(self.params) - 2, 2):
            h = np.tanh(h @ self.params[layer] + self.params[layer + 1])
        return (h @ self.params[-2] + self.params[-1]).argmax(axis=1)


@dataclass
class History:
    train_loss: list = field(default_factory=list)  # mean over each epoch's batches
    test_accuracy: list = field(default_factory=list)
    seconds: float = 0.0


def train(model: Classifier, data: Digits, optimizer: gdopt.Optimizer, epochs: int = 20, batch_size: int = 64,
          seed: int = 0, progress: bool = True, label: str = "") -> History:
    """Mini-batch training; the learning rate follows a cosine schedule over the epochs."""
    schedule = gdopt.schedules.CosineAnnealingLR(optimizer, t_max=epochs)
    tape = gdopt.Tape(model.params[0].dtype)
    history = History()
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=epochs, desc=label or type(optimizer).__name__, unit="epoch", leave=True)
    start = time.perf_counter()
    for epoch in range(epochs):
        total = 0.0
        for rows in gdopt.batches(len(data.x_train), batch_size, seed=seed, epoch=epoch):
            tape.clear()
            loss, variables = model.loss(tape, data.x_train[rows], data.y_train[rows])
            loss.backward()
            optimizer.step(model.params, [v.grad for v in variables])
            total += float(loss.value) * len(rows)
        schedule.step()
        history.train_loss.append(total / len(data.x_train))
        history.test_accuracy.append(float((model.predict(data.x_test) == data.y_test).mean()))
        if bar is not None:
            bar.update(1)
            bar.set_postfix(loss=f"{history.train_loss[-1]:.3f}", acc=f"{history.test_accuracy[-1]:.3f}")
    history.seconds = time.perf_counter() - start
    if bar is not None:
        bar.close()
    return history


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, default=128, help="hidden units; 0 for softmax regression")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--lr", type=float, default=1e-2)
    args = parser.parse_args()
    data = load()
    model = Classifier(64, args.hidden, 10)
    history = train(model, data, gdopt.Adam(lr=args.lr), epochs=args.epochs)
    print(f"final training loss {history.train_loss[-1]:.4f}")
    print(f"test accuracy {history.test_accuracy[-1]:.4f}")
    print(f"time {history.seconds:.2f} s")


if __name__ == "__main__":
    main()
