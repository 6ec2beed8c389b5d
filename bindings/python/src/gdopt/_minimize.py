"""gdopt.minimize: the library's minimize drivers, in the manner of scipy.optimize.minimize."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

from . import _gdopt
from ._gradcheck import numerical_gradient

REASONS = {1: "gtol", 2: "ftol", 3: "xtol", 4: "max_iter", 5: "max_evals", 6: "callback"}
MESSAGES = {
    1: "the gradient's largest component is at most gtol",
    2: "the decrease of f fell below ftol",
    3: "the step fell below xtol, or a line search found no decrease",
    4: "max_iter iterations were reached",
    5: "max_evals evaluations were reached",
    6: "the callback asked to stop",
}


@dataclass(frozen=True)
class Progress:
    """What ``callback`` receives after each iteration; returning True stops the run."""

    iteration: int
    evaluations: int
    f: float
    grad_norm: float
    step: float


@dataclass
class MinimizeResult:
    """The result: ``x`` is the best point seen; ``history`` is the learning curve."""

    x: np.ndarray
    fun: float
    grad_norm: float
    nit: int
    nfev: int
    reason: str
    message: str
    success: bool
    history: dict = field(repr=False)


def minimize(f: Callable, x0, method: str = "lbfgs", jac: bool = True,
             callback: Optional[Callable[[Progress], Optional[bool]]] = None, progress: bool = False,
             **options) -> MinimizeResult:
    """Minimises f from x0 with one of "gd", "gd_linesearch", "momentum", "adam", "lbfgs",
    "newton", "random_search", "random_local_search". With ``jac=True`` f returns
    ``(value, grad)`` (scipy's convention); with ``jac=False`` it returns the value and the
    gradient methods use centred differences (``nfev`` counts every real call of f).
    ``options`` are the solver's (max_iter, max_evals, gtol, ftol, xtol, lr, momentum,
    memory, c1, c2, seed, step_scale, lower, upper). ``callback(progress)`` runs after each
    iteration and stops the run by returning True; ``progress=True`` shows a tqdm bar.
    An exception raised by f or callback reaches the caller unchanged; NaN from f raises
    RuntimeError. x0 is not modified."""
    x = np.array(x0, dtype=np.float64).ravel().copy()
    shape = np.shape(x0)
    calls = [0]
    history = {"iteration": [], "f": [], "grad_norm": []}

    def value_and_gradient(point: np.ndarray):
        calls[0] += 1
        result = f(point.reshape(shape))
        if jac:
            value, grad = result
            return float(value), np.asarray(grad, dtype=np.float64).ravel()
        return float(result), None

    def objective(x_view, grad_view):
        point = np.frombuffer(x_view, dtype=np.float64).copy()
        value, grad = value_and_gradient(point)
        if grad_view is not None:
            out = np.frombuffer(grad_view, dtype=np.float64)
            if grad is None:
                grad = numerical_gradient(lambda p: value_and_gradient(p)[0], point)
            out[:] = grad
        if not history["iteration"]:  # the starting point opens the learning curve
            norm = float(np.max(np.abs(grad))) if grad is not None else float("nan")
            history["iteration"].append(0), history["f"].append(value), history["grad_norm"].append(norm)
        return value

    bar = _progress_bar(options.get("max_iter", 1000)) if progress else None

    def on_iteration(iteration, evaluations, value, grad_norm, step):
        history["iteration"].append(iteration), history["f"].append(value), history["grad_norm"].append(grad_norm)
        if bar is not None:
            bar.update(1)
            bar.set_postfix(f=f"{value:.3g}")
        return bool(callback(Progress(iteration, evaluations, value, grad_norm, step))) if callback else False

    try:
        fun, grad_norm, nit, _, reason = _gdopt.minimize(method, {k: float(v) for k, v in options.items()},
                                                          objective, x, on_iteration)
    finally:
        if bar is not None:
            bar.close()
    return MinimizeResult(x=x.reshape(shape), fun=fun, grad_norm=grad_norm, nit=nit, nfev=calls[0],
                          reason=REASONS[reason], message=MESSAGES[reason], success=reason <= 3,
                          history={k: np.array(v, dtype=np.int64 if k == "iteration" else np.float64)
                                   for k, v in history.items()})


def _progress_bar(total: float):
    from tqdm import tqdm  # only when asked for

    return tqdm(total=int(total), desc="minimize", leave=False)
