"""What every benchmark prints first: the CPU, the BLAS each side uses and its kernel, and
the SIMD level of gdopt's own kernels (machines of one kind differ: AMD EPYC with AVX2,
Intel Xeon with AVX-512, and Debian's OpenBLAS 0.3.21 falls back to Prescott kernels on
the newer Intel CPUs)."""
import ctypes
import ctypes.util
import os
import platform


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def cpu_simd() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            flags = next(line for line in cpuinfo if line.startswith("flags")).split()
    except (OSError, StopIteration):
        return "unknown"
    return ", ".join(f for f in ("avx512f", "avx2", "fma", "sse2") if f in flags)


def debian_openblas_core() -> str:
    """The kernel Debian's libopenblas (the one libgdopt links) picks on this CPU."""
    try:
        library = ctypes.CDLL("libopenblas.so.0")
        library.openblas_get_corename.restype = ctypes.c_char_p
        library.openblas_get_config.restype = ctypes.c_char_p
        return f"{library.openblas_get_config().decode()} core {library.openblas_get_corename().decode()}"
    except (OSError, AttributeError):
        return "not found"


def numpy_blas() -> str:
    try:
        import numpy  # noqa: F401  (loads numpy's own BLAS)
        import scipy.linalg  # noqa: F401
        from threadpoolctl import threadpool_info

        blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        return "; ".join(f"{i.get('internal_api')} {i.get('version')} {i.get('architecture')} "
                         f"({os.path.basename(i['filepath'])})" for i in blas) or "none loaded"
    except ImportError:
        return "threadpoolctl not installed"


def describe(threads: int | None = None) -> str:
    lines = [f"CPU: {cpu_model()} ({os.cpu_count()} cores; {cpu_simd()})",
             f"gdopt kernels: x86-64 baseline build (SSE2 vectors; `make native` builds AVX2+FMA)",
             f"gdopt's BLAS/LAPACK: Debian libopenblas: {debian_openblas_core()}",
             f"numpy/scipy BLAS: {numpy_blas()}"]
    if "OPENBLAS_CORETYPE" in os.environ:
        lines.append(f"OPENBLAS_CORETYPE={os.environ['OPENBLAS_CORETYPE']} (set by the machine)")
    if threads is not None:
        lines.append(f"gdopt threads: {threads}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(describe())
