"""gdopt: gradient-descent optimizers that update numpy arrays in place, with torch.optim's
update rules and defaults, running in libgdopt (a Swift core behind a C ABI).
``gdopt.kernels`` has the stateless kernels; ``gdopt.distributed`` (needs mpi4py) the MPI steps."""
from __future__ import annotations

from typing import Iterator, Sequence, Union

import numpy as np

from . import _gdopt, kernels, schedules
from ._checks import number, whole
from ._gdopt import NonFiniteError
from ._gradcheck import GradCheckResult, grad_check, numerical_gradient
from ._minimize import Minimizer, MinimizeResult, Progress, minimize
from ._optimizers import (ASGD, SGD, Adadelta, Adafactor, Adagrad, Adam, Adamax, AdamW, Lion, NAdam, Optimizer, RAdam,
                          RMSprop, Rprop)
from ._tape import Node, Tape, multiclass_hinge, softmax_cross_entropy

__version__ = _gdopt.version()
build_info = _gdopt.build_info  # the BLAS and its kernels, the LAPACK, gdopt's vector level
__all__ = ["SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "Lion", "Adamax", "Adadelta", "Rprop", "NAdam", "RAdam",
           "ASGD", "Adafactor", "Optimizer",
           "NonFiniteError",
           "clip_grad_norm",
           "batches", "set_num_threads", "Tape", "Node", "softmax_cross_entropy", "multiclass_hinge",
           "numerical_gradient", "grad_check", "GradCheckResult", "minimize", "Minimizer", "MinimizeResult", "Progress",
           "schedules",
           "kernels",
           "build_info", "__version__"]


def clip_grad_norm(grads: Union[np.ndarray, Sequence[np.ndarray]], max_norm: float) -> float:
    """Scales ``grads`` in place so that their global L2 norm is at most ``max_norm``
    (torch's clip_grad_norm_: factor max_norm / (norm + 1e-6) when that is < 1) and returns
    the norm from before clipping. All arrays must share one dtype."""
    if isinstance(grads, np.ndarray):
        grads = [grads]
    return _gdopt.clip_grad_norm(list(grads), number(max_norm, "max_norm"))


def batches(n: int, batch_size: int, seed: int = 0, epoch: int = 0) -> Iterator[np.ndarray]:
    """Yields index arrays covering ``range(n)`` in the deterministic order of gdopt_shuffle
    (the same in C, Swift and Python), ``batch_size`` at a time; the last batch may be short."""
    n, batch_size = whole(n, "n", minimum=1), whole(batch_size, "batch_size", minimum=1)
    seed, epoch = whole(seed, "seed", maximum=2**64 - 1), whole(epoch, "epoch", maximum=2**64 - 1)
    perm = np.empty(n, dtype=np.uintp)
    _gdopt.shuffle(seed, epoch, perm)
    perm = perm.view(np.intp)
    for start in range(0, n, batch_size):
        yield perm[start:start + batch_size]


def set_num_threads(k: int) -> None:
    """Threads used by large steps, the caller's included; 0 means one per CPU."""
    _gdopt.set_num_threads(whole(k, "k", maximum=2**31 - 1))
