"""The gdopt demo: trains softmax regression and a 64-128-10 MLP on scikit-learn's digits
with five optimizers, checks the model's gradient, and draws optimizer paths on the
Rosenbrock valley. Writes demo-out/learning_curves.png, demo-out/paths.png and
demo-out/results.md. Run by `make demo`.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display needed
import matplotlib.pyplot as plt
import numpy as np

import gdopt

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples" / "python"))
from train_digits import Classifier, load, train  # noqa: E402

# (label, constructor) per optimizer; learning rates picked for these models and the
# cosine schedule, one setting each for both models.
OPTIMIZERS = [
    ("SGD lr 0.2", lambda: gdopt.SGD(lr=0.2)),
    ("SGD+momentum lr 0.05, 0.9", lambda: gdopt.SGD(lr=0.05, momentum=0.9)),
    ("Adagrad lr 0.1", lambda: gdopt.Adagrad(lr=0.1)),
    ("RMSprop lr 2e-3", lambda: gdopt.RMSprop(lr=2e-3)),
    ("Adam lr 1e-2", lambda: gdopt.Adam(lr=1e-2)),
]
MODELS = [("softmax", 0), ("MLP 64-128-10", 128)]


def train_all(epochs: int):
    data = load()
    results = {}
    for model_name, hidden in MODELS:
        for name, make in OPTIMIZERS:
            model = Classifier(64, hidden, 10)
            results[model_name, name] = train(model, data, make(), epochs=epochs, label=f"{model_name} / {name}")
    return results


def plot_learning_curves(results, epochs: int, path: Path) -> None:
    fig, axes = plt.subplots(2, 2, figsize=(12, 8.5), sharex=True)
    for row, (model_name, _) in enumerate(MODELS):
        for name, _ in OPTIMIZERS:
            history = results[model_name, name]
            epochs_axis = np.arange(1, epochs + 1)
            axes[row, 0].plot(epochs_axis, history.train_loss, label=name, lw=1.8)
            axes[row, 1].plot(epochs_axis, 100 * np.array(history.test_accuracy), label=name, lw=1.8)
        axes[row, 0].set(yscale="log", ylabel="training loss (cross-entropy, log scale)",
                         title=f"{model_name}: training loss")
        axes[row, 1].set(ylabel="test accuracy (%)", ylim=(80, 100), title=f"{model_name}: test accuracy")
    for ax in axes.flat:
        ax.grid(alpha=0.3)
        ax.legend(fontsize=9)
    for ax in axes[1]:
        ax.set_xlabel("epoch")
    fig.suptitle("gdopt on scikit-learn digits (1438 train / 359 test images), batch 64, cosine schedule")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def results_table(results) -> str:
    lines = ["| model | optimizer | final training loss | test accuracy | time |", "|---|---|---|---|---|"]
    for (model_name, name), h in results.items():
        lines.append(f"| {model_name} | {name} | {h.train_loss[-1]:.4f} | {100 * h.test_accuracy[-1]:.1f}% "
                     f"| {h.seconds:.2f} s |")
    return "\n".join(lines)


def check_gradient() -> gdopt.GradCheckResult:
    """The MLP's tape gradient, in float64, against centred differences over every parameter."""
    data = load(np.float64)
    model = Classifier(64, 128, 10, dtype=np.float64)
    x, y = data.x_train[:32], data.y_train[:32]
    shapes = [p.shape for p in model.params]
    splits = np.cumsum([p.size for p in model.params])[:-1]

    def loss_and_gradient(flat):
        model.params = [part.reshape(shape) for part, shape in zip(np.split(flat, splits), shapes)]
        tape = gdopt.Tape(np.float64)
        loss, variables = model.loss(tape, x, y)
        loss.backward()
        return float(loss.value), np.concatenate([v.grad.ravel() for v in variables])

    return gdopt.grad_check(loss_and_gradient, np.concatenate([p.ravel() for p in model.params]))


# ---- The 2-D story: Rosenbrock's valley -------------------------------------------------

def rosenbrock(x):
    value = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
    grad = np.array([-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2), 200 * (x[1] - x[0] ** 2)])
    return value, grad


START = np.array([-1.5, 2.0])
STEPS = 1000
STEPPED = [  # optimizers stepped by hand, STEPS steps each
    ("GD lr 1e-3", lambda: gdopt.SGD(lr=1e-3)),
    ("momentum lr 1e-3, 0.9", lambda: gdopt.SGD(lr=1e-3, momentum=0.9)),
    ("RMSprop lr 1e-2", lambda: gdopt.RMSprop(lr=1e-2)),
    ("Adam lr 0.05", lambda: gdopt.Adam(lr=0.05)),
]


def stepped_path(make) -> np.ndarray:
    x = START.copy()
    optimizer = make()
    path = [x.copy()]
    for _ in range(STEPS):
        optimizer.step(x, rosenbrock(x)[1])
        path.append(x.copy())
    return np.array(path)


def solver_path(method: str, **options) -> np.ndarray:
    """The iterates of gdopt.minimize: after each iteration, the evaluated point whose value
    the progress report gives (the random methods report the best point so far)."""
    evaluated = []

    def f(x):
        value, grad = rosenbrock(x)
        evaluated.append((value, x.copy()))
        return value, grad

    path = [START.copy()]

    def on_iteration(progress):
        for value, x in reversed(evaluated):
            if value == progress.f:
                if not np.array_equal(x, path[-1]):
                    path.append(x)
                break

    gdopt.minimize(f, START, method=method, callback=on_iteration, **options)
    return np.array(path)


def plot_paths(path: Path) -> dict:
    paths = {f"{label}: {STEPS} steps": stepped_path(make) for label, make in STEPPED}
    newton = solver_path("newton", max_iter=100)
    paths[f"Newton, FD Hessian: {len(newton) - 1} iterations"] = newton
    random = {}
    for method, options in (("random search", {}), ("random local search", {"step_scale": 0.1})):
        points = solver_path(method.replace(" ", "_"), max_iter=2000, lower=-2, upper=3, seed=1, **options)
        random[f"{method}{', scale 0.1' if options else ''}: 2000 samples, {len(points) - 1} improvements"] = points
    u, v = np.meshgrid(np.linspace(-2, 2, 400), np.linspace(-1, 3, 400))
    levels = np.log10(1 + (1 - u) ** 2 + 100 * (v - u ** 2) ** 2)
    fig, axes = plt.subplots(1, 2, figsize=(14, 8))
    for ax, group, title in ((axes[0], paths, "gradient methods"), (axes[1], random, "derivative-free methods")):
        ax.contourf(u, v, levels, levels=30, cmap="Greys", alpha=0.55)
        ax.contour(u, v, levels, levels=15, colors="grey", linewidths=0.4)
        styles = iter([("-", 2.6), ("--", 2.0), ("-.", 1.8), (":", 2.4), ("-", 1.0)])
        for label, points in group.items():
            final, _ = rosenbrock(points[-1])
            linestyle, width = next(styles)
            line, = ax.plot(points[:, 0], points[:, 1], linestyle=linestyle, lw=width,
                            label=f"{label}, f = {final:.1e}")
            ax.plot(points[-1, 0], points[-1, 1], "o", color=line.get_color(), ms=6, mec="k")
        ax.plot(*START, "ks", ms=7, label="start (-1.5, 2)")
        ax.plot(1, 1, "r*", ms=15, label="minimum (1, 1)")
        ax.set(xlim=(-2, 2), ylim=(-1, 3), xlabel="x", ylabel="y", title=f"{title} (dots: where each ends)")
        ax.legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.09))
    fig.suptitle("Paths on the Rosenbrock valley f(x, y) = (1-x)² + 100(y-x²)² (contours: log f), minimum at (1, 1)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return {**paths, **random}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="demo-out", help="output folder")
    parser.add_argument("--epochs", type=int, default=30)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()

    print(f"gdopt {gdopt.__version__}: training on scikit-learn digits, {args.epochs} epochs per run")
    results = train_all(args.epochs)
    plot_learning_curves(results, args.epochs, out / "learning_curves.png")
    table = results_table(results)
    (out / "results.md").write_text(table + "\n")
    print("\n" + table + "\n")

    check = check_gradient()
    print(f"gradient check of the MLP (64-128-10, float64, {check.evaluations} evaluations): "
          f"max relative error {check.max_rel_error:.2e}, max absolute error {check.max_abs_error:.2e} "
          f"(worst element: analytic {check.analytic_at_worst:.6e}, numeric {check.numeric_at_worst:.6e})")

    paths = plot_paths(out / "paths.png")
    for label, points in paths.items():
        print(f"rosenbrock {label}: ends at ({points[-1][0]:.4f}, {points[-1][1]:.4f})")
    print(f"\nwrote {out / 'learning_curves.png'}, {out / 'paths.png'} and {out / 'results.md'} "
          f"in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
