"""Run under mpirun by test_distributed.py: each scenario checks the distributed steps
against one process stepping the averaged gradient, which every rank can compute itself
because the ranks' gradients are a known function of (seed, step, rank). Prints one
"PASS ..." line per check on rank 0; any failure aborts every rank with exit code 1.

    mpirun -n P python3 mpi_worker.py trajectories
    mpirun -n P python3 mpi_worker.py save DIR | resume DIR
"""
import os
import sys
import traceback

import numpy as np
from mpi4py import MPI

import gdopt
from gdopt.distributed import DataParallel, ShardedOptimizer, shard_bounds, state_bytes

COMM = MPI.COMM_WORLD
P, RANK = COMM.size, COMM.rank
CONFIGS = [
    ("sgd", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("sgd", {"lr": 0.1, "momentum": 0.5, "dampening": 0.2, "weight_decay": 0.01}),
    ("adagrad", {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.1}),
    ("rmsprop", {"lr": 0.01, "momentum": 0.9, "centered": True, "weight_decay": 0.1}),
    ("adam", {"lr": 0.01, "amsgrad": True, "maximize": True}),
    ("adamw", {"lr": 0.01, "weight_decay": 0.1}),
]
CLASSES = {"sgd": gdopt.SGD, "adagrad": gdopt.Adagrad, "rmsprop": gdopt.RMSprop, "adam": gdopt.Adam,
           "adamw": gdopt.AdamW}
# Slot sizes: not divisible by 4, one smaller than P, one large enough to thread.
SIZES = [1, 3, 7, 1000, 70001]
STEPS = 50


def gradient(n, dtype, step, rank, exact, slot):
    rng = np.random.default_rng([step, rank, slot, n])
    if exact:  # small integers times a power of two: every sum of them is exact
        return (rng.integers(-64, 65, n) * 2.0 ** -6).astype(dtype)
    return rng.standard_normal(n).astype(dtype)


def averaged(n, dtype, step, exact, slot, ranks=P):
    total = sum(gradient(n, dtype, step, r, exact, slot).astype(np.float64) for r in range(ranks))
    return (total / ranks).astype(dtype)  # exact data: the same bits as any summation order


def start(dtype):
    return [np.linspace(-1, 1, n).astype(dtype) for n in SIZES]


# Random data, float64 only: the ranks' sums round in another order than the reference's,
# within 1e-6 of the slot's norm. In float32 one reordered rounding can flip the sign of a
# near-zero Adam moment, which moves that element by 2 lr: float32 is compared on exact
# data, bit for bit.


def check_same(got, want, exact, what):
    for slot, (a, b) in enumerate(zip(got, want)):
        if exact:
            assert np.array_equal(a.view(np.uint8), b.view(np.uint8)), f"{what}: slot {slot} differs in bits"
        else:  # sums in another order round differently; the error is relative to the slot's norm
            err = float(np.linalg.norm(a.astype(np.float64) - b) / np.linalg.norm(b.astype(np.float64)))
            WORST[0] = max(WORST[0], err)
            assert err <= 1e-6, f"{what}: slot {slot} relative error {err:.2e}"


WORST = [0.0]  # the largest random-data error seen


def report(message):
    if RANK == 0:
        print(f"PASS {message}", flush=True)


def trajectories():
    for kind, h in CONFIGS:
        for dtype, exact in ((np.float32, True), (np.float64, True), (np.float64, False)):
            reference, dp_params, sharded_params = start(dtype), start(dtype), start(dtype)
            single = CLASSES[kind](**h)
            dp = DataParallel(CLASSES[kind](**h), COMM)
            sharded = ShardedOptimizer(kind, COMM, **h)
            for step in range(STEPS):
                single.step(reference, [averaged(n, dtype, step, exact, s) for s, n in enumerate(SIZES)])
                local = [gradient(n, dtype, step, RANK, exact, s) for s, n in enumerate(SIZES)]
                sharded.step(sharded_params, local)  # reads local
                dp.step(dp_params, local)            # overwrites local with the average
            what = f"{kind} {h} {np.dtype(dtype).name} {'exact' if exact else 'random'}"
            check_same(dp_params, reference, exact, "DataParallel " + what)
            check_same(sharded_params, reference, exact, "ShardedOptimizer " + what)
            report(f"P={P} {STEPS} steps, DataParallel and ShardedOptimizer = one process: {what}"
                   + (", bit for bit" if exact else f" (largest relative error so far {WORST[0]:.1e})"))


def coverage_and_memory():
    for n in SIZES + [P - 1 if P > 1 else 1, 4 * P + 3]:
        owned = np.zeros(n, np.int64)
        for r in range(P):
            lo, hi = shard_bounds(n, P, r)
            owned[lo:hi] += 1
        assert np.all(owned == 1), f"n={n}: shards cover elements {owned.tolist()} times"
    report(f"P={P} shards cover every element exactly once, n = {SIZES + [max(P - 1, 1), 4 * P + 3]}")
    n = 1_000_000
    single, sharded = gdopt.Adam(), ShardedOptimizer("adam", COMM)
    single.step(np.zeros(n, np.float32), np.ones(n, np.float32))
    sharded.step(np.zeros(n, np.float32), np.ones(n, np.float32))
    lo, hi = sharded.shard(0)
    assert sharded.state_bytes == 2 * 4 * (hi - lo), sharded.state_bytes
    per_rank = COMM.allgather(sharded.state_bytes)
    assert sum(per_rank) == state_bytes(single) and max(per_rank) <= state_bytes(single) // P + 8
    report(f"P={P} Adam state per rank {per_rank} bytes; one process holds {state_bytes(single)}")
    # A bad combination fails on every rank, also those whose shard of a 1-element slot is
    # empty, before any collective, and changes nothing.
    bad, params = ShardedOptimizer("sgd", COMM, lr=0.1, nesterov=True), [np.ones(1), np.ones(2)]
    try:
        bad.step(params, [np.ones(1), np.ones(2)])
        raise AssertionError("nesterov without momentum was accepted")
    except ValueError as error:
        assert "nesterov" in str(error), error
    assert bad.state_bytes == 0 and all(np.all(p == 1) for p in params)
    report(f"P={P} an invalid configuration fails on every rank and changes nothing")


# ---- Re-sharding: save after half the steps with one P, resume with another ----------------

def run(optimizer, params, steps, exact=True):
    for step in steps:
        optimizer.step(params, [gradient(n, np.float32, step, RANK, exact, s) for s, n in enumerate(SIZES)])


def save(folder):
    for index, (kind, h) in enumerate(CONFIGS):
        params = start(np.float32)
        sharded = ShardedOptimizer(kind, COMM, **h)
        run(sharded, params, range(STEPS // 2 - 5))
        sharded.save(os.path.join(folder, f"{index}.ckpt"))  # an older checkpoint, replaced next
        run(sharded, params, range(STEPS // 2 - 5, STEPS // 2))
        sharded.save(os.path.join(folder, f"{index}.ckpt"))
        if RANK == 0:
            np.savez(os.path.join(folder, f"{index}-params.npz"), *params)
    report(f"P={P} saved {len(CONFIGS)} sharded checkpoints at step {STEPS // 2}")


def resume(folder):
    for index, (kind, h) in enumerate(CONFIGS):
        saved = np.load(os.path.join(folder, f"{index}-params.npz"))
        params = [saved[f"arr_{i}"] for i in range(len(SIZES))]
        sharded = ShardedOptimizer(kind, COMM, lr=123.0)  # hyperparameters come from the checkpoint
        sharded.load(os.path.join(folder, f"{index}.ckpt"))
        assert sharded.lr == h["lr"], sharded.lr
        run(sharded, params, range(STEPS // 2, STEPS))
        saved_with = int(open(os.path.join(folder, "saved_with")).read())
        reference, single = start(np.float32), CLASSES[kind](**h)
        for step in range(STEPS):  # the first half ran on saved_with ranks, the second on P
            ranks = saved_with if step < STEPS // 2 else P
            single.step(reference, [averaged(n, np.float32, step, True, s, ranks) for s, n in enumerate(SIZES)])
        check_same(params, reference, True, f"resumed {kind}")
        files = sorted(f for f in os.listdir(folder) if f.startswith(f"{index}.ckpt."))
        assert len(files) == saved_with, files  # the older checkpoint's shards were removed
        report(f"P={P} resumed {kind} from a checkpoint saved with P={saved_with}: "
               f"{STEPS} steps = one process, bit for bit")


if __name__ == "__main__":
    try:
        scenario = sys.argv[1]
        if scenario == "trajectories":
            coverage_and_memory()
            trajectories()
        elif scenario == "save":
            save(sys.argv[2])
            if RANK == 0:
                open(os.path.join(sys.argv[2], "saved_with"), "w").write(str(P))
        else:
            resume(sys.argv[2])
    except Exception:
        traceback.print_exc()
        sys.stdout.flush()
        COMM.Abort(1)
