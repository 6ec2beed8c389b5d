"""The optimizer classes: torch.optim's constructors over the library's optimizer objects.
The classes are made from the library's tables (``_gdopt.optimizer_kinds`` and
``optimizer_params``): their keywords, defaults and checks are the library's. Only what
torch spells differently is written here, in the three small tables below."""
from __future__ import annotations

import inspect
from functools import lru_cache
from types import SimpleNamespace
from typing import Any, Mapping, Sequence, Union

import numpy as np

from . import _gdopt
from ._checks import flag, name as checked_name, number, pair, whole

# torch's class name for each kind.
# Lion is not in torch.optim: its name is the paper's (API.md §11).
TORCH_CLASSES = {"sgd": "SGD", "adagrad": "Adagrad", "rmsprop": "RMSprop", "adam": "Adam", "adamw": "AdamW",
                 "lion": "Lion", "adamax": "Adamax", "adadelta": "Adadelta",
                 "rprop": "Rprop", "nadam": "NAdam", "radam": "RAdam", "asgd": "ASGD", "adafactor": "Adafactor"}
# torch's grouped keywords: one keyword for several table entries.
GROUPED = {"betas": ("beta1", "beta2"), "etas": ("eta_minus", "eta_plus"),
           "step_sizes": ("step_size_min", "step_size_max"), "eps": ("eps1", "eps2")}
# Values that are None in Python and 0 in the library's table: max_grad_norm (off; not torch's)
# and Adafactor's eps1 (torch's None: the dtype's machine epsilon).
NONE_MEANS_OFF = ("max_grad_norm", "eps1")
# Values Python names and the table numbers: state_format's codes (API.md §11).
NAMED = {"state_format": ("native", "bfloat16", "int8")}


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
        settings = _settings(self.kind, hyperparameters)
        self._params = None if params is None else _bound(params)
        self._handle = _gdopt.Optimizer(self.kind)
        for name, value in settings.items():
            self._handle.set(name, value)
        for slot, array in enumerate(self._params or ()):
            if array.ndim == 2:  # as torch factors a 2-D tensor's state (Adafactor; the others ignore it)
                self._handle.set_shape(slot, *array.shape)

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

    def set_shape(self, slot: int, rows: int, cols: int) -> None:
        """Gives a slot a rows x cols shape before its first step, so that Adafactor keeps row
        and column factors for it (params bound at construction get their 2-D arrays' shapes).
        The other kinds ignore it."""
        self._handle.set_shape(whole(slot, "slot", maximum=2**64 - 1), whole(rows, "rows", minimum=1),
                               whole(cols, "cols", minimum=1))

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
        with torch's buffer names (``exp_avg``, ``momentum_buffer``, ...) and scalar state as floats
        (NAdam's ``mu_product``, ASGD's ``eta`` and ``mu``); a factored slot (Adafactor) has its
        ``shape`` (rows, cols), and its ``row_var`` and ``col_var`` have rows and cols entries."""
        buffers = _gdopt.optimizer_state_names(self.kind)
        state = {}
        for slot in self._handle.slots():
            dtype_code, mask, n, step = self._handle.slot_info(slot)
            dtype = np.dtype(np.float64 if dtype_code == _gdopt.F64 else np.float32)
            entry: dict = {"step": step, "dtype": dtype.name, "n": n}
            shape = self._handle.slot_shape(slot)
            if shape != (0, 0):
                entry["shape"] = shape
            for bit, name in enumerate(buffers):
                if mask >> bit & 1:
                    entry[name] = np.empty(_length(name, n, shape), dtype)
                    self._handle.state_get(slot, name, entry[name])
            for name in _gdopt.optimizer_scalar_names(self.kind):
                entry[name] = self._handle.scalar_get(slot, name)
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
            shape = (0, 0)
            if "shape" in entry:
                shape = pair(entry["shape"], f"{what}['shape']")
                scratch.set_shape(slot, whole(shape[0], f"{what}['shape'][0]", minimum=1),
                                  whole(shape[1], f"{what}['shape'][1]", minimum=1))
                shape = (int(shape[0]), int(shape[1]))
            present = [name for name in buffer_names if name in entry]
            arrays = []
            for name in present:
                array = np.asarray(entry[name])
                length = _length(name, n, shape)
                if array.dtype.kind not in "fiu" or array.ndim != 1 or array.size != length:
                    raise ValueError(f"{what}[{name!r}] must be a 1-D numeric array of {length} entries, "
                                     f"got {array.dtype} of shape {array.shape}")
                arrays.append(np.ascontiguousarray(array, dtype=dtype_name))
            scratch.state_set(slot, step, dtype_name == "float64", n, tuple(present), tuple(arrays))
            for name in _gdopt.optimizer_scalar_names(self.kind):
                scratch.scalar_set(slot, name, number(entry_of(entry, name, what), f"{what}[{name!r}]"))
        self._handle.deserialize(scratch.serialize())

    def __repr__(self) -> str:
        settings = ", ".join(f"{name}={self.get(name):g}" for name in _parameters(self.kind))
        return f"{type(self).__name__}({settings})"


def _length(name: str, n: int, shape: tuple) -> int:
    """A state buffer's length: n, or a factored slot's rows for row_var and cols for col_var."""
    if shape != (0, 0) and name in ("row_var", "col_var"):
        return shape[0] if name == "row_var" else shape[1]
    return n


def keywords(kind: str) -> list[tuple[str, Any]]:
    """A kind's keywords and defaults in table order, with torch's grouped keywords in the
    place of their first member (``betas`` for beta1 and beta2)."""
    table = _parameters(kind)
    grouped_member = {member: group for group, members in GROUPED.items() for member in members}
    result: list[tuple[str, Any]] = []
    for name in table:
        group = grouped_member.get(name)
        if group is not None:
            if GROUPED[group][0] == name and all(member in table for member in GROUPED[group]):
                result.append((group, tuple(None if member in NONE_MEANS_OFF and table[member][0] == 0
                                            else table[member][0] for member in GROUPED[group])))
            continue
        value, _, _, flags = table[name]
        if name in NONE_MEANS_OFF:
            value = None
        elif name in NAMED:
            value = NAMED[name][int(value)]
        result.append((name, bool(value) if flags == _gdopt.PARAM_BOOL else value))
    return result


def defaults(kind: str) -> SimpleNamespace:
    """A kind's keywords and their defaults as attributes (``defaults("adam").betas``)."""
    return SimpleNamespace(**dict(keywords(kind)))


def _settings(kind: str, given: dict) -> dict:
    """The table entries that keyword arguments set, checked: TypeError for an unknown
    keyword or a wrong type (as Python does), the library's ValueError for a bad value."""
    table = _parameters(kind)
    known = dict(keywords(kind))
    settings = {}
    for keyword, value in given.items():
        if keyword not in known:
            raise TypeError(f"{TORCH_CLASSES[kind]}() got an unexpected keyword argument {keyword!r}")
        if keyword in GROUPED and keyword not in table:  # Adam's eps is a number, Adafactor's a pair
            members = GROUPED[keyword]
            values = pair([0.0 if v is None and m in NONE_MEANS_OFF else v for m, v in zip(members, value)]
                          if isinstance(value, (tuple, list)) else value, keyword)
            settings.update(zip(members, values))
        elif value is None and keyword in NONE_MEANS_OFF:
            settings[keyword] = 0.0
        elif keyword in NAMED:
            if value not in NAMED[keyword]:
                raise ValueError(f"{keyword}={value!r} must be one of {', '.join(map(repr, NAMED[keyword]))}")
            settings[keyword] = float(NAMED[keyword].index(value))
        elif table[keyword][3] == _gdopt.PARAM_BOOL:
            settings[keyword] = float(flag(value, keyword))
        else:
            settings[keyword] = number(value, keyword)
    return settings


def _make_class(kind: str) -> type:
    name = TORCH_CLASSES[kind]
    signature = inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
         inspect.Parameter("params", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None)]
        + [inspect.Parameter(keyword, inspect.Parameter.KEYWORD_ONLY, default=default)
           for keyword, default in keywords(kind)])

    def __init__(self, params: ArrayList | None = None, **hyperparameters: Any) -> None:
        Optimizer.__init__(self, params, **hyperparameters)

    __init__.__signature__ = signature
    __init__.__qualname__ = f"{name}.__init__"
    defaults = ", ".join(f"{keyword}={default!r}" for keyword, default in keywords(kind))
    doc = (f"torch.optim.{name} over the library's {kind!r} rule, with torch's keywords and defaults: "
           f"{defaults}. See Optimizer for params and step.")
    return type(name, (Optimizer,), {"kind": kind, "__doc__": doc, "__init__": __init__,
                                      "__module__": __name__})


CLASSES = {kind: _make_class(kind) for kind in _gdopt.optimizer_kinds()}  # by kind
globals().update({cls.__name__: cls for cls in CLASSES.values()})
