"""Writes the format-1 optimizer checkpoints that test_state.py loads. Run it with gdopt
0.2.0 (the last release that wrote format 1); the files are committed, so this only
documents how they were made:

    python bindings/python/tests/data/make_v1_checkpoints.py
"""
import pathlib

import numpy as np

import gdopt

HERE = pathlib.Path(__file__).parent


def trajectory(kind, dtype):
    """Three steps of two slots from a fixed start; the test runs the same steps."""
    rng = np.random.default_rng(7)
    params = [rng.standard_normal(n).astype(dtype) for n in (5, 3)]
    grads = [[rng.standard_normal(p.size).astype(dtype) for _ in range(4)] for p in params]
    return params, grads


if __name__ == "__main__":
    assert gdopt.__version__ == "0.2.0", "format 1 is written by gdopt 0.2.0"
    for kind, cls, dtype in (("adam", gdopt.AdamW, np.float32), ("rmsprop", gdopt.RMSprop, np.float64)):
        params, grads = trajectory(kind, dtype)
        opt = cls(params, lr=0.01, **({"amsgrad": True} if kind == "adam" else {"centered": True, "momentum": 0.5}))
        for t in range(3):
            opt.step([g[t] for g in grads])
        opt.save(HERE / f"{kind}-format1.ckpt")
