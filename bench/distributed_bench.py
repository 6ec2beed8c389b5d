"""Step time and optimizer-state memory per rank of gdopt.distributed at n = 1e7 (Adam,
float32), DataParallel against ShardedOptimizer. Run under mpirun with P ranks; rank 0
prints one table row per method (`make bench-mpi` runs P = 1, 2 and 4).

The communication volume is the ring algorithm's, per rank and step: an allreduce moves
2(P-1)/P * n elements; a reduce-scatter plus an allgather move (P-1)/P * n each, the same
in total. `make bench-mpi` runs the ranks over TCP on loopback, so the bytes each rank
writes to its sockets (wchar in /proc/self/io) measure that volume. On one 2-core machine
the ranks share the cores and the memory bus, so more ranks cannot run faster here: the
table shows the memory, and what the communication costs.
"""
import sys
import time

import numpy as np
from mpi4py import MPI

import gdopt
from gdopt.distributed import DataParallel, ShardedOptimizer

COMM = MPI.COMM_WORLD
P, RANK = COMM.size, COMM.rank
N = int(float(sys.argv[1])) if len(sys.argv) > 1 else 10_000_000
REPEATS = 11


def bytes_written() -> int:
    with open("/proc/self/io") as io:
        return next(int(line.split()[1]) for line in io if line.startswith("wchar"))


def measure(optimizer, params, grads):
    """Median step time (ms) and the bytes this rank wrote per step (MB)."""
    optimizer.step(params, grads)  # first step: state allocation
    times = []
    written = bytes_written()
    for _ in range(REPEATS):
        COMM.Barrier()
        start = time.perf_counter()
        optimizer.step(params, grads)
        COMM.Barrier()
        times.append(time.perf_counter() - start)
    return 1e3 * float(np.median(times)), (bytes_written() - written) / REPEATS / 1e6


def main():
    gdopt.set_num_threads(1)  # one core per rank; the ranks already share the machine
    params = np.zeros(N, np.float32)
    grads = np.full(N, 1e-3, np.float32)
    data_parallel = DataParallel(gdopt.Adam(), COMM)
    sharded = ShardedOptimizer("adam", COMM)
    rows = [("DataParallel", *measure(data_parallel, params, grads), data_parallel.state_bytes),
            ("ShardedOptimizer", *measure(sharded, params, grads), sharded.state_bytes)]
    formula = 2 * (P - 1) / P * N * 4 / 1e6  # MB per rank and step, either method
    if RANK == 0:
        if P == 1:
            print(f"Adam, float32, n = {N:.0e}, median of {REPEATS} steps; state = the optimizer's buffers on one rank")
            print("| P | method | step (ms) | state per rank (MB) | sent per rank and step: measured (formula), MB |")
            print("|---|---|---|---|---|")
        for name, ms, sent, state in rows:
            print(f"| {P} | {name} | {ms:.1f} | {state / 1e6:.1f} | {sent:.1f} ({formula:.1f}) |")


main()
