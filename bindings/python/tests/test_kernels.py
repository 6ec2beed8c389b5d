"""gdopt.kernels (the stateless kernels, state owned by the caller) against the optimizer
objects, which run the same kernels on state of their own: the same bits over many steps,
and errors that name the argument and change nothing."""
import numpy as np
import pytest

import gdopt
from gdopt import kernels

CONFIGS = [
    ("sgd", {"lr": 0.1}),
    ("sgd", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("sgd", {"lr": 0.05, "momentum": 0.5, "dampening": 0.3, "maximize": True}),
    ("adagrad", {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.2, "weight_decay": 0.1}),
    ("rmsprop", {"lr": 0.01}),
    ("rmsprop", {"lr": 0.01, "momentum": 0.9, "centered": True, "weight_decay": 0.1, "maximize": True}),
    ("adam", {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.1}),
    ("adam", {"lr": 0.01, "amsgrad": True, "maximize": True}),
    ("adamw", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
    ("lion", {"lr": 0.01, "betas": (0.8, 0.95), "weight_decay": 0.1, "maximize": True}),
    ("adamax", {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1, "maximize": True}),
    ("adadelta", {"lr": 0.5, "rho": 0.8, "eps": 1e-5, "weight_decay": 0.1, "maximize": True}),
    ("rprop", {"lr": 0.05, "etas": (0.4, 1.5), "step_sizes": (1e-4, 1.0), "maximize": True}),
    ("nadam", {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.1, "momentum_decay": 0.01, "maximize": True}),
    ("nadam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("radam", {"lr": 0.01, "betas": (0.8, 0.9), "eps": 1e-6, "weight_decay": 0.1, "maximize": True}),
    ("radam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("asgd", {"lr": 0.05, "lambd": 0.01, "alpha": 0.5, "t0": 10, "weight_decay": 0.1, "maximize": True}),
    ("adafactor", {"lr": 0.05, "beta2_decay": -0.6, "eps": (1e-4, 0.01), "d": 2.0, "weight_decay": 0.1}),
]
CLASSES = {"sgd": gdopt.SGD, "adagrad": gdopt.Adagrad, "rmsprop": gdopt.RMSprop, "adam": gdopt.Adam,
           "adamw": gdopt.AdamW, "lion": gdopt.Lion, "adamax": gdopt.Adamax,
           "adadelta": gdopt.Adadelta, "rprop": gdopt.Rprop, "nadam": gdopt.NAdam, "radam": gdopt.RAdam,
           "asgd": gdopt.ASGD, "adafactor": gdopt.Adafactor}


def kernel_step(kind, h, p, g, state, t):
    """One step through gdopt.kernels with caller-owned state, created as torch does."""
    zeros = lambda: np.zeros_like(p)  # noqa: E731
    if kind == "sgd":
        buffer = state.setdefault("momentum_buffer", zeros()) if h.get("momentum", 0) > 0 else None
        kernels.sgd_update(p, g, buffer, t=t, **h)
    elif kind == "adagrad":
        initial = h.get("initial_accumulator_value", 0.0)
        options = {k: v for k, v in h.items() if k != "initial_accumulator_value"}
        kernels.adagrad_update(p, g, state.setdefault("sum", np.full_like(p, initial)), t=t, **options)
    elif kind == "rmsprop":
        kernels.rmsprop_update(p, g, state.setdefault("square_avg", zeros()),
                               state.setdefault("grad_avg", zeros()) if h.get("centered") else None,
                               state.setdefault("momentum_buffer", zeros()) if h.get("momentum", 0) > 0 else None, **h)
    elif kind == "rprop":
        options = {k: v for k, v in h.items() if k != "lr"}
        kernels.rprop_update(p, g, state.setdefault("prev", zeros()),
                             state.setdefault("step_size", np.full_like(p, h.get("lr", 1e-2))), **options)
    elif kind == "adadelta":
        kernels.adadelta_update(p, g, state.setdefault("square_avg", zeros()), state.setdefault("acc_delta", zeros()),
                                **h)
    elif kind == "adamax":
        kernels.adamax_update(p, g, state.setdefault("exp_avg", zeros()), state.setdefault("exp_inf", zeros()), t=t,
                              **h)
    elif kind == "lion":
        kernels.lion_update(p, g, state.setdefault("exp_avg", zeros()), **h)
    elif kind == "nadam":
        state["mu_product"] = kernels.nadam_update(p, g, state.setdefault("exp_avg", zeros()),
                                                   state.setdefault("exp_avg_sq", zeros()), t=t,
                                                   mu_product=state.get("mu_product", 1.0), **h)
    elif kind == "adafactor":
        kernels.adafactor_update(p, g, variance=state.setdefault("variance", zeros()), t=t, **h)
    elif kind == "radam":
        kernels.radam_update(p, g, state.setdefault("exp_avg", zeros()), state.setdefault("exp_avg_sq", zeros()), t=t,
                             **h)
    elif kind == "asgd":
        state["eta"], state["mu"] = kernels.asgd_update(p, g, state.setdefault("ax", zeros()), t=t,
                                                        eta=state.get("eta", h.get("lr", 1e-2)),
                                                        mu=state.get("mu", 1.0), **h)
    else:
        options = dict(h)
        if kind == "adamw":
            options.setdefault("weight_decay", 1e-2)
        kernels.adam_update(p, g, state.setdefault("exp_avg", zeros()), state.setdefault("exp_avg_sq", zeros()),
                            state.setdefault("max_exp_avg_sq", zeros()) if h.get("amsgrad") else None, t=t,
                            decoupled=kind == "adamw", **options)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind, h", CONFIGS, ids=[f"{k}-{i}" for i, (k, _) in enumerate(CONFIGS)])
def test_kernels_equal_optimizer_objects(kind, h, dtype):
    rng = np.random.default_rng(7)
    n = 40000  # large enough to be split across threads and to run without the GIL
    p_kernel = rng.standard_normal(n).astype(dtype)
    p_object = p_kernel.copy()
    optimizer, state = CLASSES[kind](**h), {}
    for t in range(1, 31):
        g = rng.standard_normal(n).astype(dtype)
        kernel_step(kind, h, p_kernel, g, state, t)
        optimizer.step(p_object, g)
    assert np.array_equal(p_kernel.view(np.uint8), p_object.view(np.uint8))
    for name, buffer in state.items():
        assert np.array_equal(buffer, optimizer.state_dict()["state"][0][name]), name


def test_kernel_errors_name_the_argument_and_change_nothing():
    p, g, m, v = np.ones(4), np.ones(4), np.zeros(4), np.zeros(4)
    before = [a.copy() for a in (p, m, v)]
    with pytest.raises(ValueError, match="exp_avg_sq has 3 float64 elements, it must have 4"):
        kernels.adam_update(p, g, m, v[:3], t=1)
    with pytest.raises(TypeError, match="g has element format"):
        kernels.adam_update(p, g.astype(np.int64), m, v, t=1)
    with pytest.raises(ValueError, match="t=0"):
        kernels.adam_update(p, g, m, v, t=0)
    with pytest.raises(ValueError, match="beta1"):
        kernels.adam_update(p, g, m, v, t=1, betas=(1.5, 0.9))
    with pytest.raises(ValueError, match="max_exp_avg_sq|vmax"):
        kernels.adam_update(p, g, m, v, None, t=1, amsgrad=True)
    with pytest.raises(ValueError, match="momentum_buf"):
        kernels.sgd_update(p, g, None, t=1, lr=0.1, momentum=0.9)
    with pytest.raises(TypeError, match="p is read-only"):
        frozen = p.copy()
        frozen.flags.writeable = False
        kernels.sgd_update(frozen, g, t=1, lr=0.1)
    for a, b in zip((p, m, v), before):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_adafactor_factors_a_2d_array_as_torch_does(dtype):
    """A 2-D param bound at construction keeps row and column factors; the object, the factored
    kernel and the float64 reference agree, and a state_dict round trip continues exactly."""
    from reference import Reference
    rng = np.random.default_rng(5)
    p = rng.standard_normal((6, 9)).astype(dtype)
    q, expected = p.copy(), p.astype(np.float64).reshape(-1)
    opt = gdopt.Adafactor([p], lr=0.05, weight_decay=0.1)
    reference = Reference("adafactor", lr=0.05, weight_decay=0.1, shape=(6, 9),
                          eps=(float(np.finfo(dtype).eps), 1e-3))
    row_var, col_var = np.zeros(6, dtype), np.zeros(9, dtype)
    for t in range(1, 31):
        g = rng.standard_normal((6, 9)).astype(dtype)
        opt.step(g)
        kernels.adafactor_update(q, g, row_var, col_var, t=t, lr=0.05, weight_decay=0.1)
        expected = reference.step(expected, g.reshape(-1).astype(np.float64))
    assert p.tobytes() == q.tobytes()
    tolerance = 1e-12 if dtype == np.float64 else 1e-4
    np.testing.assert_allclose(p.reshape(-1), expected, rtol=tolerance, atol=tolerance * 0.05)
    state = opt.state_dict()["state"][0]
    assert state["row_var"].tobytes() == row_var.tobytes() and state["col_var"].tobytes() == col_var.tobytes()
    assert "variance" not in state
    with pytest.raises(ValueError, match="row_var has 9 .* it must have 6"):
        kernels.adafactor_update(q, g, col_var, row_var, t=31)
    with pytest.raises(ValueError, match="variance is NULL"):
        kernels.adafactor_update(q.reshape(-1), g.reshape(-1), t=31)
