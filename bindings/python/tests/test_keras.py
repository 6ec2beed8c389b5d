"""gdopt.keras on the active Keras backend (KERAS_BACKEND), run by `make test-frameworks`
(keras and tensorflow-cpu are large downloads: `make test` skips these without them)."""
import pathlib
import sys

import numpy as np
import pytest

keras = pytest.importorskip("keras")
pytest.importorskip("sklearn")
import gdopt.keras as gk  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).parents[3] / "examples" / "keras"))
from digits_sgd import run  # noqa: E402


def test_digits_losses_agree_with_keras_sgd_epoch_by_epoch():
    theirs, ours, difference = run(epochs=8)
    assert theirs[-1] < theirs[0] / 2  # it trains
    assert difference <= 1e-5


@pytest.mark.parametrize("name", sorted(cls.__name__ for cls in gk.CLASSES.values()))
def test_every_kind_trains_a_small_model(name):
    keras.utils.set_random_seed(1)
    x = np.random.default_rng(0).standard_normal((64, 6)).astype("float32")
    y = (x[:, :1] * 2 - x[:, 1:2]).astype("float32")
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="tanh"), keras.layers.Dense(1)])
    before = [w.copy() for w in model.get_weights()]
    model.compile(optimizer=getattr(gk, name)(), loss="mse", jit_compile=False)
    model.fit(x, y, batch_size=16, epochs=2, verbose=0)
    after = model.get_weights()
    assert all(np.all(np.isfinite(w)) for w in after)
    assert any(not np.array_equal(a, b) for a, b in zip(before, after))


def test_keras_keywords_reach_the_library():
    adam = gk.Adam(learning_rate=0.01, beta_1=0.8, epsilon=1e-7, amsgrad=True)
    assert adam._handle.get("beta1") == 0.8 and adam._handle.get("beta2") == 0.999
    assert adam._handle.get("eps") == 1e-7 and adam._handle.get("amsgrad") == 1
    assert gk.RMSprop(rho=0.9)._handle.get("alpha") == 0.9  # Keras's rho is torch's alpha
    assert gk.Adadelta(rho=0.5)._handle.get("rho") == 0.5
    assert float(gk.SGD().learning_rate) == pytest.approx(1e-3)  # torch's default, not Keras's 0.01
    with pytest.raises(TypeError, match="unexpected keyword argument 'bogus'"):
        gk.Adam(bogus=1)
    with pytest.raises(ValueError, match="beta1"):
        gk.Adam(beta_1=1.5)


def test_adafactor_factors_a_dense_kernel():
    keras.utils.set_random_seed(2)
    x = np.random.default_rng(1).standard_normal((32, 5)).astype("float32")
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(3)])
    optimizer = gk.Adafactor(learning_rate=0.01)
    model.compile(optimizer=optimizer, loss="mse", jit_compile=False)
    model.fit(x, x[:, :3], batch_size=32, epochs=1, verbose=0)
    state = optimizer.state_dict()["state"]
    shapes = sorted(tuple(entry.get("shape", ())) for entry in state.values())
    assert shapes == [(), (5, 3)]  # the bias keeps a full variance, the kernel two factors
