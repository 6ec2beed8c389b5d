"""The library carries its loops for three SIMD levels and picks one by cpuid; every level
must give the same bits. Each level runs in a process of its own (GDOPT_SIMD lowers the
level; it is read once), over every optimizer and every tape op, and the digests of all
their results must be equal. A level above the CPU's runs the CPU's own."""
import os
import subprocess
import sys
from pathlib import Path

LEVELS = {"baseline": "x86-64 baseline (SSE2)", "avx2": "x86-64-v3 (AVX2)", "avx512": "x86-64-v4 (AVX-512)"}


def run(level):
    env = dict(os.environ, GDOPT_SIMD=level)
    out = subprocess.run([sys.executable, str(Path(__file__).with_name("simd_worker.py"))], env=env,
                         capture_output=True, text=True, check=True).stdout.split("\n")
    return out[0], out[1]


def test_every_simd_level_gives_the_same_bits():
    supported = run("")[0]  # an unknown name leaves the CPU's level
    order = list(LEVELS.values())
    results = {level: run(level) for level in LEVELS}
    for level, (used, _) in results.items():
        assert used == order[min(order.index(LEVELS[level]), order.index(supported))], (level, used)
    digests = {digest for _, digest in results.values()}
    assert len(digests) == 1, results
    print(f"CPU level {supported}; levels run: {sorted({used for used, _ in results.values()})}")
