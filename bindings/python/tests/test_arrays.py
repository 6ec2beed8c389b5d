"""In-place updates without copies, and bad arrays rejected with clear errors and no change."""
import numpy as np
import pytest

import gdopt


def test_step_updates_the_very_array_passed_in():
    p = np.ones(100, dtype=np.float32)
    address = p.ctypes.data
    alias = p  # another name for the same memory
    gdopt.SGD(lr=0.5).step(p, np.ones(100, dtype=np.float32))
    assert p.ctypes.data == address and np.shares_memory(p, alias)
    assert np.all(alias == 0.5)


def test_a_contiguous_view_with_an_offset_is_updated_in_place():
    big = np.zeros(2000)
    view = big[10:1010]
    gdopt.Adam(lr=0.1).step(view, np.ones(1000))
    assert np.shares_memory(view, big)
    assert np.all(big[10:1010] < 0) and np.all(big[:10] == 0) and np.all(big[1010:] == 0)


def test_lists_of_arrays_are_one_slot_per_position():
    w, b = np.ones((4, 3), dtype=np.float32), np.ones(3, dtype=np.float32)
    opt = gdopt.SGD(lr=0.1, momentum=0.9)
    opt.step([w, b], [np.ones_like(w), np.full_like(b, 2)])
    state = opt.state_dict()["state"]
    assert sorted(state) == [0, 1] and state[0]["momentum_buffer"].size == 12
    np.testing.assert_array_equal(b, np.full(3, 0.8, dtype=np.float32))


def readonly(a):
    a = a.copy()
    a.setflags(write=False)
    return a


F = np.ones(10)
BAD = [
    ("non-contiguous", lambda: (np.ones(20)[::2], F), TypeError, "not C-contiguous"),
    ("read-only", lambda: (readonly(F), F), TypeError, "read-only"),
    ("int64", lambda: (np.ones(10, dtype=np.int64), F), TypeError, "expected float32 or float64"),
    ("float16", lambda: (np.ones(10, dtype=np.float16), np.ones(10, dtype=np.float16)), TypeError,
     "expected float32 or float64"),
    ("0-d", lambda: (np.array(1.0), np.array(1.0)), ValueError, "0-d"),
    ("mismatched length", lambda: (np.ones(10), np.ones(11)), ValueError,
     "grads[0] has 11 elements but params[0] has 10"),
    ("mixed dtypes", lambda: (np.ones(10, dtype=np.float32), F), TypeError,
     "grads[0] is float64 but params[0] is float32"),
    ("wrong list length", lambda: ([np.ones(10), np.ones(10)], [F]), ValueError, "params has 2 arrays but grads has 1"),
    ("None", lambda: (None, F), TypeError, "must be a float32 or float64 numpy array, got NoneType"),
    ("a plain list", lambda: ([[1.0, 2.0]], [[1.0, 2.0]]), TypeError, "got list"),
    ("empty", lambda: (np.ones(0), np.ones(0)), ValueError, "n=0"),
]


@pytest.mark.parametrize("name,make,error,message", BAD, ids=[b[0] for b in BAD])
def test_bad_arrays_raise_and_change_nothing(name, make, error, message):
    params, grads = make()
    opt = gdopt.Adam()
    arrays = params if isinstance(params, list) else [params]
    before = [np.array(a, copy=True) for a in arrays if isinstance(a, np.ndarray)]
    with pytest.raises(error, match=message.replace("[", r"\[").replace("]", r"\]")):
        opt.step(params, grads)
    after = [a for a in arrays if isinstance(a, np.ndarray)]
    assert all(np.array_equal(x, y) for x, y in zip(before, after))
    assert opt.state_dict()["state"] == {}


@pytest.mark.parametrize("make,message", [
    (lambda: gdopt.Adam(lr=-1), "lr=-1"),
    (lambda: gdopt.Adam(betas=(1.0, 0.9)), "beta1=1"),
    (lambda: gdopt.RMSprop(eps=float("nan")), "eps=nan"),
    (lambda: gdopt.SGD(weight_decay=-0.1), "weight_decay=-0.1"),
    (lambda: gdopt.Adagrad(lr_decay=-1), "lr_decay=-1"),
])
def test_bad_hyperparameters_raise_value_error(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_betas_that_are_not_a_pair_raise_type_error():
    # §8 v1.1: a wrong type is TypeError (this row of the table above was a ValueError in v1).
    with pytest.raises(TypeError, match="betas must be a pair"):
        gdopt.Adam(betas=0.9)


def test_one_bad_pair_leaves_every_pair_unchanged():
    opt = gdopt.SGD(lr=0.1, momentum=0.9)
    a, b = np.ones(5), np.ones(7)
    opt.step([a, b], [np.ones(5), np.ones(7)])
    saved = opt.state_dict()
    a0, b0 = a.copy(), b.copy()
    for grads_b in (np.ones(8), np.ones(7, dtype=np.float32)):  # slot 1 keeps n=7, float64
        params_b = np.ones(grads_b.size, dtype=grads_b.dtype)
        with pytest.raises((ValueError, TypeError)):
            opt.step([a, params_b], [np.ones(5), grads_b])
    assert np.array_equal(a, a0) and np.array_equal(b, b0)
    assert opt.state_dict()["state"][0]["step"] == saved["state"][0]["step"]
    np.testing.assert_array_equal(opt.state_dict()["state"][0]["momentum_buffer"], saved["state"][0]["momentum_buffer"])


def test_rejected_nonfinite_gradients_change_nothing():
    opt = gdopt.Adam(reject_nonfinite=True)
    p = np.linspace(-1, 1, 50).astype(np.float32)
    opt.step(p, np.ones(50, dtype=np.float32))
    before, state = p.copy(), opt.state_dict()
    g = np.ones(50, dtype=np.float32)
    g[17] = np.nan
    with pytest.raises(gdopt.NonFiniteError, match="NaN or Inf") as caught:
        opt.step(p, g)
    assert isinstance(caught.value, ValueError)
    assert p.tobytes() == before.tobytes()
    assert opt.state_dict()["state"][0]["exp_avg"].tobytes() == state["state"][0]["exp_avg"].tobytes()
