"""state_dict, save/load, reset, lr, defaults and threads."""
import inspect
import pathlib
import sys
import threading

import numpy as np
import pytest

import gdopt
from gdopt import _gdopt
from gdopt._optimizers import GROUPED, NAMED

CLASSES = [gdopt.SGD, gdopt.Adagrad, gdopt.RMSprop, gdopt.Adam, gdopt.AdamW, gdopt.Lion, gdopt.Adamax,
           gdopt.Adadelta, gdopt.Rprop, gdopt.NAdam, gdopt.RAdam, gdopt.ASGD, gdopt.Adafactor]
DATA = pathlib.Path(__file__).parent / "data"


@pytest.mark.parametrize("cls", CLASSES)
def test_python_defaults_are_the_librarys(cls):
    library = _gdopt.Optimizer(cls.kind)
    for name, parameter in inspect.signature(cls).parameters.items():
        if name == "params":  # the arrays bound at construction (issue 14), not a hyperparameter
            continue
        default = parameter.default
        if isinstance(default, tuple):  # torch's grouped keywords; Adafactor's eps[0] None is 0
            assert tuple(library.get(member) for member in GROUPED[name]) == tuple(v or 0.0 for v in default)
        elif name == "max_grad_norm":
            assert default is None and library.get(name) == 0
        elif name in NAMED:  # state_format's names
            assert library.get(name) == NAMED[name].index(default)
        else:
            assert library.get(name) == float(default), name
    names = [entry[0] for entry in _gdopt.optimizer_params(cls.kind)]
    assert all(library.get(name) is not None for name in names)
    assert len(library.serialize()) == 8 + 12 + 8 * len(names) + 8 + 4  # H matches the library's table


@pytest.mark.parametrize("cls", CLASSES)
def test_state_dict_round_trip_continues_identically(cls):
    rng = np.random.default_rng(3)
    a = cls(lr=0.01)
    p32, p64 = rng.standard_normal(6).astype(np.float32), rng.standard_normal(4)
    for _ in range(3):
        a.step([p32, p64], [rng.standard_normal(6).astype(np.float32), rng.standard_normal(4)])
    state = a.state_dict()
    assert state["hyperparameters"]["lr"] == 0.01 and state["state"][0]["dtype"] == "float32"
    b = cls()
    b.load_state_dict(state)
    q32, q64 = p32.copy(), p64.copy()
    for _ in range(3):
        g = [rng.standard_normal(6).astype(np.float32), rng.standard_normal(4)]
        a.step([p32, p64], g)
        b.step([q32, q64], g)
    assert p32.tobytes() == q32.tobytes() and p64.tobytes() == q64.tobytes()
    state["state"][0]["step"] = 99  # a copy: changing it does not touch the optimizer
    assert a.state_dict()["state"][0]["step"] == 6


def test_scalar_state_is_in_the_state_dict_and_checked():
    opt = gdopt.ASGD(lr=0.05, t0=1)
    p = np.ones(3)
    for _ in range(3):
        opt.step(p, np.array([1.0, -2.0, 0.5]))
    state = opt.state_dict()
    assert state["state"][0]["eta"] == 0.05 / (1 + 1e-4 * 0.05 * 3) ** 0.75 and state["state"][0]["mu"] == 0.5
    fresh = gdopt.ASGD(lr=0.05, t0=1)
    for bad, message in ((2.0, "mu=2.0 must be in \\[0, 1\\]"), (float("nan"), "mu=nan")):
        with pytest.raises(ValueError, match=message):
            fresh.load_state_dict({**state, "state": {0: {**state["state"][0], "mu": bad}}})
    missing = {k: v for k, v in state["state"][0].items() if k != "eta"}
    with pytest.raises(ValueError, match="has no 'eta'"):
        fresh.load_state_dict({**state, "state": {0: missing}})
    assert fresh.state_dict()["state"] == {}  # nothing changed
    fresh.load_state_dict(state)
    q = p.copy()
    opt.step(p, np.array([0.3, 0.2, 0.1]))
    fresh.step(q, np.array([0.3, 0.2, 0.1]))
    assert p.tobytes() == q.tobytes() and fresh.state_dict()["state"][0]["mu"] == 1 / 3


@pytest.mark.parametrize("name, cls, options", [("adam", gdopt.AdamW, {"amsgrad": True}),
                                                ("rmsprop", gdopt.RMSprop, {"centered": True, "momentum": 0.5})])
def test_format_1_checkpoints_still_load(name, cls, options):
    """Files written by gdopt 0.2.0 (data/make_v1_checkpoints.py) load and continue exactly as
    the run that never stopped."""
    sys.path.insert(0, str(DATA))
    from make_v1_checkpoints import trajectory
    params, grads = trajectory(name, np.float32 if name == "adam" else np.float64)
    straight = cls(params, lr=0.01, **options)
    for t in range(3):
        straight.step([g[t] for g in grads])
    resumed = [p.copy() for p in params]  # the params when the file was saved
    loaded = cls(resumed, lr=0.5)
    loaded.load(str(DATA / f"{name}-format1.ckpt"))
    expected, got = straight.state_dict(), loaded.state_dict()
    assert got["hyperparameters"] == expected["hyperparameters"]
    for slot, entry in expected["state"].items():
        for key, value in entry.items():
            assert np.array_equal(got["state"][slot][key], value), key
    straight.step([g[3] for g in grads])
    loaded.step([g[3] for g in grads])
    assert all(a.tobytes() == b.tobytes() for a, b in zip(resumed, params))


def test_bad_state_dicts_are_rejected_and_change_nothing():
    opt = gdopt.Adam(lr=0.5)
    good = gdopt.Adam().state_dict()
    with pytest.raises(ValueError, match="is for 'sgd'"):
        opt.load_state_dict(gdopt.SGD().state_dict())
    bad = dict(good, hyperparameters=dict(good["hyperparameters"], beta1=float("nan")))
    with pytest.raises(ValueError, match="beta1"):
        opt.load_state_dict(bad)
    assert opt.lr == 0.5


def test_a_slot_at_the_last_step_count_refuses_to_step():
    """Found by fuzz_deserialize: a checkpoint may hold step = 2^64 - 1, and one more step
    would wrap t to 0 (a division by zero in Adam's bias correction)."""
    opt = gdopt.Adam()
    p = np.ones(3, np.float32)
    opt.step(p, np.ones(3, np.float32))
    state = opt.state_dict()
    state["state"][0]["step"] = 2**64 - 1
    opt.load_state_dict(state)
    before = p.copy()
    with pytest.raises(RuntimeError, match="2\\^64-1 steps"):
        opt.step(p, np.ones(3, np.float32))
    assert np.array_equal(p, before) and opt.state_dict()["state"][0]["step"] == 2**64 - 1


def test_save_load_reset_and_lr(tmp_path):
    opt = gdopt.RMSprop(momentum=0.5)
    p = np.ones(3)
    opt.step(p, np.ones(3))
    opt.save(str(tmp_path / "ckpt"))
    other = gdopt.RMSprop()
    other.load(str(tmp_path / "ckpt"))
    assert other.state_dict()["state"][0]["step"] == 1 and other.get("momentum") == 0.5
    with pytest.raises(OSError):
        other.load(str(tmp_path / "missing"))
    other.lr = 0.25
    assert other.lr == 0.25
    other.reset()
    assert other.state_dict()["state"] == {} and other.lr == 0.25
    with pytest.raises(ValueError, match="slot 0 was created with n=3, got n=4"):
        opt.step(np.ones(4), np.ones(4))


def test_large_steps_on_threads_match_serial_steps():
    rng = np.random.default_rng(4)
    start = [rng.standard_normal(300_000).astype(np.float32) for _ in range(4)]
    grads = [rng.standard_normal(300_000).astype(np.float32) for _ in range(4)]

    def run(i, out):
        p = start[i].copy()
        opt = gdopt.Adam(lr=0.01)
        for _ in range(5):
            opt.step(p, grads[i])
        out[i] = p

    serial, threaded = {}, {}
    for i in range(4):
        run(i, serial)
    threads = [threading.Thread(target=run, args=(i, threaded)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(serial[i].tobytes() == threaded[i].tobytes() for i in range(4))


@pytest.mark.parametrize("cls", CLASSES)
def test_save_load_resumes_exactly_as_uninterrupted_training(cls, tmp_path):
    rng = np.random.default_rng(5)
    grads = [rng.standard_normal(64).astype(np.float32) for _ in range(20)]
    start = rng.standard_normal(64).astype(np.float32)

    straight, opt = start.copy(), cls(lr=0.05)
    for g in grads:
        opt.step(straight, g)

    resumed, first = start.copy(), cls(lr=0.05)
    for g in grads[:10]:
        first.step(resumed, g)
    first.save(str(tmp_path / "run.ckpt"))
    second = cls()  # other hyperparameters: the checkpoint restores them
    second.load(str(tmp_path / "run.ckpt"))
    for g in grads[10:]:
        second.step(resumed, g)
    assert resumed.tobytes() == straight.tobytes()
