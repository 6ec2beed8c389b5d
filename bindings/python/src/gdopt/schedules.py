"""Learning-rate schedules with torch.optim.lr_scheduler's values, computed by the library.

    opt = gdopt.SGD(lr=0.1, momentum=0.9)
    schedule = gdopt.schedules.CosineAnnealingLR(opt, t_max=100)
    for epoch in range(100):
        train_one_epoch(opt)
        schedule.step()          # sets opt.lr for the next epoch
"""
from __future__ import annotations

from typing import Optional

from . import _gdopt
from ._checks import WHOLE_MAX, name as checked_name, number, whole

__all__ = ["Schedule", "ConstantLR", "StepLR", "ExponentialLR", "CosineAnnealingLR", "WarmupCosine", "InverseTime",
           "OneCycleLR", "ReduceLROnPlateau"]


class Schedule:
    """Base of the schedules: ``lr_at(step)`` is the rate at a step (from 0); ``step()``
    advances one step and sets the attached optimizer's ``lr``. ``base_lr`` defaults to the
    attached optimizer's lr, as torch takes it from the optimizer."""

    kind = ""

    def __init__(self, optimizer=None, base_lr: Optional[float] = None, **parameters: float) -> None:
        self._handle = _gdopt.Schedule(self.kind)
        if base_lr is None and optimizer is not None:
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


class ConstantLR(Schedule):
    """base_lr at every step."""
    kind = "constant"


class StepLR(Schedule):
    """base_lr · gamma^⌊t / step_size⌋ (torch.optim.lr_scheduler.StepLR)."""
    kind = "step"

    def __init__(self, optimizer=None, step_size: int = 1, gamma: float = 0.1, base_lr: Optional[float] = None) -> None:
        super().__init__(optimizer, base_lr, step_size=step_size, gamma=gamma)


class ExponentialLR(Schedule):
    """base_lr · gamma^t."""
    kind = "exponential"

    def __init__(self, optimizer=None, gamma: float = 0.9, base_lr: Optional[float] = None) -> None:
        super().__init__(optimizer, base_lr, gamma=gamma)


class CosineAnnealingLR(Schedule):
    """eta_min + (base − eta_min)(1 + cos(π t / t_max))/2, torch's closed form."""
    kind = "cosine"

    def __init__(self, optimizer=None, t_max: int = 100, eta_min: float = 0.0, base_lr: Optional[float] = None) -> None:
        super().__init__(optimizer, base_lr, t_max=t_max, eta_min=eta_min)


class WarmupCosine(Schedule):
    """Linear warm-up base·(t+1)/w for t < w, then cosine annealing to eta_min at t_max."""
    kind = "warmup_cosine"

    def __init__(self, optimizer=None, warmup_steps: int = 10, t_max: int = 100, eta_min: float = 0.0,
                 base_lr: Optional[float] = None) -> None:
        super().__init__(optimizer, base_lr, warmup_steps=warmup_steps, t_max=t_max, eta_min=eta_min)


class InverseTime(Schedule):
    """base_lr / (1 + decay·t)."""
    kind = "inverse_time"

    def __init__(self, optimizer=None, decay: float = 0.01, base_lr: Optional[float] = None) -> None:
        super().__init__(optimizer, base_lr, decay=decay)


class OneCycleLR(Schedule):
    """torch.optim.lr_scheduler.OneCycleLR with cosine annealing (does not use base_lr)."""
    kind = "one_cycle"

    def __init__(self, optimizer=None, max_lr: float = 0.1, total_steps: int = 100, pct_start: float = 0.3,
                 div_factor: float = 25.0, final_div_factor: float = 1e4) -> None:
        super().__init__(None, None, max_lr=max_lr, total_steps=total_steps, pct_start=pct_start,
                         div_factor=div_factor, final_div_factor=final_div_factor)
        if optimizer is not None:
            self.attach(optimizer)


class ReduceLROnPlateau(Schedule):
    """torch's ReduceLROnPlateau (mode min, relative threshold, cooldown 0): ``step(metric)``."""
    kind = "plateau"

    def __init__(self, optimizer=None, factor: float = 0.1, patience: int = 10, threshold: float = 1e-4,
                 min_lr: float = 0.0, base_lr: Optional[float] = None) -> None:
        super().__init__(optimizer, base_lr, factor=factor, patience=patience, threshold=threshold, min_lr=min_lr)

    def step(self, metric: float) -> float:  # type: ignore[override]
        self._handle.observe(number(metric, "metric"))
        return super().step()
