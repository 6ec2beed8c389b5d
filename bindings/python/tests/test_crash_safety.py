"""A process killed (SIGKILL) while it saves checkpoints over and over never leaves a
broken file: what is on disk is always a complete checkpoint, old or new, and it loads."""
import os
import random
import signal
import subprocess
import sys
import time

import numpy as np

import gdopt

WRITER = r"""
import sys, numpy as np, gdopt
path = sys.argv[1]
opt = gdopt.Adam(lr=0.01)
p = np.zeros(400_000, dtype=np.float32)   # about 3 MB of state: a save takes a while
g = np.ones_like(p)
print("ready", flush=True)
while True:
    opt.step(p, g)
    opt.save(path)
"""


def test_sigkill_during_saves_leaves_a_loadable_checkpoint(tmp_path):
    path = str(tmp_path / "run.ckpt")
    seed = gdopt.Adam(lr=0.01)
    seed.step(np.zeros(400_000, dtype=np.float32), np.ones(400_000, dtype=np.float32))
    seed.save(path)  # a complete checkpoint exists before the first kill
    rng = random.Random(0)
    steps_seen = set()
    for _ in range(25):
        child = subprocess.Popen([sys.executable, "-c", WRITER, path], stdout=subprocess.PIPE)
        assert child.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.0, 0.25))
        child.send_signal(signal.SIGKILL)
        child.wait()
        loaded = gdopt.Adam()
        loaded.load(path)  # raises if the file were torn or half-written
        state = loaded.state_dict()["state"][0]
        assert state["n"] == 400_000 and state["step"] >= 1 and loaded.lr == 0.01
        steps_seen.add(state["step"])
    assert len(steps_seen) > 1  # the kills did land during different saves
    for name in os.listdir(tmp_path):  # a kill between create and rename may leave a temporary file
        assert name == "run.ckpt" or name.startswith("run.ckpt.tmp-")
