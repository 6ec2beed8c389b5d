"""The optimizer classes: torch.optim's constructors over the library's optimizer objects."""
from __future__ import annotations

import struct
import zlib
from typing import Any, Mapping, Sequence, Union

import numpy as np

from . import _gdopt
from ._checks import flag, name as checked_name, number, pair, whole

ArrayList = Union[np.ndarray, Sequence[np.ndarray]]

# Checkpoint layout (docs/checkpoint-format.md): the names of each kind's hyperparameters
# in checkpoint order, and of its state buffers by mask bit.
_COMMON = ("reject_nonfinite", "max_grad_norm")
_LAYOUT = {
    "sgd": (("lr", "momentum", "dampening", "nesterov", "weight_decay", "maximize") + _COMMON, ("momentum_buffer",)),
    "adagrad": (("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps", "maximize") + _COMMON, ("sum",)),
    "rmsprop": (("lr", "alpha", "eps", "weight_decay", "momentum", "centered", "maximize") + _COMMON,
                ("square_avg", "grad_avg", "momentum_buffer")),
    "adam": (("lr", "beta1", "beta2", "eps", "weight_decay", "amsgrad", "maximize") + _COMMON,
             ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")),
}
_LAYOUT["adamw"] = _LAYOUT["adam"]
_KIND_CODES = {"sgd": 1, "adagrad": 2, "rmsprop": 3, "adam": 4, "adamw": 5}
_DTYPES = {1: np.dtype("<f4"), 2: np.dtype("<f8")}
_FLAGS = frozenset({"nesterov", "amsgrad", "centered", "maximize", "reject_nonfinite"})
_MAGIC = b"GDOPTCKP"


class Optimizer:
    """Base of the optimizer classes. A slot is one parameter array: in
    ``step([w, b], [gw, gb])`` position 0 is slot 0 and position 1 is slot 1. A slot's
    state is created on its first step; later steps must keep its size and dtype.

    Not thread-safe: use one optimizer from one thread at a time."""

    kind = ""

    def __init__(self, **hyperparameters: Any) -> None:
        self._handle = _gdopt.Optimizer(self.kind)
        for name, value in hyperparameters.items():
            self._handle.set(name, float(flag(value, name)) if name in _FLAGS else number(value, name))

    def step(self, params: ArrayList, grads: ArrayList) -> None:
        """Updates ``params`` in place from ``grads``: one array, or lists of arrays of equal
        length (one slot per position). Arrays must be C-contiguous float32 or float64,
        params writable. Every pair is checked before any is written, so on an exception
        no array and no state has changed. The GIL is released during large steps."""
        self._handle.step(params, grads)

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
        data = self._handle.serialize()
        names, buffers = _LAYOUT[self.kind]
        offset = len(_MAGIC) + 12
        values = struct.unpack_from(f"<{len(names)}d", data, offset)
        offset += 8 * len(names)
        (count,) = struct.unpack_from("<Q", data, offset)
        offset += 8
        state = {}
        for _ in range(count):
            slot, dtype_code, mask, n, step = struct.unpack_from("<QIIQQ", data, offset)
            offset += 32
            dtype = _DTYPES[dtype_code]
            entry: dict = {"step": step, "dtype": dtype.name, "n": n}
            for bit, name in enumerate(buffers):
                if mask & (1 << bit):
                    stored = np.frombuffer(data, dtype=dtype, count=n, offset=offset)
                    entry[name] = stored.astype(dtype.newbyteorder("="))
                    offset += n * dtype.itemsize
            state[slot] = entry
        return {"kind": self.kind, "hyperparameters": dict(zip(names, values)), "state": state}

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
        names, buffers = _LAYOUT[self.kind]
        hyperparameters = mapping(entry_of(state_dict, "hyperparameters", "state_dict"),
                                  "state_dict['hyperparameters']")
        missing = [name for name in names if name not in hyperparameters]
        if missing:
            raise ValueError(f"state_dict hyperparameters lack {', '.join(missing)}")
        state = mapping(entry_of(state_dict, "state", "state_dict"), "state_dict['state']")
        parts = [_MAGIC, struct.pack("<III", 1, _KIND_CODES[self.kind], len(names)),
                 struct.pack(f"<{len(names)}d", *(number(hyperparameters[name], name) for name in names)),
                 struct.pack("<Q", len(state))]
        slots = {whole(slot, "state_dict['state'] key", maximum=2**64 - 1): slot for slot in state}
        for slot in sorted(slots):
            what = f"state_dict['state'][{slot}]"
            entry = mapping(state[slots[slot]], what)
            dtype_name = entry_of(entry, "dtype", what)
            codes = {"float32": 1, "float64": 2}
            if dtype_name not in codes:
                raise ValueError(f"{what}['dtype'] must be 'float32' or 'float64', got {dtype_name!r}")
            dtype = np.dtype(dtype_name).newbyteorder("<")
            n = whole(entry_of(entry, "n", what), f"{what}['n']", minimum=1, maximum=2**62)
            step = whole(entry_of(entry, "step", what), f"{what}['step']", minimum=1, maximum=2**64 - 1)
            arrays = []
            for bit, name in enumerate(buffers):
                if name in entry:
                    array = np.asarray(entry[name])
                    if array.dtype.kind not in "fiu" or array.ndim != 1 or array.size != n:
                        raise ValueError(f"{what}[{name!r}] must be a 1-D numeric array of n={n} entries, "
                                         f"got {array.dtype} of shape {array.shape}")
                    arrays.append((bit, array))
            mask = sum(1 << bit for bit, _ in arrays)
            parts.append(struct.pack("<QIIQQ", slot, codes[dtype_name], mask, n, step))
            parts.extend(array.astype(dtype).tobytes() for _, array in arrays)
        body = b"".join(parts)
        self._handle.deserialize(body + struct.pack("<I", zlib.crc32(body)))

    def __repr__(self) -> str:
        names, _ = _LAYOUT[self.kind]
        return f"{type(self).__name__}(" + ", ".join(f"{name}={self.get(name):g}" for name in names) + ")"


def _common(maximize: bool, reject_nonfinite: bool, max_grad_norm: float | None) -> dict:
    return {"maximize": maximize, "reject_nonfinite": reject_nonfinite,
            "max_grad_norm": 0.0 if max_grad_norm is None else number(max_grad_norm, "max_grad_norm")}


def _betas(betas: tuple[float, float]) -> dict:
    beta1, beta2 = pair(betas, "betas")
    return {"beta1": beta1, "beta2": beta2}


class SGD(Optimizer):
    """torch.optim.SGD: momentum, dampening, Nesterov, L2 weight decay."""

    kind = "sgd"

    def __init__(self, lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0, weight_decay: float = 0.0,
                 nesterov: bool = False, *, maximize: bool = False, reject_nonfinite: bool = False,
                 max_grad_norm: float | None = None) -> None:
        super().__init__(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov,
                         **_common(maximize, reject_nonfinite, max_grad_norm))


class Adagrad(Optimizer):
    """torch.optim.Adagrad."""

    kind = "adagrad"

    def __init__(self, lr: float = 1e-2, lr_decay: float = 0.0, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0, eps: float = 1e-10, *, maximize: bool = False,
                 reject_nonfinite: bool = False, max_grad_norm: float | None = None) -> None:
        super().__init__(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                         initial_accumulator_value=initial_accumulator_value, eps=eps,
                         **_common(maximize, reject_nonfinite, max_grad_norm))


class RMSprop(Optimizer):
    """torch.optim.RMSprop, optionally centred and with momentum."""

    kind = "rmsprop"

    def __init__(self, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0.0,
                 momentum: float = 0.0, centered: bool = False, *, maximize: bool = False,
                 reject_nonfinite: bool = False, max_grad_norm: float | None = None) -> None:
        super().__init__(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum, centered=centered,
                         **_common(maximize, reject_nonfinite, max_grad_norm))


class Adam(Optimizer):
    """torch.optim.Adam (weight decay as L2 in the gradient), with AMSGrad."""

    kind = "adam"

    def __init__(self, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False, *, maximize: bool = False,
                 reject_nonfinite: bool = False, max_grad_norm: float | None = None) -> None:
        super().__init__(lr=lr, **_betas(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         **_common(maximize, reject_nonfinite, max_grad_norm))


class AdamW(Adam):
    """torch.optim.AdamW: Adam with decoupled weight decay (p *= 1 - lr*weight_decay)."""

    kind = "adamw"

    def __init__(self, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False,
                 reject_nonfinite: bool = False, max_grad_norm: float | None = None) -> None:
        super().__init__(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize,
                         reject_nonfinite=reject_nonfinite, max_grad_norm=max_grad_norm)
