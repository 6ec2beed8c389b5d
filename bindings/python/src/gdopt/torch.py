"""gdopt.torch: torch.optim.Optimizer subclasses whose step runs gdopt's update rules, for
every kind the library has (``gdopt.torch.Adam``, ``gdopt.torch.NAdam``, ... and ``Lion``):

    opt = gdopt.torch.Adam(model.parameters(), lr=1e-3)
    for x, y in batches:
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

- The params are stepped in place with no copy: each CPU float32/float64 tensor's numpy view
  goes to the library, and one library call steps every param of a group. CUDA, sparse,
  non-contiguous and other dtypes raise ValueError naming the param.
- param_groups with per-group options, ``add_param_group``, ``zero_grad`` and
  ``torch.optim.lr_scheduler`` work as for torch.optim: each step reads the group's options.
- The state lives in the library (one handle per param group). ``state_dict()`` gives it in
  torch's layout (``state[i] = {"step": tensor, "exp_avg": tensor shaped like the param, ...}``),
  so a torch.optim checkpoint of the same algorithm loads with ``load_state_dict`` and the
  other way round; between those calls ``self.state`` is empty.
- The keywords are torch's and gdopt's (``reject_nonfinite``, ``max_grad_norm``); torch's
  ``foreach`` and ``fused`` are accepted and ignored, as the library picks its own loops.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np
import torch

from . import _gdopt
from ._optimizers import TORCH_CLASSES, _settings, keywords

# Accepted for torch compatibility; gdopt always runs its own fused, threaded loops.
IGNORED = ("foreach", "fused")


def _is_double(tensor: torch.Tensor) -> bool:
    return tensor.dtype == torch.float64


class Optimizer(torch.optim.Optimizer):
    """Base of gdopt.torch's classes; ``kind`` is the library's optimizer kind."""

    kind = ""

    def __init__(self, params, **options: Any) -> None:
        for name in IGNORED:
            options.pop(name, None)
        self._keywords = keywords(self.kind)  # read on every step: built once
        defaults = dict(self._keywords)
        _settings(self.kind, options)  # unknown keywords and wrong types fail here, as in torch
        defaults.update(options)
        self._handles: dict[int, tuple[Any, tuple]] = {}  # group index -> (library handle, settings applied)
        self._views: dict[torch.Tensor, tuple[int, np.ndarray]] = {}  # param -> (its data_ptr, its numpy view)
        super().__init__(params, defaults)
        for index, group in enumerate(self.param_groups):
            self._handle(index, group)  # the library checks every group's values now, as torch does

    def _handle(self, index: int, group: dict):
        """The group's library optimizer, with the group's current options applied."""
        # A torch.optim state_dict's groups lack gdopt's own options: they keep their defaults.
        current = tuple(group.setdefault(name, default) for name, default in self._keywords)
        handle, applied = self._handles.get(index, (None, None))
        if handle is None:
            handle = _gdopt.Optimizer(self.kind)
            for slot, p in enumerate(group["params"]):
                self._shape(handle, slot, p, f"param {slot} of group {index}")
        if current != applied:
            names = [name for name, _ in self._keywords]
            for name, value in _settings(self.kind, dict(zip(names, current))).items():
                handle.set(name, value)
            self._handles[index] = (handle, current)
        return handle

    def _shape(self, handle, slot: int, p: torch.Tensor, what: str) -> None:
        """A 2-D param's shape, for the kinds that factor their state (Adafactor), as torch does."""
        if p.dim() == 2:
            handle.set_shape(slot, *p.shape)
        elif p.dim() > 2 and self.kind == "adafactor":
            raise ValueError(f"{what} has shape {tuple(p.shape)}: gdopt.torch.Adafactor factors 2-D params only "
                             "(torch factors the last two dimensions of each matrix in the batch)")

    @staticmethod
    def _checked(p: torch.Tensor, what: str) -> None:
        if p.device.type != "cpu":
            raise ValueError(f"{what} is on {p.device}: gdopt.torch steps CPU tensors only")
        if p.dtype not in (torch.float32, torch.float64):
            raise ValueError(f"{what} is {p.dtype}: gdopt.torch steps float32 and float64 tensors")
        if p.grad.is_sparse:
            raise ValueError(f"{what} has a sparse gradient: gdopt.torch steps dense gradients only")
        if not p.is_contiguous() or not p.grad.is_contiguous():
            raise ValueError(f"{what} or its gradient is not contiguous: gdopt.torch makes no copy")

    def _view(self, p: torch.Tensor) -> np.ndarray:
        """The param's numpy view, made once (about 3 us a tensor) and kept while its storage is."""
        address = p.data_ptr()
        cached = self._views.get(p)
        if cached is None or cached[0] != address or cached[1].size != p.numel():
            cached = self._views[p] = (address, p.detach().numpy())
        return cached[1]

    @torch.no_grad()
    def step(self, closure: Optional[Callable[[], float]] = None):
        """One step of every param that has a gradient; returns the closure's loss, if any."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for index, group in enumerate(self.param_groups):
            slots = [slot for slot, p in enumerate(group["params"]) if p.grad is not None]
            if not slots:
                continue
            handle = self._handle(index, group)
            members = group["params"]
            try:
                # The library checks dtypes, sizes and layouts before it writes anything.
                handle.step([self._view(members[slot]) for slot in slots],
                            [members[slot].grad.numpy() for slot in slots], slots)
            except (TypeError, ValueError, RuntimeError):
                for slot in slots:  # say which param, and why, where torch's own words would not
                    self._checked(members[slot], f"param {slot} of group {index}")
                raise
        return loss

    def state_dict(self) -> dict:
        """torch's layout: the library's state copied into tensors shaped like the params."""
        names = _gdopt.optimizer_state_names(self.kind)
        scalars = _gdopt.optimizer_scalar_names(self.kind)
        self.state.clear()
        for index, group in enumerate(self.param_groups):
            if index not in self._handles:
                continue
            handle = self._handles[index][0]
            for slot in handle.slots():
                p = group["params"][slot]
                dtype_code, mask, n, step = handle.slot_info(slot)
                entry: dict = {"step": torch.tensor(float(step), dtype=torch.float32 if step < 2**24 else torch.float64)}
                for name in scalars:
                    entry[name] = torch.tensor(handle.scalar_get(slot, name), dtype=torch.float64)
                rows, cols = handle.slot_shape(slot)
                # torch's shapes: the param's, and Adafactor's factors as a column and a row.
                shapes = {"row_var": (rows, 1), "col_var": (1, cols)} if rows else {}
                for bit, name in enumerate(names):
                    if mask >> bit & 1:
                        shape = shapes.get(name, p.shape)
                        values = np.empty(int(np.prod(shape)), np.float64 if dtype_code == _gdopt.F64 else np.float32)
                        handle.state_get(slot, name, values)
                        entry[name] = torch.from_numpy(values).view(shape)
                self.state[p] = entry
        try:
            return super().state_dict()
        finally:
            self.state.clear()

    def load_state_dict(self, state_dict: dict) -> None:
        """Loads a state_dict of this algorithm, gdopt.torch's or torch.optim's."""
        super().load_state_dict(state_dict)
        names = _gdopt.optimizer_state_names(self.kind)
        scalars = _gdopt.optimizer_scalar_names(self.kind)
        try:
            self._handles.clear()
            for index, group in enumerate(self.param_groups):
                handle = self._handle(index, group)
                for slot, p in enumerate(group["params"]):
                    entry = self.state.get(p)
                    if not entry:
                        continue
                    present = [name for name in names if entry.get(name) is not None]
                    arrays = tuple(np.ascontiguousarray(entry[name].detach().reshape(-1).to(p.dtype).numpy())
                                   for name in present)
                    # torch's SGD keeps no step count; any count >= 1 continues its momentum.
                    step = int(entry["step"]) if "step" in entry else 1
                    handle.state_set(slot, max(step, 1), _is_double(p), p.numel(), tuple(present), arrays)
                    for name in scalars:
                        handle.scalar_set(slot, name, float(entry[name]))
        finally:
            self.state.clear()


def _make_class(kind: str) -> type:
    name = TORCH_CLASSES[kind]
    defaults = ", ".join(f"{keyword}={default!r}" for keyword, default in keywords(kind))
    doc = (f"torch.optim.{name}'s interface over gdopt's {kind!r} rule (torch's keywords and defaults: "
           f"{defaults}). See gdopt.torch.")
    return type(name, (Optimizer,), {"kind": kind, "__doc__": doc, "__module__": __name__})


CLASSES = {kind: _make_class(kind) for kind in _gdopt.optimizer_kinds()}
globals().update({cls.__name__: cls for cls in CLASSES.values()})
__all__ = ["Optimizer"] + [cls.__name__ for cls in CLASSES.values()]
