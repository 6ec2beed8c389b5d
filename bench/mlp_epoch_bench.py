"""One training epoch of an MLP on scikit-learn's digits (75/25 split, X/16, float32,
softmax cross-entropy, Adam lr 1e-3): gdopt's tape + gdopt.Adam against the same model in
numpy (hand-written backprop, in-place Adam), jax + optax (the whole step jitted; pip
installs them when missing) and torch (fused Adam, only when installed), in the same run,
interleaved. Every implementation starts from the same weights and sees the same batch
order (gdopt.batches). Models:

- relu:  64-128-10, ReLU, batch 64 (the standard model);
- tanh:  64-128-10, tanh, batch 64;
- wide:  64-512-512-10, ReLU, batch 128 (BLAS dominates).

Each thread count runs in a process of its own (jax fixes its thread pool at start-up).
Before each timed epoch the benchmark sleeps 50 ms, so that the thread pools of the
library timed before (OpenBLAS's, XLA's, gdopt's) have stopped spinning: on 2 cores a
spinning pool of one library otherwise slows the next one down by up to 2x.
Medians of repeats; ratios are peer time / gdopt time (above 1: gdopt is faster).

    python3 bench/mlp_epoch_bench.py [--threads 1 2] [--repeats 15] [--models relu tanh wide]
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

LR = 1e-3
MODELS = {"relu": ((64, 128, 10), "relu", 64), "tanh": ((64, 128, 10), "tanh", 64),
          "wide": ((64, 512, 512, 10), "relu", 128)}


def thread_environment(threads: int) -> dict:
    """What each library reads at start-up to fix its thread count."""
    env = dict(os.environ)
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = str(threads)
    env["XLA_FLAGS"] = (f"--xla_cpu_multi_thread_eigen={'true' if threads > 1 else 'false'} "
                        f"intra_op_parallelism_threads={threads}")
    return env


def ensure_jax() -> None:
    """Installs jax and optax when missing; without them the bench runs the other peers."""
    try:
        import jax  # noqa: F401
        import optax  # noqa: F401
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "jax", "optax"])


# ---------------------------------------------------------------- the data and the model


def data():
    import numpy as np
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    X, _, y, _ = train_test_split((digits.data / 16.0).astype(np.float32), digits.target.astype(np.int64),
                                  test_size=0.25, random_state=0)
    return np.ascontiguousarray(X), y


def init(sizes):
    """He-scaled weights and zero biases, the same for every implementation."""
    import numpy as np

    rng = np.random.default_rng(1)
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        params.append((rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)).astype(np.float32))
        params.append(np.zeros(fan_out, np.float32))
    return params


def batch_orders(n, batch, epochs):
    import gdopt

    return [list(gdopt.batches(n, batch, seed=0, epoch=e)) for e in range(epochs)]


# ---------------------------------------------------------------- gdopt


def gdopt_trainer(X, y, params, activation):
    """The graph is recorded once per batch size (the last batch is short) over the same
    variables, then replayed: one call for forward and backward, one for Adam's step."""
    import numpy as np

    import gdopt

    opt, tape = gdopt.Adam(params, lr=LR), gdopt.Tape(np.float32)
    weights = [tape.variable(p) for p in params]
    grads = [np.empty_like(p) for p in params]
    gradient_of = dict(zip(weights, grads))
    graphs = {}

    def graph(rows):
        x = tape.constant(np.zeros((rows, X.shape[1]), np.float32))
        h = x
        for layer in range(0, len(weights) - 2, 2):
            h = h @ weights[layer] + weights[layer + 1]
            h = h.relu() if activation == "relu" else h.tanh()
        return x, gdopt.softmax_cross_entropy(h @ weights[-2] + weights[-1], np.zeros(rows, np.int64))

    def epoch(order):
        for idx in order:
            if len(idx) not in graphs:
                graphs[len(idx)] = graph(len(idx))
            x, loss = graphs[len(idx)]
            feeds = dict(zip(weights, params))
            feeds[x] = X[idx]
            tape.replay(loss, feeds, grads=gradient_of, labels=y[idx])
            opt.step(grads)
    return epoch


# ---------------------------------------------------------------- numpy


def numpy_trainer(X, y, params, activation):
    import numpy as np

    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    t = [0]
    b1, b2, eps = np.float32(0.9), np.float32(0.999), np.float32(1e-8)

    def adam(grads):
        t[0] += 1
        step = np.float32(LR / (1 - 0.9 ** t[0]))
        root = np.float32(np.sqrt(1 - 0.999 ** t[0]))
        for p, g, mi, vi in zip(params, grads, m, v):
            mi *= b1
            mi += (1 - b1) * g
            vi *= b2
            vi += (1 - b2) * g * g
            p -= step * mi / (np.sqrt(vi) / root + eps)

    def epoch(order):
        for idx in order:
            x, labels, n = X[idx], y[idx], len(idx)
            activations = [x]
            h = x
            for layer in range(0, len(params) - 2, 2):
                h = h @ params[layer] + params[layer + 1]
                h = np.maximum(h, 0) if activation == "relu" else np.tanh(h)
                activations.append(h)
            scores = h @ params[-2] + params[-1]
            scores -= scores.max(axis=1, keepdims=True)
            probabilities = np.exp(scores)
            probabilities /= probabilities.sum(axis=1, keepdims=True)
            d = probabilities
            d[np.arange(n), labels] -= 1
            d /= n
            grads = [None] * len(params)
            for layer in range(len(params) - 2, -1, -2):
                a = activations[layer // 2]
                grads[layer], grads[layer + 1] = a.T @ d, d.sum(axis=0)
                if layer:
                    d = d @ params[layer].T
                    d *= (a > 0) if activation == "relu" else (1 - a * a)
            adam(grads)
    return epoch


# ---------------------------------------------------------------- jax + optax


def jax_trainer(X, y, params, activation):
    import jax
    import jax.numpy as jnp
    import optax

    def loss(ps, x, labels):
        h = x
        for layer in range(0, len(ps) - 2, 2):
            h = h @ ps[layer] + ps[layer + 1]
            h = jax.nn.relu(h) if activation == "relu" else jnp.tanh(h)
        scores = h @ ps[-2] + ps[-1]
        return optax.softmax_cross_entropy_with_integer_labels(scores, labels).mean()

    optimizer = optax.adam(LR)
    state = [list(map(jnp.asarray, params)), None]
    state[1] = optimizer.init(state[0])

    @jax.jit
    def step(ps, opt_state, x, labels):
        grads = jax.grad(loss)(ps, x, labels)
        updates, opt_state = optimizer.update(grads, opt_state, ps)
        return optax.apply_updates(ps, updates), opt_state

    def epoch(order):
        for idx in order:
            state[0], state[1] = step(state[0], state[1], X[idx], y[idx])
        jax.block_until_ready(state[0])
    return epoch


# ---------------------------------------------------------------- torch


def torch_trainer(X, y, params, activation):
    import torch

    weights = [torch.tensor(p, requires_grad=True) for p in params]
    optimizer = torch.optim.Adam(weights, lr=LR, fused=True)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)

    def epoch(order):
        for idx in order:
            index = torch.from_numpy(idx)
            h = Xt[index]
            for layer in range(0, len(weights) - 2, 2):
                h = h @ weights[layer] + weights[layer + 1]
                h = torch.relu(h) if activation == "relu" else torch.tanh(h)
            loss = torch.nn.functional.cross_entropy(h @ weights[-2] + weights[-1], yt[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    return epoch


# ---------------------------------------------------------------- one thread count


def run(threads: int, repeats: int, models) -> None:
    import numpy as np

    import gdopt
    sys.path.insert(0, os.path.dirname(__file__))
    from machine import describe

    gdopt.set_num_threads(threads)
    trainers = {"gdopt": gdopt_trainer, "numpy": numpy_trainer}
    try:
        import jax  # noqa: F401
        import optax  # noqa: F401
        trainers["jax"] = jax_trainer
    except ImportError:
        pass
    try:
        import torch
        torch.set_num_threads(threads)
        trainers["torch"] = torch_trainer
    except ImportError:
        pass
    print(describe(threads))
    X, y = data()
    for model in models:
        sizes, activation, batch = MODELS[model]
        orders = batch_orders(len(X), batch, repeats + 1)
        epochs = {name: make(X, y, init(sizes), activation) for name, make in trainers.items()}
        times = {name: [] for name in epochs}
        for name, epoch in epochs.items():
            epoch(orders[0])  # warm-up (jax compiles here)
        for r in range(1, repeats + 1):
            for name, epoch in epochs.items():
                time.sleep(0.05)  # the previous library's spinning threads go to sleep first
                start = time.perf_counter()
                epoch(orders[r])
                times[name].append(time.perf_counter() - start)
        medians = {name: statistics.median(t) for name, t in times.items()}
        shape = "-".join(map(str, sizes))
        print(f"\n{model}: {shape} {activation}, batch {batch}, {len(orders[0])} batches per epoch, "
              f"{threads} thread(s), median of {repeats} interleaved epochs")
        print(f"{'':>8} {'ms/epoch':>10} {'peer/gdopt':>11}")
        for name, median in medians.items():
            print(f"{name:>8} {median * 1e3:>10.2f} {median / medians['gdopt']:>11.2f}")
    print(f"(gdopt {gdopt.__version__}, numpy {np.__version__})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run(args.threads[0], args.repeats, args.models)
        return
    ensure_jax()
    for threads in args.threads:
        command = [sys.executable, __file__, "--child", "--threads", str(threads), "--repeats", str(args.repeats),
                   "--models", *args.models]
        subprocess.run(command, env=thread_environment(threads), check=True)
        print()


if __name__ == "__main__":
    main()
