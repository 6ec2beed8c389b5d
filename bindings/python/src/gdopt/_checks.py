"""Argument checks shared by the Python layer (§8): a wrong type is TypeError and a wrong
value ValueError, each naming the argument; nothing is converted silently. Python and
numpy numbers are accepted where a number is expected, and bools where a flag is."""
from __future__ import annotations

import numbers

import numpy as np

WHOLE_MAX = 2**53  # the largest whole-number option or parameter (§8)


def number(value, name: str) -> float:
    """A real number (int, float or a numpy scalar; not a bool, a str or None)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, not {type(value).__name__}")
    return float(value)


def whole(value, name: str, minimum: int = 0, maximum: int = WHOLE_MAX) -> int:
    """A whole number in [minimum, maximum]: an int, or a float with no fractional part."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a whole number, not {type(value).__name__}")
    if not isinstance(value, numbers.Integral):
        if not float(value).is_integer():
            raise ValueError(f"{name}={value!r} must be a whole number")
        value = float(value)
    if not minimum <= value <= maximum:
        raise ValueError(f"{name}={value!r} must be in [{minimum}, {maximum}]")
    return int(value)


def flag(value, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool, not {type(value).__name__}")
    return bool(value)


def name(value, what: str) -> str:
    """A parameter or option name: a str without NUL characters."""
    if not isinstance(value, str):
        raise TypeError(f"{what} names must be str, not {type(value).__name__}")
    if "\0" in value:
        raise ValueError(f"{what} name {value!r} holds a NUL character")
    return value


def pair(value, name: str) -> tuple[float, float]:
    """Two numbers, such as Adam's betas."""
    if not isinstance(value, (tuple, list)):
        raise TypeError(f"{name} must be a pair of numbers, not {type(value).__name__}")
    if len(value) != 2:
        raise ValueError(f"{name} must be a pair (two numbers), got {len(value)}")
    return number(value[0], f"{name}[0]"), number(value[1], f"{name}[1]")


def integer_array(value, name: str, ndim: int = 1) -> np.ndarray:
    """An array of integers with `ndim` dimensions, as int64 (float or bool arrays are
    refused rather than truncated)."""
    array = np.asarray(value)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integers, not {array.dtype}")
    if array.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {array.shape}")
    if array.dtype.kind == "u" and array.size and array.max() > np.iinfo(np.int64).max:
        raise ValueError(f"{name} holds {array.max()}, above the int64 range")
    return np.ascontiguousarray(array, dtype=np.int64)
