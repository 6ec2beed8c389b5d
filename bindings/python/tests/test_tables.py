"""The library's parameter tables and slot-state calls as Python sees them (§10): the
classes' keywords and the tables agree, state_dict reads the slots by name, and the codes
come from the extension with the header's values."""
import numpy as np
import pytest

import gdopt
from gdopt import _gdopt

CLASSES = {"sgd": gdopt.SGD, "adagrad": gdopt.Adagrad, "rmsprop": gdopt.RMSprop, "adam": gdopt.Adam,
           "adamw": gdopt.AdamW, "lion": gdopt.Lion, "adamax": gdopt.Adamax,
           "adadelta": gdopt.Adadelta, "rprop": gdopt.Rprop, "nadam": gdopt.NAdam,
           "radam": gdopt.RAdam, "asgd": gdopt.ASGD,
           "adafactor": gdopt.Adafactor}


def test_the_kinds_listed_are_the_classes():
    assert set(_gdopt.optimizer_kinds()) == set(CLASSES)
    assert _gdopt.solver_methods()[:5] == ("gd", "gd_linesearch", "momentum", "adam", "lbfgs")
    assert "one_cycle" in _gdopt.schedule_kinds()


@pytest.mark.parametrize("kind", sorted(CLASSES))
def test_each_table_entry_is_what_set_and_get_accept(kind):
    optimizer = _gdopt.Optimizer(kind)
    for name, default, low, high, flags in _gdopt.optimizer_params(kind):
        assert optimizer.get(name) == default
        optimizer.set(name, low)
        optimizer.set(name, high)
        assert optimizer.get(name) == high
        if low > -np.finfo(float).max:
            with pytest.raises(ValueError, match=name):
                optimizer.set(name, np.nextafter(low, -np.inf))
        if high < np.finfo(float).max:
            with pytest.raises(ValueError, match=name):
                optimizer.set(name, np.nextafter(high, np.inf))
        if flags == _gdopt.PARAM_BOOL:
            assert (low, high) == (0, 1)
            with pytest.raises(TypeError, match=name):  # the class takes a bool, never a number
                CLASSES[kind](**{name: 1.0})


@pytest.mark.parametrize("kind", ["adam", "adamw"])
def test_state_dict_reads_what_the_kernel_writes(kind):
    """Adam's moments read back by name equal the stateless kernel's, over 5 steps."""
    rng = np.random.default_rng(5)
    p = rng.standard_normal(7)
    kp = p.copy()
    m, v, vmax = np.zeros(7), np.zeros(7), np.zeros(7)
    opt = CLASSES[kind](lr=0.01, amsgrad=True)
    for t in range(1, 6):
        g = rng.standard_normal(7)
        opt.step(p, g)
        gdopt.kernels.adam_update(kp, g, m, v, vmax, t=t, lr=0.01, decoupled=kind == "adamw",
                                  weight_decay=opt.get("weight_decay"), amsgrad=True)
    state = opt.state_dict()["state"][0]
    assert state["step"] == 5 and state["n"] == 7 and state["dtype"] == "float64"
    np.testing.assert_array_equal(state["exp_avg"], m)
    np.testing.assert_array_equal(state["exp_avg_sq"], v)
    np.testing.assert_array_equal(state["max_exp_avg_sq"], vmax)
    np.testing.assert_array_equal(p, kp)


def test_load_state_dict_of_a_slot_without_buffers_and_of_partial_buffers():
    """A slot may hold only some buffers: the missing ones are created by the next step."""
    opt = gdopt.SGD(lr=0.1, momentum=0.9)
    opt.load_state_dict({"kind": "sgd", "hyperparameters": opt.state_dict()["hyperparameters"],
                         "state": {3: {"step": 4, "dtype": "float32", "n": 2}}})
    assert opt.state_dict()["state"] == {3: {"step": 4, "dtype": "float32", "n": 2}}
    handle = opt._handle
    assert handle.slots() == (3,) and handle.slot_info(3) == (_gdopt.F32, 0, 2, 4)


def test_slot_state_calls_refuse_bad_arguments():
    opt = _gdopt.Optimizer("adam")
    with pytest.raises(ValueError, match="slot 0 has no state"):
        opt.slot_info(0)
    opt.step([np.ones(3)], [np.ones(3)])
    with pytest.raises(ValueError, match="max_exp_avg_sq"):
        opt.state_get(0, "max_exp_avg_sq", np.empty(3))
    with pytest.raises(ValueError, match="n=2"):
        opt.state_get(0, "exp_avg", np.empty(2))
    with pytest.raises(ValueError, match="given twice"):
        opt.state_set(0, 1, True, 3, ("exp_avg", "exp_avg"), (np.ones(3), np.ones(3)))
    with pytest.raises(TypeError, match="other dtype"):
        opt.state_set(0, 1, True, 3, ("exp_avg",), (np.ones(3, np.float32),))


def test_codes_are_the_headers():
    assert (_gdopt.F32, _gdopt.F64) == (1, 2)
    assert (_gdopt.RELU, _gdopt.MATMUL, _gdopt.MULTICLASS_HINGE) == (6, 24, 2)
    assert (_gdopt.CONVERGED_GTOL, _gdopt.LINESEARCH_FAILED, _gdopt.TASK_DONE) == (1, 7, 3)
    assert (_gdopt.ADAM_DECOUPLED, _gdopt.ADAM_AMSGRAD, _gdopt.ADAM_MAXIMIZE) == (1, 2, 4)


def test_params_bound_at_construction_keep_their_state_by_array():
    """torch's form: the arrays given at construction are the slots; a step names grads only
    (or the same arrays), and the moments follow the arrays, not list positions."""
    rng = np.random.default_rng(11)
    w, b = rng.standard_normal(4), rng.standard_normal(4)
    w_ref, b_ref = w.copy(), b.copy()
    bound = gdopt.Adam([w, b], lr=0.1)
    reference = gdopt.Adam(lr=0.1)
    for _ in range(3):
        gw, gb = rng.standard_normal(4), rng.standard_normal(4)
        bound.step([gw, gb])
        reference.step([w_ref, b_ref], [gw, gb])
    gw, gb = rng.standard_normal(4), rng.standard_normal(4)
    bound.step([w, b], [gw, gb])
    reference.step([w_ref, b_ref], [gw, gb])
    np.testing.assert_array_equal(w, w_ref)
    np.testing.assert_array_equal(b, b_ref)
    assert bound.params[0] is w and bound.params[1] is b
    with pytest.raises(ValueError, match="the arrays the optimizer was made with"):
        bound.step([b, w], [gb, gw])  # equal sizes: a swap would mix their moments
    with pytest.raises(ValueError, match="grads has 1 arrays"):
        bound.step([gw])
    with pytest.raises(ValueError, match="given twice"):
        gdopt.SGD([w, w])
    with pytest.raises(TypeError, match="made without params"):
        reference.step([gw, gb])
    with pytest.raises(TypeError):
        gdopt.SGD([w], 0.1)  # hyperparameters are keyword-only


def test_the_classes_are_made_from_the_tables():
    """One class per kind, with torch's name, and the committed typing stubs are what the
    tables generate (``make stubs`` rewrites them)."""
    from pathlib import Path

    from gdopt import _optimizers, _stubs
    for kind in _gdopt.optimizer_kinds():
        cls = getattr(gdopt, _optimizers.TORCH_CLASSES[kind])
        assert cls.kind == kind and issubclass(cls, gdopt.Optimizer)
        with pytest.raises(TypeError, match="unexpected keyword argument 'beta1'"):
            cls(beta1=0.5)  # the grouped keyword is torch's betas; table-only names are not keywords
    for name, text in _stubs.stubs().items():
        assert (Path(__file__).resolve().parents[1] / "src" / "gdopt" / name).read_text() == text, name


def test_the_kernels_defaults_are_torchs():
    """The stateless kernels take their defaults from the tables; the values are torch's."""
    import inspect

    def defaults(function):
        return {name: p.default for name, p in inspect.signature(function).parameters.items()
                if p.default is not inspect.Parameter.empty and p.default is not None}
    assert defaults(gdopt.kernels.sgd_update) == {"momentum": 0.0, "dampening": 0.0, "weight_decay": 0.0,
                                                  "nesterov": False, "maximize": False}
    assert defaults(gdopt.kernels.adagrad_update) == {"lr": 1e-2, "lr_decay": 0.0, "weight_decay": 0.0,
                                                      "eps": 1e-10, "maximize": False}
    assert defaults(gdopt.kernels.rmsprop_update) == {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0,
                                                      "momentum": 0.0, "centered": False, "maximize": False}
    assert defaults(gdopt.kernels.adam_update) == {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8,
                                                   "weight_decay": 0.0, "decoupled": False, "amsgrad": False,
                                                   "maximize": False}
