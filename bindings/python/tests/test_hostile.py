"""§8 "Hostile input and resources" from Python: atomic multi-array steps, arrays that share
memory, exception types that name the argument, and no silent conversions."""
import numpy as np
import pytest

import gdopt


def arrays(n=8, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(n).astype(dtype), rng.standard_normal(n).astype(dtype)


# ---- Multi-array steps -------------------------------------------------------------------

def test_a_grad_that_is_another_param_is_refused_and_nothing_changes():
    a, ga = arrays(seed=1)
    b, _ = arrays(seed=2)
    opt = gdopt.Adam(lr=0.1, reject_nonfinite=True)
    before = (a.copy(), b.copy(), opt.state_dict())
    with pytest.raises(ValueError, match=r"grads\[1\] .*params\[0\]|params\[0\] .*grads\[1\]"):
        opt.step([a, b], [ga, a])
    assert np.array_equal(a, before[0]) and np.array_equal(b, before[1])
    assert opt.state_dict()["state"] == {}


@pytest.mark.parametrize("overlap", ["views of one buffer", "same grad twice", "param inside another"])
def test_arrays_that_share_memory_across_positions_are_a_value_error(overlap):
    base = np.zeros(20)
    g1, g2 = np.ones(10), np.ones(10)
    cases = {
        "views of one buffer": ([base[:12], base[10:]], [np.ones(12), np.ones(10)]),
        "same grad twice": ([np.zeros(10), np.zeros(10)], [g1, g1]),
        "param inside another": ([base, base[5:15]], [np.ones(20), g2]),
    }
    params, grads = cases[overlap]
    copies = [p.copy() for p in params]
    with pytest.raises(ValueError, match="share memory"):
        gdopt.SGD(lr=0.1).step(params, grads)
    assert all(np.array_equal(p, c) for p, c in zip(params, copies))


def test_a_position_may_use_one_array_for_params_and_grads():
    p = np.ones(4)
    q, gq = np.ones(4), np.ones(4)
    gdopt.SGD(lr=0.5).step([p, q], [p, gq])  # torch allows p.grad to alias nothing else; this is p's own pair
    assert np.array_equal(p, np.full(4, 0.5)) and np.array_equal(q, np.full(4, 0.5))


def test_adjacent_slices_of_one_buffer_do_not_overlap():
    flat = np.zeros(20)
    grads = np.ones(20)
    gdopt.SGD(lr=1.0).step([flat[:10], flat[10:]], [grads[:10], grads[10:]])
    assert np.array_equal(flat, -np.ones(20))


def test_a_multi_array_step_that_fails_leaves_every_slot_as_it_was():
    """The second slot's state cannot be had (its grads hold NaN with reject_nonfinite):
    the first slot is neither stepped nor given state."""
    (a, ga), (b, gb) = arrays(seed=3), arrays(seed=4)
    gb[3] = np.nan
    opt = gdopt.Adam(lr=0.1, reject_nonfinite=True)
    with pytest.raises(gdopt.NonFiniteError):
        opt.step([a, b], [ga, gb])
    assert opt.state_dict()["state"] == {}
    gb[3] = 0.0
    opt.step([a, b], [ga, gb])
    assert set(opt.state_dict()["state"]) == {0, 1}


# ---- Exception types and names -------------------------------------------------------------

@pytest.mark.parametrize("make, error, name", [
    (lambda: gdopt.SGD(lr=None), TypeError, "lr"),
    (lambda: gdopt.SGD(lr="0.5"), TypeError, "lr"),
    (lambda: gdopt.SGD(lr=0.1, momentum=[0.9]), TypeError, "momentum"),
    (lambda: gdopt.SGD(lr=0.1, nesterov="yes"), TypeError, "nesterov"),
    (lambda: gdopt.Adam(betas=(0.9,)), ValueError, "betas"),
    (lambda: gdopt.Adam(betas=0.9), TypeError, "betas"),
    (lambda: gdopt.Adam(betas=(0.9, "0.99")), TypeError, r"betas\[1\]"),
    (lambda: gdopt.Adam(max_grad_norm="1"), TypeError, "max_grad_norm"),
    (lambda: gdopt.Adam(lr=-1.0), ValueError, "lr"),
])
def test_optimizer_arguments(make, error, name):
    with pytest.raises(error, match=name):
        make()


def test_numpy_numbers_and_bools_are_accepted():
    opt = gdopt.SGD(lr=np.float32(0.5), momentum=np.int64(0), nesterov=np.bool_(False))
    assert opt.lr == 0.5
    opt.lr = np.float64(0.25)
    assert opt.lr == 0.25


@pytest.mark.parametrize("kwargs, error, name", [
    ({"t": -1}, ValueError, "t"),
    ({"t": 0}, ValueError, "t"),
    ({"t": 2.5}, ValueError, "t"),
    ({"t": 2**64}, ValueError, "t"),
    ({"t": "3"}, TypeError, "t"),
    ({"t": 1, "betas": (0.9,)}, ValueError, "betas"),
    ({"t": 1, "lr": "0.1"}, TypeError, "lr"),
    ({"t": 1, "amsgrad": 1}, TypeError, "amsgrad"),
])
def test_kernel_arguments(kwargs, error, name):
    p, g = arrays()
    m, v = np.zeros_like(p), np.zeros_like(p)
    before = p.copy()
    with pytest.raises(error, match=name):
        gdopt.kernels.adam_update(p, g, m, v, **kwargs)
    assert np.array_equal(p, before) and not m.any() and not v.any()


def test_a_whole_float_t_is_accepted():
    p, g = arrays()
    q = p.copy()
    gdopt.kernels.adam_update(p, g, np.zeros_like(p), np.zeros_like(p), t=3.0, lr=0.1)
    gdopt.kernels.adam_update(q, g, np.zeros_like(q), np.zeros_like(q), t=3, lr=0.1)
    assert np.array_equal(p, q)


@pytest.mark.parametrize("state_dict, error, name", [
    (None, TypeError, "state_dict"),
    ({}, ValueError, "kind"),
    ({"kind": "adam"}, ValueError, "hyperparameters"),
    ({"kind": "adam", "hyperparameters": 3}, TypeError, "hyperparameters"),
    ({"kind": "adam", "hyperparameters": "GOOD", "state": []}, TypeError, "state"),
    ({"kind": "adam", "hyperparameters": "GOOD", "state": {0: {"step": 1, "dtype": "float64", "n": 2.9}}},
     ValueError, "n"),
    ({"kind": "adam", "hyperparameters": "GOOD", "state": {0: {"step": 1, "dtype": "int8", "n": 2}}},
     ValueError, "dtype"),
    ({"kind": "adam", "hyperparameters": "GOOD", "state": {0: {"dtype": "float64", "n": 2}}}, ValueError, "step"),
    ({"kind": "adam", "hyperparameters": "GOOD", "state": {-1: {"step": 1, "dtype": "float64", "n": 2}}},
     ValueError, "key"),
    ({"kind": "adam", "hyperparameters": "GOOD", "state": {"0": {"step": 1, "dtype": "float64", "n": 2}}},
     TypeError, "key"),
    ({"kind": "adam", "hyperparameters": "GOOD",
      "state": {0: {"step": 1, "dtype": "float64", "n": 2, "exp_avg": np.zeros((1, 2))}}}, ValueError, "exp_avg"),
    ({"kind": "adam", "hyperparameters": "GOOD",
      "state": {0: {"step": 1, "dtype": "float64", "n": 2, "exp_avg": ["a", "b"]}}}, ValueError, "exp_avg"),
])
def test_malformed_state_dicts(state_dict, error, name):
    opt = gdopt.Adam(lr=0.1)
    p, g = arrays()
    opt.step(p, g)
    good = opt.state_dict()
    if isinstance(state_dict, dict) and state_dict.get("hyperparameters") == "GOOD":
        state_dict = {**state_dict, "hyperparameters": good["hyperparameters"]}
    with pytest.raises(error, match=name):
        opt.load_state_dict(state_dict)
    after = opt.state_dict()
    assert after["hyperparameters"] == good["hyperparameters"]
    assert np.array_equal(after["state"][0]["exp_avg"], good["state"][0]["exp_avg"])


def test_a_hyperparameter_of_the_wrong_type_in_a_state_dict():
    opt = gdopt.SGD(lr=0.1)
    bad = opt.state_dict()
    bad["hyperparameters"]["lr"] = "0.2"
    with pytest.raises(TypeError, match="lr"):
        opt.load_state_dict(bad)
    assert opt.lr == 0.1


def test_tape_operands_and_labels():
    tape = gdopt.Tape()
    x = tape.variable(np.ones((2, 3)))
    with pytest.raises(TypeError, match="operand"):
        x + None
    with pytest.raises(TypeError, match="operand"):
        x * "2"
    with pytest.raises(TypeError, match="operand"):
        x + True
    assert np.array_equal((x + 2).value, np.full((2, 3), 3.0))
    with pytest.raises(TypeError, match="labels"):
        gdopt.softmax_cross_entropy(x, np.array([0.0, 1.7]))
    with pytest.raises(ValueError, match="labels"):
        gdopt.softmax_cross_entropy(x, np.array([[0], [1]]))
    with pytest.raises(ValueError, match="labels"):
        gdopt.multiclass_hinge(x, np.array([0, 2**63 + 5], dtype=np.uint64))
    assert gdopt.softmax_cross_entropy(x, [0, 2]).value > 0


def test_nodes_of_another_tape_or_from_before_a_clear_are_refused():
    a, b = gdopt.Tape(), gdopt.Tape()
    x = a.variable(np.ones(3))
    y = b.variable(np.ones(3))
    with pytest.raises(ValueError, match="another tape"):
        x + y
    stale = x
    for _ in range(100):
        a.clear()
    with pytest.raises(ValueError, match="not on this tape"):
        stale.value


def test_minimize_options():
    def f(x):
        return float(x @ x), 2 * x

    with pytest.raises(ValueError, match="NUL"):
        gdopt.minimize(f, np.ones(2), **{"max_iter\0junk": 3})
    with pytest.raises(TypeError, match="max_iter"):
        gdopt.minimize(f, np.ones(2), max_iter="3")
    with pytest.raises(ValueError, match="max_iter"):
        gdopt.minimize(f, np.ones(2), max_iter=1e19)
    with pytest.raises(ValueError, match="max_iter"):
        gdopt.minimize(f, np.ones(2), max_iter=2.5)


def test_schedule_arguments():
    with pytest.raises(TypeError, match="gamma"):
        gdopt.schedules.StepLR(base_lr=0.1, gamma="0.5")
    with pytest.raises(ValueError, match="step_size"):
        gdopt.schedules.StepLR(base_lr=0.1, step_size=2.5)
    schedule = gdopt.schedules.ExponentialLR(base_lr=0.1)
    with pytest.raises(ValueError, match="step"):
        schedule.lr_at(-1)
    with pytest.raises(ValueError, match="pct_start"):
        gdopt.schedules.OneCycleLR(total_steps=10, pct_start=0.1).lr_at(0)


# ---- Memory limits -------------------------------------------------------------------------

LIMITED = """
import resource, sys
import numpy as np
import gdopt

n = 50_000_000
a, b = np.zeros(n, dtype=np.float32), np.zeros(n, dtype=np.float32)
ga, gb = np.ones(n, dtype=np.float32), np.ones(n, dtype=np.float32)
with open("/proc/self/statm") as f:
    mapped = int(f.read().split()[0]) * resource.getpagesize()
limit = mapped + 600 * 2**20  # room for one slot's Adam state (400 MB), not two
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
opt = gdopt.Adam(lr=0.1)
try:
    opt.step([a, b], [ga, gb])
except MemoryError as error:
    assert not a.any() and not b.any(), "a slot was stepped"
    assert opt.state_dict()["state"] == {}, "a slot has state"
    print("MemoryError", error)
else:
    sys.exit("the step succeeded")
"""


def test_a_multi_array_step_that_runs_out_of_memory_changes_nothing():
    import subprocess
    import sys
    result = subprocess.run([sys.executable, "-c", LIMITED], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("MemoryError")


def test_helper_arguments():
    g = np.ones(4)
    with pytest.raises(TypeError, match="max_norm"):
        gdopt.clip_grad_norm(g, "1")
    with pytest.raises(ValueError, match="seed"):
        next(gdopt.batches(10, 2, seed=-1))
    with pytest.raises(ValueError, match="batch_size"):
        next(gdopt.batches(10, 2.5))
    with pytest.raises(TypeError, match="epoch"):
        next(gdopt.batches(10, 2, epoch="1"))
    assert [len(b) for b in gdopt.batches(10, 4, seed=np.uint64(3))] == [4, 4, 2]
    with pytest.raises(TypeError, match="h"):
        gdopt.numerical_gradient(lambda x: float(x @ x), np.ones(3), h="1e-6")
    with pytest.raises(TypeError, match="bounds"):
        gdopt.minimize(lambda x: (float(x @ x), 2 * x), np.ones(2), bounds=[("0", 1), (0, 1)])
    m = gdopt.Minimizer("lbfgs", np.ones(2))
    m.ask()
    with pytest.raises(TypeError, match="f"):
        m.tell("1.0", np.ones(2))
