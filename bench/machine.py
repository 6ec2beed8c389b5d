"""What every benchmark prints first: the CPU, the BLAS each side uses and its kernel, and
the SIMD level of gdopt's own kernels (machines of one kind differ: AMD EPYC with AVX2,
Intel Xeon with AVX-512, and Debian's OpenBLAS 0.3.21 falls back to Prescott kernels on
the newer Intel CPUs)."""
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


def cpu_family_model() -> str:
    """cpuid's family and model: which OpenBLAS knows the CPU depends on them."""
    fields = {}
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                key, _, value = line.partition(":")
                fields.setdefault(key.strip(), value.strip())
    except OSError:
        pass
    return f"family {fields.get('cpu family', '?')} model {fields.get('model', '?')}"


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
    import gdopt

    lines = [f"CPU: {cpu_model()} ({cpu_family_model()}; {os.cpu_count()} cores; {cpu_simd()})",
             "gdopt.build_info():", *(f"  {part}" for part in gdopt.build_info().split("; ")),
             f"numpy/scipy BLAS: {numpy_blas()}"]
    for name in ("OPENBLAS_CORETYPE", "GDOPT_BLAS"):
        if name in os.environ:
            lines.append(f"{name}={os.environ[name]} (set in the environment)")
    if threads is not None:
        lines.append(f"gdopt threads: {threads}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(describe())
