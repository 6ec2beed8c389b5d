"""The stateless kernels: one optimizer update of ``p`` in place, with state buffers the
caller owns (numpy arrays of p's dtype and length, started at zero, or at
``initial_accumulator_value`` for Adagrad's ``state_sum``). ``t`` is the 1-based step
count. The optimizer classes run these same kernels, so both give the same bits.

    m, v = np.zeros_like(p), np.zeros_like(p)
    for t in range(1, 101):
        gdopt.kernels.adam_update(p, grad(p), m, v, t=t, lr=1e-3)

Pass a state buffer only when the configuration uses it (momentum_buffer when momentum >
0, grad_avg when centered, max_exp_avg_sq with amsgrad); a missing one raises ValueError.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from . import _gdopt
from ._checks import WHOLE_MAX, flag, number, pair, whole
from ._optimizers import defaults

# The defaults are the library's tables', as the optimizer classes' are.
_sgd, _adagrad, _rmsprop, _adam, _lion, _adamax, _adadelta, _rprop, _nadam, _radam, _asgd, _adafactor = (
    defaults(kind) for kind in ("sgd", "adagrad", "rmsprop", "adam", "lion", "adamax", "adadelta", "rprop", "nadam",
                                "radam", "asgd", "adafactor"))


def sgd_update(p: np.ndarray, g: np.ndarray, momentum_buffer: Optional[np.ndarray] = None, *, t: int, lr: float,
               momentum: float = _sgd.momentum, dampening: float = _sgd.dampening,
               weight_decay: float = _sgd.weight_decay, nesterov: bool = _sgd.nesterov,
               maximize: bool = _sgd.maximize) -> None:
    _gdopt.kernel_update("sgd", (p, g, momentum_buffer, None, None), ("p", "g", "momentum_buffer", "", ""), _step(t),
                         _numbers(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay)
                         + _flags(nesterov=nesterov, maximize=maximize))


def adagrad_update(p: np.ndarray, g: np.ndarray, state_sum: np.ndarray, *, t: int, lr: float = _adagrad.lr,
                   lr_decay: float = _adagrad.lr_decay, weight_decay: float = _adagrad.weight_decay,
                   eps: float = _adagrad.eps, maximize: bool = _adagrad.maximize) -> None:
    _gdopt.kernel_update("adagrad", (p, g, state_sum, None, None), ("p", "g", "state_sum", "", ""), _step(t),
                         _numbers(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay, eps=eps)
                         + _flags(maximize=maximize))


def rmsprop_update(p: np.ndarray, g: np.ndarray, square_avg: np.ndarray, grad_avg: Optional[np.ndarray] = None,
                   momentum_buffer: Optional[np.ndarray] = None, *, lr: float = _rmsprop.lr,
                   alpha: float = _rmsprop.alpha, eps: float = _rmsprop.eps,
                   weight_decay: float = _rmsprop.weight_decay, momentum: float = _rmsprop.momentum,
                   centered: bool = _rmsprop.centered, maximize: bool = _rmsprop.maximize) -> None:
    """RMSprop's update does not depend on the step count, so it takes no ``t``."""
    _gdopt.kernel_update("rmsprop", (p, g, square_avg, grad_avg, momentum_buffer),
                         ("p", "g", "square_avg", "grad_avg", "momentum_buffer"), 1,
                         _numbers(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum)
                         + _flags(centered=centered, maximize=maximize))


def adam_update(p: np.ndarray, g: np.ndarray, exp_avg: np.ndarray, exp_avg_sq: np.ndarray,
                max_exp_avg_sq: Optional[np.ndarray] = None, *, t: int, lr: float = _adam.lr,
                betas: tuple[float, float] = _adam.betas, eps: float = _adam.eps,
                weight_decay: float = _adam.weight_decay, decoupled: bool = False, amsgrad: bool = _adam.amsgrad,
                maximize: bool = _adam.maximize) -> None:
    """``decoupled=True`` is AdamW's weight decay (p *= 1 - lr*weight_decay)."""
    decoupled, amsgrad, maximize = _flags(decoupled=decoupled, amsgrad=amsgrad, maximize=maximize)
    flags = ((_gdopt.ADAM_DECOUPLED if decoupled else 0) | (_gdopt.ADAM_AMSGRAD if amsgrad else 0)
             | (_gdopt.ADAM_MAXIMIZE if maximize else 0))
    _gdopt.kernel_update("adam", (p, g, exp_avg, exp_avg_sq, max_exp_avg_sq),
                         ("p", "g", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"), _step(t),
                         (number(lr, "lr"),) + pair(betas, "betas") + _numbers(eps=eps, weight_decay=weight_decay)
                         + (flags,))


def lion_update(p: np.ndarray, g: np.ndarray, exp_avg: np.ndarray, *, lr: float = _lion.lr,
                betas: tuple[float, float] = _lion.betas, weight_decay: float = _lion.weight_decay,
                maximize: bool = _lion.maximize) -> None:
    """Lion (Chen et al. 2023): no bias correction, so no ``t``; weight decay is decoupled."""
    _gdopt.kernel_update("lion", (p, g, exp_avg, None, None), ("p", "g", "exp_avg", "", ""), 1,
                         (number(lr, "lr"),) + pair(betas, "betas") + _numbers(weight_decay=weight_decay)
                         + _flags(maximize=maximize))


def adamax_update(p: np.ndarray, g: np.ndarray, exp_avg: np.ndarray, exp_inf: np.ndarray, *, t: int,
                  lr: float = _adamax.lr, betas: tuple[float, float] = _adamax.betas, eps: float = _adamax.eps,
                  weight_decay: float = _adamax.weight_decay, maximize: bool = _adamax.maximize) -> None:
    _gdopt.kernel_update("adamax", (p, g, exp_avg, exp_inf, None), ("p", "g", "exp_avg", "exp_inf", ""), _step(t),
                         (number(lr, "lr"),) + pair(betas, "betas") + _numbers(eps=eps, weight_decay=weight_decay)
                         + _flags(maximize=maximize))


def adadelta_update(p: np.ndarray, g: np.ndarray, square_avg: np.ndarray, acc_delta: np.ndarray, *,
                    lr: float = _adadelta.lr, rho: float = _adadelta.rho, eps: float = _adadelta.eps,
                    weight_decay: float = _adadelta.weight_decay, maximize: bool = _adadelta.maximize) -> None:
    """Adadelta's update does not depend on the step count, so it takes no ``t``."""
    _gdopt.kernel_update("adadelta", (p, g, square_avg, acc_delta, None), ("p", "g", "square_avg", "acc_delta", ""),
                         1, _numbers(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay) + _flags(maximize=maximize))


def rprop_update(p: np.ndarray, g: np.ndarray, prev: np.ndarray, step_size: np.ndarray, *,
                 etas: tuple[float, float] = _rprop.etas, step_sizes: tuple[float, float] = _rprop.step_sizes,
                 maximize: bool = _rprop.maximize) -> None:
    """Start ``prev`` at 0 and ``step_size`` at the learning rate (torch's lr), as the Rprop class
    does; the update takes no ``t`` and no ``lr``."""
    _gdopt.kernel_update("rprop", (p, g, prev, step_size, None), ("p", "g", "prev", "step_size", ""), 1,
                         pair(etas, "etas") + pair(step_sizes, "step_sizes") + _flags(maximize=maximize))


def nadam_update(p: np.ndarray, g: np.ndarray, exp_avg: np.ndarray, exp_avg_sq: np.ndarray, *, t: int,
                 mu_product: float = 1.0, lr: float = _nadam.lr, betas: tuple[float, float] = _nadam.betas,
                 eps: float = _nadam.eps, weight_decay: float = _nadam.weight_decay,
                 momentum_decay: float = _nadam.momentum_decay,
                 decoupled_weight_decay: bool = _nadam.decoupled_weight_decay,
                 maximize: bool = _nadam.maximize) -> float:
    """Returns the new ``mu_product``: pass it back at the next step (it starts at 1)."""
    return _gdopt.kernel_update("nadam", (p, g, exp_avg, exp_avg_sq, None), ("p", "g", "exp_avg", "exp_avg_sq", ""),
                                _step(t), (number(lr, "lr"),) + pair(betas, "betas")
                                + _numbers(eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay)
                                + _flags(decoupled_weight_decay=decoupled_weight_decay, maximize=maximize),
                                (number(mu_product, "mu_product"), 0.0))


def radam_update(p: np.ndarray, g: np.ndarray, exp_avg: np.ndarray, exp_avg_sq: np.ndarray, *, t: int,
                 lr: float = _radam.lr, betas: tuple[float, float] = _radam.betas, eps: float = _radam.eps,
                 weight_decay: float = _radam.weight_decay,
                 decoupled_weight_decay: bool = _radam.decoupled_weight_decay,
                 maximize: bool = _radam.maximize) -> None:
    _gdopt.kernel_update("radam", (p, g, exp_avg, exp_avg_sq, None), ("p", "g", "exp_avg", "exp_avg_sq", ""),
                         _step(t), (number(lr, "lr"),) + pair(betas, "betas")
                         + _numbers(eps=eps, weight_decay=weight_decay)
                         + _flags(decoupled_weight_decay=decoupled_weight_decay, maximize=maximize))


def asgd_update(p: np.ndarray, g: np.ndarray, ax: np.ndarray, *, t: int, eta: float, mu: float = 1.0,
                lr: float = _asgd.lr, lambd: float = _asgd.lambd, alpha: float = _asgd.alpha, t0: float = _asgd.t0,
                weight_decay: float = _asgd.weight_decay, maximize: bool = _asgd.maximize) -> tuple[float, float]:
    """Returns the new ``(eta, mu)``: pass them back at the next step (they start at lr and 1)."""
    return _gdopt.kernel_update("asgd", (p, g, ax, None, None), ("p", "g", "ax", "", ""), _step(t),
                                _numbers(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay)
                                + _flags(maximize=maximize), (number(eta, "eta"), number(mu, "mu")))


def adafactor_update(p: np.ndarray, g: np.ndarray, row_var: Optional[np.ndarray] = None,
                     col_var: Optional[np.ndarray] = None, variance: Optional[np.ndarray] = None, *, t: int,
                     lr: float = _adafactor.lr, beta2_decay: float = _adafactor.beta2_decay,
                     eps: tuple[Optional[float], float] = _adafactor.eps, d: float = _adafactor.d,
                     weight_decay: float = _adafactor.weight_decay, maximize: bool = _adafactor.maximize) -> None:
    """A 2-D ``p`` (rows x cols) is factored, as torch factors it: pass ``row_var`` (rows
    elements) and ``col_var`` (cols). Any other ``p`` takes ``variance``, shaped like p.
    ``eps=(None, ...)`` uses the dtype's machine epsilon, as torch does."""
    rows, cols = p.shape if isinstance(p, np.ndarray) and p.ndim == 2 else (0, 0)
    eps1, eps2 = eps if isinstance(eps, (tuple, list)) and len(eps) == 2 else pair(eps, "eps")
    _gdopt.kernel_update("adafactor", (p, g, row_var, col_var, variance), ("p", "g", "row_var", "col_var", "variance"),
                         _step(t), (rows, cols) + _numbers(lr=lr, beta2_decay=beta2_decay)
                         + (0.0 if eps1 is None else number(eps1, "eps[0]"), number(eps2, "eps[1]"))
                         + _numbers(d=d, weight_decay=weight_decay) + _flags(maximize=maximize))


def _step(t) -> int:
    return whole(t, "t", minimum=1, maximum=WHOLE_MAX)


def _numbers(**values) -> tuple:
    return tuple(number(value, name) for name, value in values.items())


def _flags(**values) -> tuple:
    return tuple(int(flag(value, name)) for name, value in values.items())
