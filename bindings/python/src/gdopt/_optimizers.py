"""The optimizer classes: torch.optim's constructors over the library's optimizer objects."""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Mapping, Sequence, Union

import numpy as np

from . import _gdopt
from ._checks import flag, name as checked_name, number, pair, whole

ArrayList = Union[np.ndarray, Sequence[np.ndarray]]


@lru_cache(maxsize=None)
def _parameters(kind: str) -> dict:
    """The library's table of a kind's hyperparameters, in checkpoint order: {name: (default, min, max, flags)}."""
    return {name: (default, low, high, flags) for name, default, low, high, flags in _gdopt.optimizer_params(kind)}


def _bound(params: ArrayList) -> tuple:
    """The params an optimizer is made with: each a numpy array, each given once."""
    arrays = (params,) if isinstance(params, np.ndarray) else tuple(params)
    if not arrays:
        raise ValueError("params is empty")
    for i, array in enumerate(arrays):
        if not isinstance(array, np.ndarray):
            raise TypeError(f"params[{i}] must be a numpy array, not {type(array).__name__}")
        if any(array is other for other in arrays[:i]):
            raise ValueError(f"params[{i}] is given twice")
    return arrays


class Optimizer:
    """Base of the optimizer classes. As in torch, the params may be bound at construction:
    ``opt = gdopt.Adam([w, b], lr=1e-3)`` then ``opt.step([gw, gb])``; each bound array has
    a slot of its own (its position in the list), and a step that names params must name
    the bound arrays themselves. An optimizer made without params steps whatever it is
    given, ``opt.step([w, b], [gw, gb])``, position i being slot i. A slot's state is created
    on its first step; later steps must keep its size and dtype.

    Not thread-safe: use one optimizer from one thread at a time."""

    kind = ""

    def __init__(self, params: ArrayList | None = None, **hyperparameters: Any) -> None:
        self._params = None if params is None else _bound(params)
        self._handle = _gdopt.Optimizer(self.kind)
        table = _parameters(self.kind)
        for name, value in hyperparameters.items():
            is_flag = table[name][3] == _gdopt.PARAM_BOOL
            self._handle.set(name, float(flag(value, name)) if is_flag else number(value, name))

    def step(self, params: ArrayList, grads: ArrayList | None = None) -> None:
        """Updates the params in place from the grads: ``step(grads)`` for bound params,
        ``step(params, grads)`` otherwise (or naming the bound arrays). One array, or lists
        of arrays of equal length. Arrays must be C-contiguous float32 or float64, params
        writable. Every pair is checked before any is written, so on an exception no array
        and no state has changed. The GIL is released during large steps."""
        if self._params is None:
            if grads is None:
                raise TypeError("step(params, grads): this optimizer was made without params")
            self._handle.step(params, grads)
            return
        if grads is None:
            params, grads = self._params, params
        else:
            given = [params] if isinstance(params, np.ndarray) else list(params)
            if len(given) != len(self._params) or any(a is not b for a, b in zip(given, self._params)):
                raise ValueError("params must be the arrays the optimizer was made with, in their order")
        if isinstance(grads, np.ndarray):
            grads = (grads,)
        if len(grads) != len(self._params):
            raise ValueError(f"grads has {len(grads)} arrays, the optimizer has {len(self._params)} params")
        self._handle.step(self._params, grads)  # the bound tuple itself: no list per step

    @property
    def params(self) -> list | None:
        """The bound arrays, or None for an optimizer made without params."""
        return None if self._params is None else list(self._params)

    @property
    def lr(self) -> float:
        """The learning rate; assigning sets it for the following steps."""
        return self._handle.get("lr")

    @lr.setter
    def lr(self, value: float) -> None:
        self._handle.set("lr", number(value, "lr"))

    def get(self, name: str) -> float:
        """A hyperparameter by its torch name (booleans read as 0.0 or 1.0)."""
        return self._handle.get(name)

    def set(self, name: str, value: float) -> None:
        """Sets a hyperparameter by its torch name (booleans as 0 or 1); raises ValueError
        when out of range."""
        self._handle.set(checked_name(name, "hyperparameter"), number(value, name))

    def reset(self) -> None:
        """Forgets every slot's state; keeps the hyperparameters."""
        self._handle.reset()

    def save(self, path: str) -> None:
        """Writes a crash-safe checkpoint (temporary file, fsync, rename)."""
        self._handle.save(path)

    def load(self, path: str) -> None:
        """Restores hyperparameters and state saved by ``save``; on error nothing changes."""
        self._handle.load(path)

    def state_dict(self) -> dict:
        """The hyperparameters and every slot's state as plain data with numpy copies:
        ``{"kind", "hyperparameters": {name: value}, "state": {slot: {"step", "dtype", "n", buffers...}}}``,
        with torch's buffer names (``exp_avg``, ``momentum_buffer``, ...)."""
        buffers = _gdopt.optimizer_state_names(self.kind)
        state = {}
        for slot in self._handle.slots():
            dtype_code, mask, n, step = self._handle.slot_info(slot)
            dtype = np.dtype(np.float64 if dtype_code == _gdopt.F64 else np.float32)
            entry: dict = {"step": step, "dtype": dtype.name, "n": n}
            for bit, name in enumerate(buffers):
                if mask >> bit & 1:
                    entry[name] = np.empty(n, dtype)
                    self._handle.state_get(slot, name, entry[name])
            state[slot] = entry
        return {"kind": self.kind, "hyperparameters": {name: self.get(name) for name in _parameters(self.kind)},
                "state": state}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restores what ``state_dict`` returned. Everything (types, kind, ranges, sizes) is
        checked before anything changes: a malformed dict raises TypeError or ValueError
        naming the entry, and changes nothing."""
        def mapping(value, what):
            if not isinstance(value, Mapping):
                raise TypeError(f"{what} must be a dict, not {type(value).__name__}")
            return value

        def entry_of(table, key, what):
            if key not in table:
                raise ValueError(f"{what} has no {key!r}")
            return table[key]

        mapping(state_dict, "state_dict")
        if entry_of(state_dict, "kind", "state_dict") != self.kind:
            raise ValueError(f"state_dict is for {state_dict['kind']!r}, this optimizer is {self.kind!r}")
        names = _parameters(self.kind)
        hyperparameters = mapping(entry_of(state_dict, "hyperparameters", "state_dict"),
                                  "state_dict['hyperparameters']")
        missing = [name for name in names if name not in hyperparameters]
        if missing:
            raise ValueError(f"state_dict hyperparameters lack {', '.join(missing)}")
        state = mapping(entry_of(state_dict, "state", "state_dict"), "state_dict['state']")
        # Built in a scratch optimizer, then taken over from its checkpoint: all or nothing.
        scratch = _gdopt.Optimizer(self.kind)
        for name in names:
            scratch.set(name, number(hyperparameters[name], name))
        slots = {whole(slot, "state_dict['state'] key", maximum=2**64 - 1): slot for slot in state}
        buffer_names = _gdopt.optimizer_state_names(self.kind)
        for slot in sorted(slots):
            what = f"state_dict['state'][{slot}]"
            entry = mapping(state[slots[slot]], what)
            dtype_name = entry_of(entry, "dtype", what)
            if dtype_name not in ("float32", "float64"):
                raise ValueError(f"{what}['dtype'] must be 'float32' or 'float64', got {dtype_name!r}")
            n = whole(entry_of(entry, "n", what), f"{what}['n']", minimum=1, maximum=2**62)
            step = whole(entry_of(entry, "step", what), f"{what}['step']", minimum=1, maximum=2**64 - 1)
            present = [name for name in buffer_names if name in entry]
            arrays = []
            for name in present:
                array = np.asarray(entry[name])
                if array.dtype.kind not in "fiu" or array.ndim != 1 or array.size != n:
                    raise ValueError(f"{what}[{name!r}] must be a 1-D numeric array of n={n} entries, "
                                     f"got {array.dtype} of shape {array.shape}")
                arrays.append(np.ascontiguousarray(array, dtype=dtype_name))
            scratch.state_set(slot, step, dtype_name == "float64", n, tuple(present), tuple(arrays))
        self._handle.deserialize(scratch.serialize())

    def __repr__(self) -> str:
        settings = ", ".join(f"{name}={self.get(name):g}" for name in _parameters(self.kind))
        return f"{type(self).__name__}({settings})"


def _common(maximize: bool, reject_nonfinite: bool, max_grad_norm: float | None) -> dict:
    return {"maximize": maximize, "reject_nonfinite": reject_nonfinite,
            "max_grad_norm": 0.0 if max_grad_norm is None else number(max_grad_norm, "max_grad_norm")}


def _betas(betas: tuple[float, float]) -> dict:
    beta1, beta2 = pair(betas, "betas")
    return {"beta1": beta1, "beta2": beta2}


class SGD(Optimizer):
    """torch.optim.SGD: momentum, dampening, Nesterov, L2 weight decay."""

    kind = "sgd"

    def __init__(self, params: ArrayList | None = None, *, lr: float = 1e-3, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False, maximize: bool = False,
                 reject_nonfinite: bool = False, max_grad_norm: float | None = None) -> None:
        super().__init__(params, lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                         nesterov=nesterov, **_common(maximize, reject_nonfinite, max_grad_norm))


class Adagrad(Optimizer):
    """torch.optim.Adagrad."""

    kind = "adagrad"

    def __init__(self, params: ArrayList | None = None, *, lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0, eps: float = 1e-10,
                 maximize: bool = False, reject_nonfinite: bool = False, max_grad_norm: float | None = None) -> None:
        super().__init__(params, lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                         initial_accumulator_value=initial_accumulator_value, eps=eps,
                         **_common(maximize, reject_nonfinite, max_grad_norm))


class RMSprop(Optimizer):
    """torch.optim.RMSprop, optionally centred and with momentum."""

    kind = "rmsprop"

    def __init__(self, params: ArrayList | None = None, *, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False, maximize: bool = False,
                 reject_nonfinite: bool = False, max_grad_norm: float | None = None) -> None:
        super().__init__(params, lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                         centered=centered, **_common(maximize, reject_nonfinite, max_grad_norm))


class Adam(Optimizer):
    """torch.optim.Adam (weight decay as L2 in the gradient), with AMSGrad."""

    kind = "adam"

    def __init__(self, params: ArrayList | None = None, *, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0.0,
                 amsgrad: bool = False, maximize: bool = False, reject_nonfinite: bool = False,
                 max_grad_norm: float | None = None) -> None:
        super().__init__(params, lr=lr, **_betas(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         **_common(maximize, reject_nonfinite, max_grad_norm))


class AdamW(Adam):
    """torch.optim.AdamW: Adam with decoupled weight decay (p *= 1 - lr*weight_decay)."""

    kind = "adamw"

    def __init__(self, params: ArrayList | None = None, *, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8, weight_decay: float = 1e-2,
                 amsgrad: bool = False, maximize: bool = False, reject_nonfinite: bool = False,
                 max_grad_norm: float | None = None) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         maximize=maximize, reject_nonfinite=reject_nonfinite, max_grad_norm=max_grad_norm)
