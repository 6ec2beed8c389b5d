"""gdopt.minimize and gdopt.Minimizer: the library's minimize drivers, in the manner of
scipy.optimize.minimize, as a callback run or as ask/tell (reverse communication)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

from . import _gdopt
from ._checks import name as checked_name, number

METHODS = ("gd", "gd_linesearch", "momentum", "adam", "lbfgs", "newton", "random_search", "random_local_search")
REASONS = {_gdopt.CONVERGED_GTOL: "gtol", _gdopt.CONVERGED_FTOL: "ftol", _gdopt.CONVERGED_XTOL: "xtol",
           _gdopt.MAX_ITER: "max_iter", _gdopt.MAX_EVALS: "max_evals", _gdopt.STOPPED_BY_CALLBACK: "callback",
           _gdopt.LINESEARCH_FAILED: "linesearch"}
MESSAGES = {
    _gdopt.CONVERGED_GTOL: "the (projected) gradient's largest component is at most gtol",
    _gdopt.CONVERGED_FTOL: "the decrease of f fell below ftol",
    _gdopt.CONVERGED_XTOL: "the step fell below xtol",
    _gdopt.MAX_ITER: "max_iter iterations were reached",
    _gdopt.MAX_EVALS: "max_evals evaluations were reached",
    _gdopt.STOPPED_BY_CALLBACK: "the callback asked to stop",
    _gdopt.LINESEARCH_FAILED: "a line search found no decrease",
}
CONVERGED = frozenset({_gdopt.CONVERGED_GTOL, _gdopt.CONVERGED_FTOL, _gdopt.CONVERGED_XTOL})
TASKS = {_gdopt.TASK_EVALUATE: "evaluate", _gdopt.TASK_ITERATE: "iterate", _gdopt.TASK_DONE: "done"}


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


def _bounds_arrays(bounds, n: int):
    """(lower, upper) float64 arrays of n from scipy's forms: a sequence of (low, high) pairs
    with None for no bound, or an object with ``lb`` and ``ub`` (scipy.optimize.Bounds);
    scalars broadcast."""
    if bounds is None:
        return None, None
    if hasattr(bounds, "lb") and hasattr(bounds, "ub"):
        lows, highs = bounds.lb, bounds.ub
    else:
        pairs = list(bounds)
        if len(pairs) != n:
            raise ValueError(f"bounds has {len(pairs)} pairs, x0 has {n} entries")
        try:
            lows, highs = zip(*pairs) if pairs else ((), ())
        except (TypeError, ValueError):
            raise TypeError("bounds must be a sequence of (low, high) pairs or an object with lb and ub") from None

    def side(values, infinity):
        if not isinstance(values, (tuple, list)):
            values = np.asarray(values, dtype=object)
            values = [values.ravel()[0]] * n if values.size == 1 else list(values.ravel())
        if len(values) != n:
            raise ValueError(f"bounds has {len(values)} entries, x0 has {n}")
        return np.array([infinity if v is None else number(v, "bounds") for v in values], dtype=np.float64)

    return side(lows, -np.inf), side(highs, np.inf)


def _solver(method: str, options: dict, bounds, n: int) -> "_gdopt.Solver":
    if not isinstance(method, str):
        raise TypeError(f"method must be a str, got {type(method).__name__}")
    solver = _gdopt.Solver(method)
    for name, value in options.items():
        solver.set(checked_name(name, "option"), number(value, f"option {name}"))
    lower, upper = _bounds_arrays(bounds, n)
    solver.set_bounds(lower, upper)
    return solver


def minimize(f: Callable, x0, method: str = "lbfgs", jac: bool = True, bounds=None,
             callback: Optional[Callable[[Progress], Optional[bool]]] = None, progress: bool = False,
             **options) -> MinimizeResult:
    """Minimises f from x0 with one of "gd", "gd_linesearch", "momentum", "adam", "lbfgs"
    (L-BFGS-B with bounds), "newton", "random_search", "random_local_search". With
    ``jac=True`` f returns ``(value, grad)`` (scipy's convention); with ``jac=False`` it
    returns the value and the solver differences it (centred, one-sided at a bound; ``nfev``
    counts every call). ``bounds``: n (low, high) pairs (None for no bound) or an object
    with ``lb`` and ``ub`` (scipy.optimize.Bounds); f is never called outside them.
    ``options`` are the solver's (max_iter, max_evals, gtol, ftol, xtol, lr, momentum,
    memory, c1, c2, seed, step_scale, lower, upper). ``callback(progress)`` runs after each
    iteration and stops the run by returning True; ``progress=True`` shows a tqdm bar. An
    exception raised by f or callback reaches the caller unchanged; NaN from f raises
    RuntimeError. x0 is not modified."""
    x = np.array(x0, dtype=np.float64).ravel().copy()
    shape = np.shape(x0)
    if not jac:
        options = {**options, "finite_differences": 1}
    solver = _solver(method, options, bounds, x.size)
    calls = [0]
    history = {"iteration": [], "f": [], "grad_norm": []}

    def objective(x_view, grad_view):
        calls[0] += 1
        point = np.frombuffer(x_view, dtype=np.float64).reshape(shape)
        if grad_view is None:  # the random methods, or differences of f
            value = float(f(point)[0] if jac else f(point))
        else:
            value, grad = f(point)
            np.frombuffer(grad_view, dtype=np.float64)[:] = np.asarray(grad, dtype=np.float64).ravel()
            value = float(value)
            if not history["iteration"]:  # the starting point opens the learning curve
                norm = float(np.max(np.abs(np.frombuffer(grad_view, dtype=np.float64))))
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
        fun, grad_norm, nit, _, reason = solver.minimize(objective, x, on_iteration)
    finally:
        if bar is not None:
            bar.close()
    return MinimizeResult(x=x.reshape(shape), fun=fun, grad_norm=grad_norm, nit=nit, nfev=calls[0],
                          reason=REASONS[reason], message=MESSAGES[reason], success=reason in CONVERGED,
                          history={k: np.array(v, dtype=np.int64 if k == "iteration" else np.float64)
                                   for k, v in history.items()})


class Minimizer:
    """Reverse communication (ask/tell), for objectives that cannot be a Python callback
    (a simulation stepped elsewhere, an MPI job, a scheduler)::

        m = gdopt.Minimizer("lbfgs", x0, bounds=[(0, None)] * n, gtol=1e-8)
        while True:
            task, x = m.ask()          # "evaluate", "iterate" or "done"; x is a fresh copy
            if task == "evaluate":
                m.tell(*f_and_grad(x))  # tell(f) alone for random methods / finite_differences=1
            elif task == "done":
                break
        print(m.result)

    ``save(path)`` between two calls and ``Minimizer.load(path)`` in another process
    continue the run bit for bit (callbacks are not saved)."""

    def __init__(self, method: str, x0, bounds=None, **options):
        x0 = np.array(x0, dtype=np.float64).ravel()
        self._solver = _solver(method, options, bounds, x0.size)
        self.method = method
        self._x = x0.copy()
        self._solver.begin(x0)

    def ask(self) -> tuple[str, np.ndarray]:
        """The next task and its point (a new array each call)."""
        task = self._solver.ask(self._x)
        return TASKS[task], self._x.copy()

    def tell(self, f: float, grad=None) -> None:
        """f and the gradient at the last "evaluate" point. NaN ends the run (RuntimeError)."""
        if grad is not None:
            grad = np.ascontiguousarray(grad, dtype=np.float64).ravel()
        self._solver.tell(number(f, "f"), grad, self._x.size)

    def stop(self) -> None:
        """The next ask gives "done" with reason "callback"."""
        self._solver.stop()

    @property
    def result(self) -> MinimizeResult:
        """The result once ask has given "done" (RuntimeError before, and for a run NaN ended)."""
        fun, grad_norm, nit, nfev, reason, error = self._solver.result()
        if error is not None:
            raise RuntimeError(error)
        x = self._x.copy()
        return MinimizeResult(x=x, fun=fun, grad_norm=grad_norm, nit=nit, nfev=nfev, reason=REASONS[reason],
                              message=MESSAGES[reason], success=reason in CONVERGED,
                              history={"iteration": np.array([], dtype=np.int64), "f": np.array([]),
                                       "grad_norm": np.array([])})

    def save(self, path) -> None:
        """A crash-safe checkpoint of the options, bounds and the whole run."""
        self._solver.save(path)

    @classmethod
    def load(cls, path) -> "Minimizer":
        """The run saved at ``path``, ready to ask again."""
        with open(os.fspath(path), "rb") as file:
            data = file.read()
        last_error = None
        for method in METHODS:  # the checkpoint names its method; the library checks which
            solver = _gdopt.Solver(method)
            try:
                solver.deserialize(data)
            except ValueError as error:
                last_error = error
                continue
            self = cls.__new__(cls)
            self._solver, self.method = solver, method
            self._x = np.zeros(solver.dimension())
            return self
        raise ValueError(f"{path} is not a solver checkpoint: {last_error}")


def _progress_bar(total: float):
    from tqdm import tqdm  # only when asked for

    return tqdm(total=int(total), desc="minimize", leave=False)
