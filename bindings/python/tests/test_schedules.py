"""gdopt.schedules against torch.optim.lr_scheduler's formulas, written out here."""
import math

import pytest

import gdopt
from gdopt import schedules


@pytest.mark.parametrize("make,formula", [
    (lambda: schedules.StepLR(step_size=3, gamma=0.5, base_lr=0.4), lambda t: 0.4 * 0.5 ** (t // 3)),
    (lambda: schedules.ExponentialLR(gamma=0.9, base_lr=0.4), lambda t: 0.4 * 0.9 ** t),
    (lambda: schedules.CosineAnnealingLR(t_max=10, eta_min=0.01, base_lr=0.4),
     lambda t: 0.01 + (0.4 - 0.01) * (1 + math.cos(math.pi * t / 10)) / 2),
    (lambda: schedules.WarmupCosine(warmup_steps=4, t_max=20, base_lr=0.4),
     lambda t: 0.4 * (t + 1) / 4 if t < 4 else 0.0 if t > 20 else 0.4 * (1 + math.cos(math.pi * (t - 4) / 16)) / 2),
    (lambda: schedules.InverseTime(decay=0.5, base_lr=0.4), lambda t: 0.4 / (1 + 0.5 * t)),
    (lambda: schedules.ConstantLR(base_lr=0.4), lambda t: 0.4),
])
def test_closed_forms(make, formula):
    schedule = make()
    for t in range(30):
        assert schedule.lr_at(t) == pytest.approx(formula(t), rel=1e-14, abs=1e-300)


def test_one_cycle_matches_torchs_phases():
    s = schedules.OneCycleLR(max_lr=1.0, total_steps=10)
    initial, final = 1 / 25, 1 / 25 / 1e4

    def anneal(a, b, pct):
        return b + (a - b) / 2 * (1 + math.cos(math.pi * pct))

    expected = [anneal(initial, 1.0, t / 2) if t <= 2 else anneal(1.0, final, (t - 2) / 7) for t in range(10)]
    assert [s.lr_at(t) for t in range(10)] == pytest.approx(expected, rel=1e-13)


def test_step_sets_the_optimizers_lr_and_base_lr_comes_from_it():
    opt = gdopt.SGD(lr=0.2)
    schedule = schedules.StepLR(opt, step_size=1, gamma=0.5)
    assert opt.lr == 0.2 and schedule.get_last_lr() == 0.2
    assert [schedule.step() for _ in range(3)] == [0.1, 0.05, 0.025] and opt.lr == 0.025
    other = gdopt.Adam()
    schedules.OneCycleLR(max_lr=0.5, total_steps=20).attach(other)
    assert other.lr == pytest.approx(0.5 / 25)


def test_plateau_reduces_after_patience():
    opt = gdopt.Adam(lr=1.0)
    plateau = schedules.ReduceLROnPlateau(opt, patience=2, factor=0.5)
    rates = [plateau.step(m) for m in [10, 9, 9, 9, 9, 8, 8, 8, 8]]
    assert rates == [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25] and opt.lr == 0.25


def test_bad_parameters_raise():
    with pytest.raises(ValueError, match="gamma=-1"):
        schedules.StepLR(gamma=-1)
    with pytest.raises(ValueError, match="warmup_steps"):
        schedules.WarmupCosine(warmup_steps=50, t_max=10).lr_at(0)
    with pytest.raises(ValueError, match="factor=1"):
        schedules.ReduceLROnPlateau(factor=1.0)
