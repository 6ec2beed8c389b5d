"""Adam's step with compact state (issue 18): gdopt with float32, bfloat16 and int8 moments,
against torch.optim.Adam(fused=True) (float32 state), and bitsandbytes' AdamW8bit and
torchao's AdamW8bit on the CPU when they install and run there, at n = 2^17, 2^20 and 10·2^20, on 1
and 2 threads, in the same run.

Each measurement runs in a process of its own (a pool that stepped last keeps spinning on the
other core and slows the next), the optimizers alternating over 3 rounds; a worker reports the
median of 11 samples (each about 0.2 s of steps) of the time per step, and the table the median
over the rounds. n = 2^17 (its state and params fit in L2) shows the step's arithmetic alone;
2^20 and 10·2^20 are the issue's 1e6 and 1e7, as multiples of 256. State
bytes per element are measured: gdopt's from its checkpoint (the moment bytes it holds),
torch's and bitsandbytes' from their state tensors.

    pip install torch --index-url https://download.pytorch.org/whl/cpu   # optional peers
    pip install bitsandbytes torchao
    python3 bench/compact_state_bench.py
"""
import statistics
import subprocess
import sys
import time

import numpy as np

import gdopt
from machine import describe

OPTIMIZERS = ("gdopt float32", "gdopt bfloat16", "gdopt int8", "torch fused float32", "bitsandbytes AdamW8bit",
              "torchao AdamW8bit")
FORMATS = {"gdopt float32": "native", "gdopt bfloat16": "bfloat16", "gdopt int8": "int8"}


def gdopt_case(name, n):
    rng = np.random.default_rng(0)
    p = rng.standard_normal(n).astype(np.float32)
    g = (rng.standard_normal(n) * 1e-3).astype(np.float32)
    opt = gdopt.Adam([p], lr=1e-3, state_format=FORMATS[name])
    opt.step([g])
    # The checkpoint holds the moments as the slot does (int8's padding aside): its bytes less
    # those of an optimizer without state and one slot header (docs/checkpoint-format.md).
    empty = len(gdopt.Adam(state_format=FORMATS[name])._handle.serialize())
    state_bytes = (len(opt._handle.serialize()) - empty - 56) / n
    return (lambda: opt.step([g])), state_bytes


def torch_case(name, n):
    import torch
    generator = torch.Generator().manual_seed(0)
    param = torch.nn.Parameter(torch.randn(n, generator=generator))
    param.grad = torch.randn(n, generator=generator) * 1e-3
    if name == "torch fused float32":
        opt = torch.optim.Adam([param], lr=1e-3, fused=True)
    elif name == "bitsandbytes AdamW8bit":
        import bitsandbytes as bnb
        opt = bnb.optim.AdamW8bit([param], lr=1e-3, weight_decay=0)
    else:
        from torchao.optim import AdamW8bit
        opt = AdamW8bit([param], lr=1e-3, weight_decay=0)
    opt.step()
    state = opt.state[param]
    tensors = [t for t in state.values() if isinstance(t, torch.Tensor) and t.numel() > 1]
    state_bytes = 0.0
    for t in tensors:
        inner = getattr(t, "__tensor_flatten__", None)
        parts = [getattr(t, a) for a in inner()[0]] if inner else [t]  # torchao's subclass: codes and scales
        state_bytes += sum(part.element_size() * part.numel() for part in parts)
    return opt.step, state_bytes / n


def worker(name, n, threads):
    """Prints the median seconds per step and the state bytes per element, or why it cannot run."""
    gdopt.set_num_threads(threads)
    try:
        if not name.startswith("gdopt"):
            import torch
            torch.set_num_threads(threads)
        step, state_bytes = (gdopt_case if name.startswith("gdopt") else torch_case)(name, n)
        step()
    except Exception as error:  # a peer that does not install or run on the CPU
        print(f"unavailable: {type(error).__name__}: {str(error).splitlines()[0][:90]}")
        return
    start = time.perf_counter()
    step()
    repeats = max(1, int(0.2 / (time.perf_counter() - start)))  # about 0.2 s per sample
    times = []
    for _ in range(11):
        start = time.perf_counter()
        for _ in range(repeats):
            step()
        times.append((time.perf_counter() - start) / repeats)
    print(statistics.median(times), state_bytes)


def measure(name, n, threads):
    command = [sys.executable, __file__, "--worker", name, str(n), str(threads)]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()
    if out.startswith("unavailable"):
        return out
    seconds, state_bytes = map(float, out.split())
    return seconds, state_bytes


def versions():
    found = []
    for module in ("torch", "bitsandbytes", "torchao"):
        try:
            found.append(f"{module} {__import__(module).__version__}")
        except Exception as error:
            found.append(f"{module}: not installed ({type(error).__name__})")
    return "; ".join(found)


def main():
    print(describe())
    print(versions())
    print("Adam step on one float32 tensor, median ns per element; speed-up against gdopt float32 "
          "(above 1: faster); state bytes per element (both moments)")
    print(f"{'n':>8} {'thr':>3} {'optimizer':>24} {'ns/el':>7} {'vs f32':>7} {'state B/el':>10}")
    for n in (1 << 17, 1 << 20, 10 << 20):  # multiples of 256: torchao keeps others in float32
        for threads in (1, 2):
            results = {name: [] for name in OPTIMIZERS}
            for round_ in range(3):
                order = OPTIMIZERS if round_ % 2 == 0 else OPTIMIZERS[::-1]
                for name in order:
                    if results[name] and isinstance(results[name][0], str):
                        continue
                    result = measure(name, n, threads)
                    results[name] = [result] if isinstance(result, str) else results[name] + [result]
            base = statistics.median(r[0] for r in results["gdopt float32"])
            for name in OPTIMIZERS:
                if isinstance(results[name][0], str):
                    print(f"{n:>8} {threads:>3} {name:>24}  {results[name][0]}")
                    continue
                seconds = statistics.median(r[0] for r in results[name])
                print(f"{n:>8} {threads:>3} {name:>24} {seconds / n * 1e9:>7.3f} {base / seconds:>7.2f} "
                      f"{results[name][0][1]:>10.2f}", flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        main()
