"""gdopt against trajectories recorded from torch.optim itself (data/torch_trajectories.npz,
written by data/make_torch_trajectories.py): no torch needed. Each case steps a 48-element
parameter 100 times with gradients from a fixed seed; gdopt must end where torch ended."""
import json
import pathlib
import sys

import numpy as np
import pytest

import gdopt

DATA = pathlib.Path(__file__).parent / "data"
sys.path.insert(0, str(DATA))
from make_torch_trajectories import gradients, start  # noqa: E402

RECORD = json.loads((DATA / "torch_trajectories.json").read_text())
ENDS = np.load(DATA / "torch_trajectories.npz")
# torch keeps NAdam's mu_product and ASGD's eta and mu in float32 tensors, gdopt in doubles;
# float32 tolerances cover the FMA in torch's vectorised lerp (one rounding against our two).
TOLERANCE = {np.float64: {"NAdam": 1e-8, "ASGD": 1e-8}, np.float32: {}}
DEFAULT = {np.float64: 1e-12, np.float32: 2e-5}


def options(case):
    """torch's keywords as gdopt's classes take them (JSON turned tuples into lists)."""
    return {key: tuple(value) if isinstance(value, list) else value for key, value in case["options"].items()}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("index", range(len(RECORD["cases"])),
                         ids=[f"{c['class']}-{i}" for i, c in enumerate(RECORD["cases"])])
def test_gdopt_ends_where_torch_ended(index, dtype):
    case = RECORD["cases"][index]
    shape = tuple(case["shape"]) if case["shape"] else None
    p = start(index, dtype).reshape(shape or -1)
    opt = getattr(gdopt, case["class"])([p], **options(case))
    for g in gradients(index, dtype):
        opt.step(g.reshape(p.shape))
    expected = ENDS[f"{index}-{np.dtype(dtype).name}"]
    tolerance = TOLERANCE[dtype].get(case["class"], DEFAULT[dtype])
    scale = np.abs(expected).max()
    assert np.abs(p.reshape(-1) - expected).max() <= tolerance * scale
