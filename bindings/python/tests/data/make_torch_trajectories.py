"""Writes torch_trajectories.npz, which test_torch_trajectories.py checks gdopt against
without torch (CI has none): for each case, torch.optim's single-tensor code steps a
48-element parameter 100 times with gradients drawn from a fixed seed, in float64 and
float32, and the file keeps the start, the gradients' seed and the end. Run with torch:

    python bindings/python/tests/data/make_torch_trajectories.py
"""
import json
import pathlib

import numpy as np
import torch

HERE = pathlib.Path(__file__).parent
STEPS, N = 100, 48
# torch's class, its options, and a 2-D shape for Adafactor's factored state (or None).
CASES = [
    ("SGD", {"lr": 0.01, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}, None),
    ("SGD", {"lr": 0.01, "momentum": 0.5, "dampening": 0.3, "maximize": True}, None),
    ("Adagrad", {"lr": 0.05, "lr_decay": 0.01, "initial_accumulator_value": 0.1, "weight_decay": 0.01}, None),
    ("RMSprop", {"lr": 0.002, "momentum": 0.9, "centered": True, "weight_decay": 0.01}, None),
    ("Adam", {"lr": 0.002, "betas": (0.8, 0.99), "amsgrad": True, "weight_decay": 0.01}, None),
    ("AdamW", {"lr": 0.002, "amsgrad": True}, None),
    ("Adamax", {"lr": 0.002, "weight_decay": 0.01}, None),
    ("Adadelta", {"lr": 0.1, "rho": 0.8, "weight_decay": 0.01}, None),
    ("Rprop", {"lr": 0.002, "etas": (0.4, 1.3), "step_sizes": (1e-5, 1.0)}, None),
    ("NAdam", {"lr": 0.002, "weight_decay": 0.01, "momentum_decay": 0.01}, None),
    ("NAdam", {"lr": 0.002, "weight_decay": 0.01, "decoupled_weight_decay": True}, None),
    ("RAdam", {"lr": 0.002, "weight_decay": 0.01}, None),
    ("RAdam", {"lr": 0.002, "weight_decay": 0.01, "decoupled_weight_decay": True}, None),
    ("ASGD", {"lr": 0.01, "lambd": 1e-3, "t0": 20, "weight_decay": 0.01}, None),
    ("Adafactor", {"lr": 0.01, "weight_decay": 0.01}, None),
    ("Adafactor", {"lr": 0.01, "beta2_decay": -0.6, "eps": (1e-4, 1e-2), "d": 2.0}, (6, 8)),
]


def gradients(case, dtype):
    rng = np.random.default_rng(1000 + case)
    return rng.standard_normal((STEPS, N)).astype(dtype)


def start(case, dtype):
    return np.random.default_rng(case).standard_normal(N).astype(dtype)


if __name__ == "__main__":
    arrays, meta = {}, []
    for case, (name, options, shape) in enumerate(CASES):
        for dtype in (np.float64, np.float32):
            p = torch.nn.Parameter(torch.from_numpy(start(case, dtype)).reshape(shape or (N,)))
            opt = getattr(torch.optim, name)([p], foreach=False, **options)
            for g in gradients(case, dtype):
                p.grad = torch.from_numpy(g.copy()).reshape(p.shape)
                opt.step()
            arrays[f"{case}-{np.dtype(dtype).name}"] = p.detach().numpy().reshape(-1).copy()
        meta.append({"class": name, "options": options, "shape": shape})
    np.savez_compressed(HERE / "torch_trajectories.npz", **arrays)
    (HERE / "torch_trajectories.json").write_text(json.dumps({"torch": torch.__version__, "cases": meta}, indent=1))
