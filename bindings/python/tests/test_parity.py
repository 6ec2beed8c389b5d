"""Every optimizer and many option combinations against the numpy reference of §6, and
against the C ABI called directly (ctypes): same trajectory, same bits."""
import ctypes
import itertools
from pathlib import Path

import numpy as np
import pytest

import gdopt
from gdopt._optimizers import GROUPED
from reference import Reference

CLASSES = {"sgd": gdopt.SGD, "adagrad": gdopt.Adagrad, "rmsprop": gdopt.RMSprop, "adam": gdopt.Adam,
           "adamw": gdopt.AdamW, "lion": gdopt.Lion, "adamax": gdopt.Adamax,
           "adadelta": gdopt.Adadelta, "rprop": gdopt.Rprop, "nadam": gdopt.NAdam, "radam": gdopt.RAdam,
           "asgd": gdopt.ASGD, "adafactor": gdopt.Adafactor}


def grid(**axes):
    return [dict(zip(axes, values)) for values in itertools.product(*axes.values())]


CASES = (
    [("sgd", h) for h in grid(lr=[1e-3, 0.1], momentum=[0.0, 0.9], dampening=[0.0, 0.3], nesterov=[False, True],
                              weight_decay=[0.0, 1e-2], maximize=[False, True])
     if not h["nesterov"] or (h["momentum"] > 0 and h["dampening"] == 0)]
    + [("adagrad", h) for h in grid(lr=[1e-2, 0.5], lr_decay=[0.0, 0.01], weight_decay=[0.0, 0.1],
                                    initial_accumulator_value=[0.0, 0.1], maximize=[False, True])]
    + [("rmsprop", h) for h in grid(lr=[1e-2], alpha=[0.99, 0.5], eps=[1e-8, 1e-3], weight_decay=[0.0, 0.1],
                                    momentum=[0.0, 0.9], centered=[False, True], maximize=[False, True])]
    + [(kind, h) for kind in ("adam", "adamw") for h in grid(
        lr=[1e-3, 0.05], betas=[(0.9, 0.999), (0.5, 0.9)], eps=[1e-8, 1e-3], weight_decay=[0.0, 0.1],
        amsgrad=[False, True], maximize=[False, True])]
    + [("lion", h) for h in grid(lr=[1e-4, 0.01], betas=[(0.9, 0.99), (0.5, 0.9)], weight_decay=[0.0, 0.1],
                                 maximize=[False, True])]
    + [("adamax", h) for h in grid(lr=[2e-3, 0.05], betas=[(0.9, 0.999), (0.5, 0.9)], eps=[1e-8, 1e-3],
                                   weight_decay=[0.0, 0.1], maximize=[False, True])]
    + [("adadelta", h) for h in grid(lr=[1.0, 0.1], rho=[0.9, 0.5, 1.0], eps=[1e-6, 1e-3], weight_decay=[0.0, 0.1],
                                     maximize=[False, True])]
    + [("rprop", h) for h in grid(lr=[1e-2, 0.1], etas=[(0.5, 1.2), (0.3, 2.0)], step_sizes=[(1e-6, 50.0), (0.05, 0.2)],
                                  maximize=[False, True])]
    + [("nadam", h) for h in grid(lr=[2e-3, 0.05], betas=[(0.9, 0.999), (0.5, 0.9)], weight_decay=[0.0, 0.1],
                                  momentum_decay=[4e-3, 0.1], decoupled_weight_decay=[False, True],
                                  maximize=[False, True])]
    + [("radam", h) for h in grid(lr=[1e-3, 0.05], betas=[(0.9, 0.999), (0.5, 0.9)], eps=[1e-8, 1e-3],
                                  weight_decay=[0.0, 0.1], decoupled_weight_decay=[False, True],
                                  maximize=[False, True])]
    + [("asgd", h) for h in grid(lr=[1e-2, 0.1], lambd=[1e-4, 0.1], alpha=[0.75, 0.5], t0=[1e6, 10.0],
                                 weight_decay=[0.0, 0.1], maximize=[False, True])]
    + [("adafactor", h) for h in grid(lr=[1e-2, 0.1], beta2_decay=[-0.8, -0.5], eps=[(None, 1e-3), (1e-3, 0.5)],
                                      d=[1.0, 3.0], weight_decay=[0.0, 0.1], maximize=[False, True])]
    + [(kind, {"max_grad_norm": norm, "maximize": True}) for kind in CLASSES for norm in (0.5, 100.0)]
)
IDS = [f"{kind}-" + "-".join(f"{k}={v}" for k, v in h.items()) for kind, h in CASES]
STEPS = 100


def reference_hyperparameters(kind, h):
    full = dict(h)
    if kind == "adamw":
        full.setdefault("weight_decay", 1e-2)
    defaults = {"adagrad": 1e-2, "rmsprop": 1e-2, "lion": 1e-4, "adamax": 2e-3, "adadelta": 1.0, "rprop": 1e-2,
                "nadam": 2e-3, "asgd": 1e-2, "adafactor": 1e-2}
    full.setdefault("lr", defaults.get(kind, 1e-3))
    return full


@pytest.mark.parametrize("kind,h", CASES, ids=IDS)
def test_float64_trajectory_matches_reference(kind, h):
    rng = np.random.default_rng(0)
    opt = CLASSES[kind](**h)
    reference = Reference(kind, **reference_hyperparameters(kind, h))
    p = rng.standard_normal(33)
    expected = p.copy()
    for _ in range(STEPS):
        g = rng.standard_normal(33)
        opt.step(p, g)
        expected = reference.step(expected, g)
        # Adafactor's norms are sums in another order than numpy's: their last bits scale the
        # step (about lr), not p, which can cancel to near 0.
        atol = 1e-12 * reference.h["lr"] if kind == "adafactor" else 1e-300
        np.testing.assert_allclose(p, expected, rtol=1e-12, atol=atol)


FIRST_ORDER = ("momentum_buffer", "exp_avg", "grad_avg", "ax")
SCALARS = ("mu_product", "eta", "mu")  # NAdam's and ASGD's scalar state, floats in state_dict


@pytest.mark.parametrize("kind,h", CASES, ids=IDS)
def test_float32_each_step_within_a_few_ulps(kind, h):
    """Each float32 step, started from the float32 state, agrees with the float64
    reference within 16 ulps of the magnitudes that meet in it (inputs included for
    first-order quantities, which can cancel)."""
    rng = np.random.default_rng(1)
    opt = CLASSES[kind](**h)
    full = reference_hyperparameters(kind, h)
    p = rng.standard_normal(33).astype(np.float32)
    ulps = 16 * np.finfo(np.float32).eps
    for t in range(1, STEPS + 1):
        g = rng.standard_normal(33).astype(np.float32)
        reference = Reference(kind, **full)
        reference.t = t - 1
        saved = opt.state_dict()["state"].get(0, {})
        reference.state = {k: v.astype(np.float64) for k, v in saved.items() if isinstance(v, np.ndarray)}
        reference.state.update({k: v for k, v in saved.items() if k in SCALARS})
        before = {k: np.copy(v) for k, v in reference.state.items()}
        expected = reference.step(p.astype(np.float64), g.astype(np.float64))
        old = p.astype(np.float64)
        opt.step(p, g)
        wd = full.get("weight_decay", 0.0)
        inputs = np.abs(g) + wd * np.abs(old)
        buffers = sum(np.abs(before.get(k, 0)) + np.abs(reference.state.get(k, 0)) for k in FIRST_ORDER)
        scale = np.maximum.reduce([np.abs(expected), np.abs(old), np.abs(expected - old),
                                   full["lr"] * (inputs + buffers)])
        assert np.all(np.abs(p - expected) <= ulps * scale), f"step {t}"


def c_library():
    lib = ctypes.CDLL(str(Path(gdopt.__file__).parent / "libgdopt.so"))
    lib.gdopt_optimizer_create.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
    lib.gdopt_optimizer_set.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_double]
    for name in ("gdopt_optimizer_step_f32", "gdopt_optimizer_step_f64"):
        getattr(lib, name).argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p, ctypes.c_void_p,
                                       ctypes.c_size_t]
    lib.gdopt_optimizer_destroy.argtypes = [ctypes.c_void_p]
    return lib


@pytest.mark.parametrize("kind,h", CASES, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_python_path_equals_c_path_bit_for_bit(kind, h, dtype):
    lib = c_library()
    handle = ctypes.c_void_p()
    assert lib.gdopt_optimizer_create(kind.encode(), ctypes.byref(handle)) == 0
    opt = CLASSES[kind](**h)
    for name, value in h.items():
        pairs = dict(zip(GROUPED[name], value)) if isinstance(value, tuple) else {name: value}
        for key, v in pairs.items():  # Adafactor's eps=(None, ...) is eps1 = 0 in the library
            assert lib.gdopt_optimizer_set(handle, key.encode(), 0.0 if v is None else float(v)) == 0
    step = lib.gdopt_optimizer_step_f32 if dtype == np.float32 else lib.gdopt_optimizer_step_f64
    rng = np.random.default_rng(2)
    p = rng.standard_normal(50).astype(dtype)
    q = p.copy()
    for _ in range(STEPS):
        g = rng.standard_normal(50).astype(dtype)
        opt.step(p, g)
        assert step(handle, 0, q.ctypes.data, g.ctypes.data, q.size) == 0
    lib.gdopt_optimizer_destroy(handle)
    assert p.tobytes() == q.tobytes()
