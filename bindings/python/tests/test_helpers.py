"""batches, clip_grad_norm and set_num_threads."""
import numpy as np
import pytest

import gdopt

MASK = (1 << 64) - 1


def splitmix_permutation(n, seed, epoch):
    """The contract's permutation (§8), recomputed here."""
    state = (seed + epoch * 0x9E3779B97F4A7C15) & MASK
    perm = list(range(n))
    for i in range(n - 1, 0, -1):
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        z ^= z >> 31
        j = z % (i + 1)
        perm[i], perm[j] = perm[j], perm[i]
    return perm


@pytest.mark.parametrize("n,size,seed,epoch", [(10, 3, 0, 0), (100, 32, 42, 7), (1, 5, 1, 1)])
def test_batches_follow_the_contract_and_keep_the_short_batch(n, size, seed, epoch):
    parts = list(gdopt.batches(n, size, seed=seed, epoch=epoch))
    assert [len(b) for b in parts] == [min(size, n - i) for i in range(0, n, size)]
    assert np.concatenate(parts).tolist() == splitmix_permutation(n, seed, epoch)
    assert parts[0].dtype == np.intp


def test_batches_change_with_the_epoch():
    first = np.concatenate(list(gdopt.batches(50, 10, seed=1, epoch=0)))
    second = np.concatenate(list(gdopt.batches(50, 10, seed=1, epoch=1)))
    assert sorted(first) == sorted(second) == list(range(50)) and not np.array_equal(first, second)


def test_clip_grad_norm_returns_the_norm_before_clipping():
    a, b = np.array([3.0, 0.0]), np.array([0.0, 4.0])
    assert gdopt.clip_grad_norm([a, b], 1.0) == 5.0
    np.testing.assert_allclose(np.concatenate([a, b]), np.array([3, 0, 0, 4]) / (5 + 1e-6), rtol=1e-15)
    small = np.array([0.1], dtype=np.float32)
    assert gdopt.clip_grad_norm(small, 1.0) == pytest.approx(0.1) and small[0] == np.float32(0.1)
    with pytest.raises(TypeError, match="another dtype"):
        gdopt.clip_grad_norm([a, small], 1.0)
    with pytest.raises(ValueError, match="max_norm"):
        gdopt.clip_grad_norm([a], -1.0)


def test_set_num_threads():
    gdopt.set_num_threads(1)
    gdopt.set_num_threads(0)
    with pytest.raises(ValueError, match="k=-1"):
        gdopt.set_num_threads(-1)


def _build_info_in(env_changes: dict) -> tuple:
    """build_info and one float32 matrix product's bytes, in a fresh process."""
    import os
    import subprocess
    import sys
    # A small product, its gradients (a transposed operand each) and a product above the JIT's size.
    code = ("import gdopt, numpy as np\n"
            "t = gdopt.Tape(np.float32); r = np.random.default_rng(0)\n"
            "a = t.variable(r.standard_normal((64, 64)).astype(np.float32))\n"
            "b = t.variable(r.standard_normal((64, 128)).astype(np.float32))\n"
            "big = t.constant(r.standard_normal((128, 256)).astype(np.float32))\n"
            "p = a @ b; ((p @ big) * 1e-2).sum().backward()\n"
            "out = np.concatenate([p.value.ravel(), a.grad.ravel(), b.grad.ravel()])\n"
            "print(gdopt.build_info()); print(out.tobytes().hex())\n")
    env = {k: v for k, v in os.environ.items() if k not in ("GDOPT_BLAS", "OPENBLAS_CORETYPE")}
    env.update(env_changes)
    info, data = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                check=True).stdout.splitlines()
    return info, np.frombuffer(bytes.fromhex(data), np.float32)


def test_build_info_names_the_blas_and_the_fallback_to_blis():
    """The products use OpenBLAS unless its core predates an AVX2 CPU (forced here with
    OPENBLAS_CORETYPE=Prescott, the core OpenBLAS 0.3.21 picks on the newest Intel CPUs): then
    libxsmm's JIT kernels below 2M multiply-adds and BLIS above. GDOPT_BLAS forces either.
    Both give the same products and gradients to float32 rounding."""
    import gdopt
    assert "matrix products: " in gdopt.build_info() and "gdopt kernels: " in gdopt.build_info()
    openblas, by_openblas = _build_info_in({"GDOPT_BLAS": "openblas"})
    assert openblas.startswith("matrix products: OpenBLAS")
    with open("/proc/cpuinfo") as cpuinfo:
        avx2 = " avx2 " in cpuinfo.read()
    blis, by_blis = _build_info_in({"GDOPT_BLAS": "blis"})
    if not blis.startswith("matrix products: libxsmm"):
        pytest.skip("BLIS (libblis4) is not installed")
    assert "BLIS 0.9" in blis
    np.testing.assert_allclose(by_blis, by_openblas, rtol=1e-4, atol=1e-4)
    fallback, _ = _build_info_in({"OPENBLAS_CORETYPE": "Prescott"})
    if avx2:
        assert fallback.startswith("matrix products: libxsmm") and "predates this CPU" in fallback
    else:
        assert fallback.startswith("matrix products: OpenBLAS")


def test_large_products_are_the_same_bits_on_one_and_two_threads():
    """A product above the single-thread size runs on gdopt's threads (libxsmm, split by rows)
    or the BLAS's (OpenBLAS, split by output blocks): the thread count does not change bits."""
    import os
    import subprocess
    import sys
    code = ("import gdopt, numpy as np\n"
            "r = np.random.default_rng(3); out = []\n"
            "for threads in (1, 2):\n"
            "    gdopt.set_num_threads(threads); t = gdopt.Tape(np.float32)\n"
            "    a = t.variable(r.standard_normal((250, 512)).astype(np.float32))\n"
            "    b = t.variable(r.standard_normal((512, 64)).astype(np.float32))\n"
            "    p = a @ b; p.sum().backward()\n"
            "    out.append(np.concatenate([p.value.ravel(), a.grad.ravel(), b.grad.ravel()]).tobytes())\n"
            "    r = np.random.default_rng(3)\n"
            "print(out[0] == out[1])\n")
    for blas in ("openblas", "blis"):
        result = subprocess.run([sys.executable, "-c", code], env={**os.environ, "GDOPT_BLAS": blas},
                                capture_output=True, text=True, check=True).stdout.strip()
        assert result == "True", blas
