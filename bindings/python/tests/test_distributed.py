"""gdopt.distributed under mpirun with 1, 2 and 4 ranks (loopback and shared memory only):
the checks themselves are in mpi_worker.py."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

WORKER = Path(__file__).with_name("mpi_worker.py")
# Open MPI refuses root unless told, and needs --oversubscribe for more ranks than cores.
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")


def mpirun(ranks, *args):
    command = ["mpirun", "-n", str(ranks), "--oversubscribe", "--mca", "btl", "self,vader",
               "--mca", "oob_tcp_if_include", "lo", sys.executable, str(WORKER), *args]
    run = subprocess.run(command, capture_output=True, text=True, env=ENV, timeout=600)
    assert run.returncode == 0, f"{' '.join(command)} failed:\n{run.stdout[-4000:]}\n{run.stderr[-4000:]}"
    return [line for line in run.stdout.splitlines() if line.startswith("PASS")]


@pytest.mark.parametrize("ranks", [1, 2, 4])
def test_distributed_steps_equal_one_process(ranks):
    passed = mpirun(ranks, "trajectories")
    assert len(passed) == 3 + 6 * 3, passed  # coverage, memory, bad config, 6 configs x (f32, f64 exact; f64 random)


def test_sharded_checkpoint_reshards_from_4_to_2_and_1(tmp_path):
    assert mpirun(4, "save", str(tmp_path))
    for ranks in (2, 1):
        assert len(mpirun(ranks, "resume", str(tmp_path))) == 6
    assert len(mpirun(4, "resume", str(tmp_path))) == 6
