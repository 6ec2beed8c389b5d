"""Learning-rate schedules with torch.optim.lr_scheduler's values, computed by the library.

    opt = gdopt.SGD(lr=0.1, momentum=0.9)
    schedule = gdopt.schedules.CosineAnnealingLR(opt, t_max=100)
    for epoch in range(100):
        train_one_epoch(opt)
        schedule.step()          # sets opt.lr for the next epoch
"""
from __future__ import annotations

import inspect
from typing import Optional

from . import _gdopt
from ._checks import WHOLE_MAX, name as checked_name, number, whole

# The classes are made from the library's tables (schedule_kinds, schedule_params): their
# parameters and defaults are the library's. Written here: torch's class name and the
# formula of each kind, and the kinds that do not start from base_lr.
CLASSES_AND_FORMULAS = {
    "constant": ("ConstantLR", "base_lr at every step."),
    "step": ("StepLR", "base_lr · gamma^⌊t / step_size⌋ (torch.optim.lr_scheduler.StepLR)."),
    "exponential": ("ExponentialLR", "base_lr · gamma^t."),
    "cosine": ("CosineAnnealingLR", "eta_min + (base − eta_min)(1 + cos(π t / t_max))/2, torch's closed form."),
    "warmup_cosine": ("WarmupCosine",
                      "Linear warm-up base·(t+1)/w for t < w, then cosine annealing to eta_min at t_max."),
    "inverse_time": ("InverseTime", "base_lr / (1 + decay·t)."),
    "one_cycle": ("OneCycleLR", "torch.optim.lr_scheduler.OneCycleLR with cosine annealing (does not use base_lr)."),
    "plateau": ("ReduceLROnPlateau",
                "torch's ReduceLROnPlateau (mode min, relative threshold, cooldown 0): ``step(metric)``."),
}
NO_BASE_LR = ("one_cycle",)
OBSERVES_A_METRIC = ("plateau",)


class Schedule:
    """Base of the schedules: ``lr_at(step)`` is the rate at a step (from 0); ``step()``
    advances one step and sets the attached optimizer's ``lr``. ``base_lr`` defaults to the
    attached optimizer's lr, as torch takes it from the optimizer."""

    kind = ""

    def __init__(self, optimizer=None, base_lr: Optional[float] = None, **parameters: float) -> None:
        self._handle = _gdopt.Schedule(self.kind)
        if base_lr is None and optimizer is not None and self.kind not in NO_BASE_LR:
            base_lr = optimizer.lr
        if base_lr is not None:
            parameters["base_lr"] = base_lr
        for name, value in parameters.items():
            self._handle.set(checked_name(name, "schedule parameter"), number(value, name))
        self.last_step = 0
        self.optimizer = None
        if optimizer is not None:
            self.attach(optimizer)

    def lr_at(self, step: int) -> float:
        return self._handle.lr(whole(step, "step", maximum=WHOLE_MAX))

    def get_last_lr(self) -> float:
        """The rate at the current step."""
        return self.lr_at(self.last_step)

    def attach(self, optimizer) -> "Schedule":
        """Sets ``optimizer.lr`` now and on every ``step()``."""
        self.optimizer = optimizer
        optimizer.lr = self.get_last_lr()
        return self

    def step(self) -> float:
        self.last_step += 1
        lr = self.get_last_lr()
        if self.optimizer is not None:
            self.optimizer.lr = lr
        return lr


class _Observing(Schedule):
    """A schedule that steps on a metric."""

    def step(self, metric: float) -> float:  # type: ignore[override]
        self._handle.observe(number(metric, "metric"))
        return super().step()


def _make_class(kind: str) -> type:
    name, formula = CLASSES_AND_FORMULAS[kind]
    positional = inspect.Parameter.POSITIONAL_OR_KEYWORD
    parameters = [inspect.Parameter("self", positional), inspect.Parameter("optimizer", positional, default=None)]
    for parameter, default, _, _, flags in _gdopt.schedule_params(kind):
        if parameter != "base_lr":
            value = int(default) if flags == _gdopt.PARAM_INTEGER else default
            parameters.append(inspect.Parameter(parameter, positional, default=value))
    if kind not in NO_BASE_LR:
        parameters.append(inspect.Parameter("base_lr", positional, default=None))
    signature = inspect.Signature(parameters)

    def __init__(self, *args, **kwargs) -> None:
        given = signature.bind(self, *args, **kwargs).arguments
        given.pop("self")
        Schedule.__init__(self, given.pop("optimizer", None), given.pop("base_lr", None), **given)

    __init__.__signature__ = signature
    __init__.__qualname__ = f"{name}.__init__"
    base = _Observing if kind in OBSERVES_A_METRIC else Schedule
    return type(name, (base,), {"kind": kind, "__doc__": formula, "__init__": __init__, "__module__": __name__})


CLASSES = {kind: _make_class(kind) for kind in _gdopt.schedule_kinds()}  # by kind
globals().update({cls.__name__: cls for cls in CLASSES.values()})
__all__ = ["Schedule"] + [cls.__name__ for cls in CLASSES.values()]
