"""Optimizer steps across MPI ranks (mpi4py), for models and simulations that outgrow one
machine. Two patterns, both in place on the caller's numpy buffers:

- ``DataParallel(opt, comm)``: every rank holds all params and all optimizer state; a
  step averages each gradient over the ranks with an in-place ``Allreduce`` and then
  steps ``opt``. Communication per step and rank, ring algorithm: 2(P-1)/P * n elements.
- ``ShardedOptimizer(kind, comm, **hyperparameters)``, ZeRO stage 1: rank r holds the
  optimizer state of a contiguous 1/P shard of each slot only. A step reduce-scatters the
  gradients (rank r receives the summed shard r), averages that shard, steps the matching
  slice of the params in place with an ordinary gdopt optimizer whose slots are this
  rank's shards, and allgathers the params. Communication: (P-1)/P * n for each collective, the same
  2(P-1)/P * n in all; state memory per rank: 1/P of the single-process state.

Every rank calls ``step`` with its own local gradients, in the same order; afterwards all
ranks hold the same params, equal to one process stepping the averaged gradient.
Importing this module needs mpi4py.
"""
from __future__ import annotations

import json
import os
from typing import Any, Sequence, Union

import numpy as np
from mpi4py import MPI

from . import _gdopt
from ._optimizers import CLASSES as _CLASSES, Optimizer

ArrayList = Union[np.ndarray, Sequence[np.ndarray]]
_MPI_TYPES = {np.dtype(np.float32): MPI.FLOAT, np.dtype(np.float64): MPI.DOUBLE}
_MANIFEST_FORMAT = "gdopt-sharded-checkpoint"


def _pairs(params: ArrayList, grads: ArrayList) -> list:
    params = [params] if isinstance(params, np.ndarray) else list(params)
    grads = [grads] if isinstance(grads, np.ndarray) else list(grads)
    if len(params) != len(grads):
        raise ValueError(f"got {len(params)} params and {len(grads)} grads")
    for i, (p, g) in enumerate(zip(params, grads)):
        if not isinstance(p, np.ndarray) or not isinstance(g, np.ndarray):
            raise TypeError(f"params[{i}] and grads[{i}] must be numpy arrays")
        if p.dtype not in _MPI_TYPES or g.dtype != p.dtype or g.size != p.size:
            raise ValueError(f"params[{i}] ({p.dtype}, {p.size}) and grads[{i}] ({g.dtype}, {g.size}) must be "
                             "float32 or float64 arrays of one dtype and size")
        if not (p.flags.c_contiguous and g.flags.c_contiguous and p.flags.writeable and g.flags.writeable):
            raise ValueError(f"params[{i}] and grads[{i}] must be writable and C-contiguous (they are used in place)")
    return list(zip(params, grads))


def shard_bounds(n: int, size: int, rank: int) -> tuple[int, int]:
    """Rank ``rank``'s contiguous share [lo, hi) of n elements over ``size`` ranks: the
    first n % size ranks get one element more. Shards may be empty when n < size."""
    base, extra = divmod(n, size)
    lo = rank * base + min(rank, extra)
    return lo, lo + base + (1 if rank < extra else 0)


def state_bytes(optimizer: Optimizer) -> int:
    """Bytes of state an optimizer object holds (its state buffers, every slot)."""
    return sum(value.nbytes for entry in optimizer.state_dict()["state"].values()
               for value in entry.values() if isinstance(value, np.ndarray))


class DataParallel:
    """Averages gradients over ``comm`` (in-place Allreduce on the arrays themselves, no
    copies), then steps ``optimizer``. ``grads`` are overwritten with the average, as
    torch's DistributedDataParallel does with ``.grad``."""

    def __init__(self, optimizer: Optimizer, comm: MPI.Comm) -> None:
        self.optimizer, self.comm = optimizer, comm

    def step(self, params: ArrayList, grads: ArrayList) -> None:
        pairs = _pairs(params, grads)
        for _, g in pairs:
            if self.comm.size > 1:  # one rank: the sum and the average are g itself
                self.comm.Allreduce(MPI.IN_PLACE, g, op=MPI.SUM)
                np.divide(g, self.comm.size, out=g)
        self.optimizer.step([p for p, _ in pairs], [g for _, g in pairs])

    @property
    def state_bytes(self) -> int:
        return state_bytes(self.optimizer)


class _Shard:
    """One slot's share on this rank: its bounds and received gradient (its state is the
    rank's optimizer's slot of the same number)."""

    def __init__(self, n: int, dtype: np.dtype, comm: MPI.Comm) -> None:
        self.n, self.dtype, self.step = n, dtype, 0
        bounds = [shard_bounds(n, comm.size, r) for r in range(comm.size)]
        self.lo, self.hi = bounds[comm.rank]
        self.counts = [hi - lo for lo, hi in bounds]
        self.displacements = [lo for lo, _ in bounds]
        # The summed gradient shard, reused by every step (one rank reads its own gradient).
        self.grad = np.empty(self.hi - self.lo if comm.size > 1 else 0, dtype)


class ShardedOptimizer:
    """ZeRO stage 1 over ``comm``: ``kind`` is any optimizer kind ("sgd", "adam", "lion", ...),
    with the keyword arguments (and defaults) of the matching gdopt class.
    ``reject_nonfinite`` and ``max_grad_norm`` are not supported: both need the whole
    gradient, which no rank holds. ``grads`` are only read."""

    def __init__(self, kind: str, comm: MPI.Comm, **hyperparameters: Any) -> None:
        if kind not in _CLASSES:
            raise ValueError(f"kind={kind!r} must be one of {', '.join(_CLASSES)}")
        for name in ("reject_nonfinite", "max_grad_norm"):
            if hyperparameters.get(name):
                raise ValueError(f"{name} is not supported by ShardedOptimizer (no rank holds the whole gradient)")
        self.kind, self.comm = kind, comm
        # Slot i of this optimizer is this rank's shard of slot i (ranks with an empty shard
        # hold no state for it); its hyperparameters are the checkpoint's.
        self._optimizer = _CLASSES[kind](**hyperparameters)
        self._shards: dict[int, _Shard] = {}
        self._checked: dict = {}  # the hyperparameters a step last accepted

    @property
    def lr(self) -> float:
        return self._optimizer.lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._optimizer.lr = value

    def get(self, name: str) -> float:
        return self._optimizer.get(name)

    def set(self, name: str, value: float) -> None:
        self._optimizer.set(name, value)

    @property
    def hyperparameters(self) -> dict:
        return {name: self._optimizer.get(name) for name, *_ in _gdopt.optimizer_params(self.kind)}

    def shard(self, slot: int) -> tuple[int, int]:
        """This rank's [lo, hi) of a slot that has stepped."""
        return self._shards[slot].lo, self._shards[slot].hi

    @property
    def state_bytes(self) -> int:
        """Bytes of optimizer state this rank holds (the gradient buffers not included)."""
        return state_bytes(self._optimizer)

    def step(self, params: ArrayList, grads: ArrayList) -> None:
        pairs = _pairs(params, grads)
        for slot, (p, g) in enumerate(pairs):
            shard = self._shards.get(slot)
            if shard is not None and (shard.n != p.size or shard.dtype != p.dtype):
                raise ValueError(f"slot {slot} was created with n={shard.n} ({shard.dtype}), "
                                 f"got n={p.size} ({p.dtype})")
        h = self.hyperparameters
        if h != self._checked:
            # The options (nesterov needs momentum, ...) are checked by a step of a scratch
            # optimizer on every rank: a rank whose shard is empty must fail as well, before
            # any collective, or the others would wait for it. Once per setting.
            scratch = _CLASSES[self.kind]()
            scratch.load_state_dict({"kind": self.kind, "hyperparameters": h, "state": {}})
            scratch.step(np.zeros(1), np.zeros(1))
            self._checked = h
        for slot, (p, g) in enumerate(pairs):
            shard = self._shards.get(slot)
            if shard is None:
                shard = self._shards[slot] = _Shard(p.size, p.dtype, self.comm)
            flat = p.reshape(-1)
            mpi_type = _MPI_TYPES[p.dtype]
            if self.comm.size == 1:  # nothing to exchange: the local gradient is the whole shard
                self._optimizer._handle.step(flat, g.reshape(-1), (slot,))
            else:
                self.comm.Reduce_scatter(g.reshape(-1), [shard.grad, mpi_type], recvcounts=shard.counts, op=MPI.SUM)
                np.divide(shard.grad, self.comm.size, out=shard.grad)
                if shard.hi > shard.lo:
                    self._optimizer._handle.step(flat[shard.lo:shard.hi], shard.grad, (slot,))
                self.comm.Allgatherv(MPI.IN_PLACE, [flat, shard.counts, shard.displacements, mpi_type])
            shard.step += 1

    # ---- Checkpoints ------------------------------------------------------------------

    def save(self, path: str) -> None:
        """Collective. Each rank writes its shard as a crash-safe gdopt checkpoint next to
        ``path``; when all are written, rank 0 writes the manifest at ``path`` (also by
        temporary file, fsync and rename), and the previous checkpoint's shard files are
        removed. At every moment ``path`` names one complete set of shards."""
        comm = self.comm
        generation = comm.bcast(os.urandom(8).hex() if comm.rank == 0 else None)
        previous = comm.bcast(_previous_shards(path) if comm.rank == 0 else None)
        name = f"{os.path.basename(path)}.{generation}.shard{comm.rank}of{comm.size}"
        _collective(comm, lambda: self._optimizer.save(os.path.join(os.path.dirname(path) or ".", name)))
        names = comm.allgather(name)
        manifest = {"format": _MANIFEST_FORMAT, "version": 1, "kind": self.kind, "world_size": comm.size,
                    "hyperparameters": self.hyperparameters, "shards": names,
                    "slots": {str(slot): {"n": shard.n, "dtype": shard.dtype.name, "step": shard.step}
                              for slot, shard in self._shards.items()}}
        _collective(comm, lambda: _write_atomically(path, json.dumps(manifest, indent=1)) if comm.rank == 0 else None)
        for old in previous[comm.rank::comm.size]:
            if old not in names:
                _remove(os.path.join(os.path.dirname(path) or ".", old))

    def load(self, path: str) -> None:
        """Collective. Restores a checkpoint written by ``save`` with any number of ranks:
        each rank reads the parts of the old shards that overlap its new shard. Everything
        is read and checked before this optimizer changes."""
        manifest = _read_manifest(path)
        if manifest.get("format") != _MANIFEST_FORMAT or manifest.get("version") != 1:
            raise ValueError(f"{path} is not a gdopt sharded checkpoint manifest")
        if manifest["kind"] != self.kind:
            raise ValueError(f"{path} holds a {manifest['kind']!r} optimizer, this one is {self.kind!r}")
        folder, old_size = os.path.dirname(path) or ".", manifest["world_size"]
        reader, old_states = _CLASSES[self.kind](), {}

        def old_state(rank: int) -> dict:
            if rank not in old_states:
                reader.load(os.path.join(folder, manifest["shards"][rank]))  # checks magic, CRC, sizes
                old_states[rank] = reader.state_dict()["state"]
            return old_states[rank]

        shards, state = {}, {}
        for key, entry in manifest["slots"].items():
            shard = _Shard(entry["n"], np.dtype(entry["dtype"]), self.comm)
            shard.step = entry["step"]
            buffers: dict = {}
            for old_rank in range(old_size):
                old_lo, old_hi = shard_bounds(shard.n, old_size, old_rank)
                lo, hi = max(shard.lo, old_lo), min(shard.hi, old_hi)
                if lo >= hi:
                    continue
                for name, values in old_state(old_rank)[int(key)].items():
                    if isinstance(values, np.ndarray):
                        target = buffers.setdefault(name, np.empty(shard.hi - shard.lo, shard.dtype))
                        target[lo - shard.lo:hi - shard.lo] = values[lo - old_lo:hi - old_lo]
            shards[int(key)] = shard
            if shard.hi > shard.lo:
                state[int(key)] = {"step": shard.step, "dtype": shard.dtype.name, "n": shard.hi - shard.lo, **buffers}
        self._optimizer.load_state_dict({"kind": self.kind, "hyperparameters": manifest["hyperparameters"],
                                         "state": state})
        self._shards = shards


def _collective(comm: MPI.Comm, action) -> None:
    """Runs action on every rank; if it failed anywhere, raises on every rank."""
    try:
        action()
        error = None
    except Exception as exception:  # reported to all ranks, then re-raised here
        error = f"rank {comm.rank}: {exception}"
    errors = [e for e in comm.allgather(error) if e]
    if errors:
        raise RuntimeError("checkpoint failed: " + "; ".join(errors))


def _previous_shards(path: str) -> list:
    """The shard files of the checkpoint now at path, to remove once it is replaced."""
    try:
        return list(_read_manifest(path).get("shards", []))
    except (OSError, ValueError, AttributeError):  # none yet, or not a manifest: nothing to remove
        return []


def _read_manifest(path: str) -> dict:
    with open(path, encoding="utf-8") as file:
        return json.load(file)


def _write_atomically(path: str, text: str) -> None:
    """The manifest's crash safety, as gdopt_optimizer_save does it for checkpoints."""
    folder = os.path.dirname(path) or "."
    temporary = f"{path}.tmp-{os.getpid()}"
    with open(temporary, "w", encoding="utf-8") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
