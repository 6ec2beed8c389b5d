"""Centred finite differences and the gradient check, with Python objectives."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import _gdopt
from ._checks import number


@dataclass(frozen=True)
class GradCheckResult:
    """How far an analytic gradient is from centred differences."""

    max_abs_error: float
    max_rel_error: float  # |a - b| / max(|a|, |b|), 0 where both are 0
    worst_index: int  # the flat index of max_rel_error
    analytic_at_worst: float
    numeric_at_worst: float
    evaluations: int  # calls of f: 1 + 2n


def _objective(f: Callable, shape: tuple, need_gradient: bool):
    """Adapts f(x) -> value or (value, grad) to the library's f(x_view, grad_view)."""

    def call(x_view, grad_view):
        x = np.frombuffer(x_view, dtype=np.float64).reshape(shape).copy()  # f may keep x
        result = f(x)
        value, grad = result if isinstance(result, tuple) else (result, None)
        if grad_view is not None:
            if grad is None:
                raise ValueError("f must return (value, grad) for grad_check")
            np.frombuffer(grad_view, dtype=np.float64)[:] = np.asarray(grad, dtype=np.float64).ravel()
        return float(value)

    return call


def numerical_gradient(f: Callable, x, h: float = 1e-5) -> np.ndarray:
    """(f(x + h e_i) - f(x - h e_i)) / 2h for every i, in float64, on a copy of x. f returns
    a value, or (value, grad) whose grad is ignored. An exception raised by f propagates."""
    x = np.array(x, dtype=np.float64)
    out = np.empty_like(x)
    _gdopt.numerical_gradient(_objective(f, x.shape, False), x.ravel(), number(h, "h"), out.reshape(-1))
    return out


def grad_check(f: Callable, x, h: float = 1e-5) -> GradCheckResult:
    """Compares the gradient f returns, as (value, grad), with ``numerical_gradient``."""
    x = np.array(x, dtype=np.float64)
    return GradCheckResult(*_gdopt.gradcheck(_objective(f, x.shape, True), x.ravel(), number(h, "h")))
