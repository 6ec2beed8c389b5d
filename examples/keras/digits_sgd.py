"""The experiment of the source document: a small dense network on scikit-learn's digits,
trained with gdopt.keras.SGD and with keras.optimizers.SGD from the same start, the same
batches and the same learning rate. Prints both training losses epoch by epoch, their largest
relative difference, and writes a plot of both curves.

    KERAS_BACKEND=tensorflow python3 examples/keras/digits_sgd.py [epochs] [plot.png]
"""
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

import gdopt.keras  # noqa: E402


def train(optimizer, epochs, initial=None):
    """Losses per epoch of one run; `initial` weights make the runs start alike."""
    digits = load_digits()
    x = (digits.data / 16.0).astype("float32")
    y = digits.target.astype("int32")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(32, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    if initial is not None:
        model.set_weights(initial)
    start = [w.copy() for w in model.get_weights()]
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", jit_compile=False)
    history = model.fit(x, y, batch_size=64, epochs=epochs, shuffle=False, verbose=0)
    return np.array(history.history["loss"]), start


def run(epochs=20, plot=None):
    theirs, start = train(keras.optimizers.SGD(learning_rate=0.1), epochs)
    ours, _ = train(gdopt.keras.SGD(learning_rate=0.1), epochs, initial=start)
    difference = np.max(np.abs(ours - theirs) / np.abs(theirs))
    if plot:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        figure, axes = plt.subplots(figsize=(6, 4))
        epochs_axis = np.arange(1, epochs + 1)
        axes.plot(epochs_axis, theirs, "o-", label="keras.optimizers.SGD")
        axes.plot(epochs_axis, ours, "x--", label="gdopt.keras.SGD")
        axes.set(xlabel="epoch", ylabel="training loss",
                 title=f"digits, dense 64-32-10, SGD lr 0.1 ({keras.backend.backend()} backend)")
        axes.legend()
        figure.tight_layout()
        figure.savefig(plot, dpi=100)
    return theirs, ours, difference


if __name__ == "__main__":
    epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    theirs, ours, difference = run(epochs, sys.argv[2] if len(sys.argv) > 2 else None)
    print(f"keras {keras.__version__}, backend {keras.backend.backend()}, gdopt {gdopt.__version__}")
    print(f"{'epoch':>5} {'keras SGD':>12} {'gdopt SGD':>12}")
    for epoch, (a, b) in enumerate(zip(theirs, ours), 1):
        print(f"{epoch:>5} {a:>12.6f} {b:>12.6f}")
    print(f"largest relative difference of the epoch losses: {difference:.2e}")
    sys.exit(0 if difference < 1e-5 else 1)
