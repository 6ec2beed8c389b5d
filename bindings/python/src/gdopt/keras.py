"""gdopt.keras: Keras 3 optimizers whose update runs gdopt's kernels, for every kind
(``gdopt.keras.SGD``, ``Adam``, ... ``Adafactor``, ``Lion``), on the TensorFlow and the torch
backends:

    model.compile(optimizer=gdopt.keras.Adam(learning_rate=1e-3), loss=..., jit_compile=False)

- Keywords are Keras's where Keras has the concept (``learning_rate``, ``beta_1``, ``beta_2``,
  ``epsilon``, ``weight_decay``, ``momentum``, ``nesterov``, ``rho``, ...; RMSprop's ``rho`` is
  torch's alpha) and torch's otherwise (``lr_decay``, ``etas``, ...). The equations and the
  defaults are gdopt's, which are torch's: they differ from Keras's own optimizers (see the
  README). Keras's base options (``clipnorm``, ``global_clipnorm``, ``use_ema``, ...) work as
  for any Keras optimizer; weight decay is the rule's own (L2 or decoupled, as torch's).
- **What crosses.** TensorFlow: the update runs in ``tf.numpy_function``, so a graph train
  step works, but XLA cannot compile it: compile with ``jit_compile=False`` (or
  ``run_eagerly=True``). The variable's and the gradient's values are copied into numpy, and
  the new value is assigned back: TensorFlow does not let numpy write a variable's memory.
  torch: the variable's tensor is stepped in place through its numpy view, with no copy.
- The optimizer's state lives in the library (one slot per variable); Keras's
  ``variables`` hold only its iteration count. Saving a model's optimizer state with Keras
  does not capture gdopt's state: use ``state_dict``/``load_state_dict``.
"""
from __future__ import annotations

from typing import Any

import keras
import numpy as np

from . import _gdopt
from ._optimizers import TORCH_CLASSES, _settings, keywords

# Keras's names for the library's hyperparameters, where Keras has them.
KERAS_NAMES = {"learning_rate": "lr", "beta_1": "beta1", "beta_2": "beta2", "epsilon": "eps"}
KIND_NAMES = {"rmsprop": {"rho": "alpha"}}


def _library_options(kind: str, options: dict) -> dict:
    """Keras's keywords renamed to the library's torch names (grouped ones split)."""
    renamed = {}
    for keyword, value in options.items():
        name = KIND_NAMES.get(kind, {}).get(keyword) or KERAS_NAMES.get(keyword, keyword)
        if name in ("beta1", "beta2"):  # Keras gives the betas one by one; torch as a pair
            renamed.setdefault("betas", list(dict(keywords(kind))["betas"]))[name == "beta2"] = value
        else:
            renamed[name] = value
    if "betas" in renamed:
        renamed["betas"] = tuple(renamed["betas"])
    return renamed


class Optimizer(keras.optimizers.Optimizer):
    """Base of gdopt.keras's classes; ``kind`` is the library's optimizer kind."""

    kind = ""
    BASE_OPTIONS = ("clipnorm", "clipvalue", "global_clipnorm", "use_ema", "ema_momentum",
                    "ema_overwrite_frequency", "loss_scale_factor", "gradient_accumulation_steps")

    def __init__(self, learning_rate: Any = None, name: str | None = None, **options: Any) -> None:
        base = {key: options.pop(key) for key in list(options) if key in self.BASE_OPTIONS}
        settings = _settings(self.kind, _library_options(self.kind, options))  # TypeError for an unknown keyword
        handle = _gdopt.Optimizer(self.kind)
        for key, value in settings.items():
            handle.set(key, value)  # the library's ValueError for a bad value, now
        super().__init__(learning_rate=handle.get("lr") if learning_rate is None else learning_rate,
                         name=name or TORCH_CLASSES[self.kind].lower(), **base)
        self._handle, self._options = handle, options

    def _step_numpy(self, index: int, p: np.ndarray, g: np.ndarray, lr) -> np.ndarray:
        """One library step of slot `index` on a writable array p; returns p."""
        self._handle.set("lr", float(lr))
        self._handle.step([p], [np.ascontiguousarray(g, dtype=p.dtype)], [index])
        return p

    def update_step(self, gradient, variable, learning_rate) -> None:
        index = self._get_variable_index(variable)
        if keras.backend.backend() == "torch":
            # In place through the numpy view of the variable's tensor: nothing is copied.
            tensor = variable.value.detach()
            if tensor.device.type != "cpu" or not tensor.is_contiguous():
                raise ValueError(f"gdopt.keras steps contiguous CPU variables; {variable.path} is not")
            view = tensor.numpy()
            if view.ndim == 2 and index not in self._shaped:
                self._shape(index, view.shape)
            self._step_numpy(index, view, gradient.detach().cpu().numpy(), learning_rate)
            return
        import tensorflow as tf

        if len(variable.shape) == 2 and index not in self._shaped:
            self._shape(index, tuple(variable.shape))

        def step(p, g, lr):
            return self._step_numpy(index, np.array(p, copy=True), g, lr)

        value = tf.convert_to_tensor(variable)  # a tf.Variable here, or a KerasVariable
        new = tf.numpy_function(step, [value, gradient, learning_rate], Tout=value.dtype, stateful=True)
        variable.assign(tf.reshape(new, variable.shape))

    def _shape(self, index: int, shape: tuple) -> None:
        """2-D variables are factored where the kind factors its state (Adafactor), as torch does."""
        self._handle.set_shape(index, *shape)
        self._shaped.add(index)

    def build(self, variables) -> None:
        super().build(variables)
        self._shaped: set = set()

    def state_dict(self) -> dict:
        """The library state, as gdopt's Python classes give it (``gdopt.Optimizer.state_dict``)."""
        from ._optimizers import CLASSES
        proxy = CLASSES[self.kind]()
        proxy._handle = self._handle
        return proxy.state_dict()

    def load_state_dict(self, state_dict: dict) -> None:
        from ._optimizers import CLASSES
        proxy = CLASSES[self.kind]()
        proxy._handle = self._handle
        proxy.load_state_dict(state_dict)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(self._options)
        return config


def _make_class(kind: str) -> type:
    name = TORCH_CLASSES[kind]
    doc = (f"Keras 3 optimizer running gdopt's {kind!r} rule (torch.optim.{name}'s equations and defaults, "
           "Keras's keyword names). See gdopt.keras.")
    return type(name, (Optimizer,), {"kind": kind, "__doc__": doc, "__module__": __name__})


CLASSES = {kind: _make_class(kind) for kind in _gdopt.optimizer_kinds()}
globals().update({cls.__name__: cls for cls in CLASSES.values()})
__all__ = ["Optimizer"] + [cls.__name__ for cls in CLASSES.values()]
