"""Runs every program in examples/ and checks what each one prints against facts the
checker knows on its own (the true parameters, the known minimum, the accuracy target).

    python3 Tests/Examples/check_examples.py BIN_DIR LIBRARY
BIN_DIR holds the built C, C++ and Fortran examples (and BIN_DIR/../cmake-example the CMake
project's programs); LIBRARY is the libgdopt.so for the dlopen example.
"""
import math
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Open MPI refuses to run as root unless told (CI runs as root).
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")


def numbers(pattern: str, text: str) -> list:
    match = re.search(pattern, text)
    if not match:
        raise AssertionError(f"no line matches {pattern!r}")
    return [float(group) for group in match.groups()]


def close(value: float, truth: float, relative: float) -> bool:
    return abs(value - truth) <= relative * abs(truth)


def check_rosenbrock(out: str) -> None:
    x = [float(v) for v in re.search(r"^x = (.*)$", out, re.M).group(1).split()]
    assert len(x) == 10 and all(abs(v - 1) < 1e-6 for v in x), f"x = {x}, minimum at all ones"
    assert numbers(r"f = (\S+),", out)[0] < 1e-12


def check_dlopen(out: str) -> None:
    assert re.search(r"loaded gdopt \d+\.\d+\.\d+ \(ABI 1\)", out)
    assert numbers(r"max \|p - target\| = (\S+)", out)[0] < 1e-4
    assert re.search(r"t = 0 is rejected: status 2, \"gdopt_adam_update_f32: t=0", out)


def check_simulation(out: str) -> None:
    omega, zeta = numbers(r"fitted omega = (\S+) .*zeta = (\S+) ", out)
    assert close(omega, 2.0, 0.01) and close(zeta, 0.15, 0.01), f"omega {omega} (true 2), zeta {zeta} (true 0.15)"


def check_mpi(out: str) -> None:
    ranks, state, total = numbers(r"ranks (\d+), parameters 1000, .*Adam state (\d+) bytes of (\d+)", out)
    assert ranks == 4 and state == total / 4, f"rank 0 holds {state} of {total} state bytes"
    worst, spread = numbers(r"max \|param - truth\| = (\S+), ranks differ by (\S+)", out)
    assert worst < 1e-6 and spread == 0, f"error {worst}, ranks differ by {spread}"


def check_mpi_lbfgs(out: str) -> None:
    assert numbers(r"ranks (\d+), rows", out)[0] == 4
    assert re.search(r"lbfgs: reason 1 ", out), "L-BFGS did not converge on gtol"
    assert re.search(r"ranks agree bit for bit \(x, f, counts\): yes", out), "the ranks differ"
    difference = numbers(r"max \|x - x_alone\| / max \|x_alone\| = (\S+)", out)[0]
    assert difference < 1e-10, f"4 ranks and one process differ by {difference} (relative)"
    assert numbers(r"max \|w - w_true\| = (\S+)", out)[0] < 1e-8, "the fit missed the true weights"


def check_heat_fit(out: str) -> None:
    assert numbers(r"gradient check: max relative error\s+(\S+)", out)[0] < 1e-5
    # The true profile, known here on its own: 1 + 0.6 sin(2 pi x) + 0.3 cos(5 pi x) at each face x.
    rows = [[float(v) for v in line.split()[1:]] for line in out.splitlines() if line.startswith("kappa ")]
    assert len(rows) == 32, f"{len(rows)} faces printed"
    for x, fitted, _ in rows:
        truth = 1 + 0.6 * math.sin(2 * math.pi * x) + 0.3 * math.cos(5 * math.pi * x)
        assert close(fitted, truth, 0.02), f"kappa({x}) = {fitted}, truth {truth}"


def check_cpp_fit(out: str) -> None:
    for name, truth in (("alpha", 1.1), ("beta", 0.4), ("gamma", 0.4), ("delta", 0.1)):
        fitted = numbers(rf"fitted {name} = (\S+) ", out)[0]
        assert close(fitted, truth, 0.01), f"{name} = {fitted}, truth {truth}"
    best, start = numbers(r'caught budget_exceeded: "the budget of 100 simulations is spent"; .*'
                          r"\(misfit (\S+), from (\S+)\)", out)
    assert best < start, "the exception left x worse than the start"


def check_cmake_c(out: str) -> None:
    assert numbers(r"C: gdopt 0\.2\.\d+, adam max \|p - target\| = (\S+)", out)[0] < 1e-3


def check_cmake_cpp(out: str) -> None:
    x0, x1 = numbers(r"C\+\+: lbfgs reason 1, x = \((\S+), (\S+)\)", out)
    assert abs(x0 - 1) < 1e-6 and abs(x1 + 2) < 1e-6, f"x = ({x0}, {x1}), the minimum is at (1, -2)"


def check_cmake_fortran(out: str) -> None:
    assert numbers(r"Fortran: gdopt 0\.2\.\d+, adam max \|p - target\| =\s+(\S+)", out)[0] < 1e-3


def check_numpy_adam(out: str) -> None:
    assert numbers(r"max \|w - w_lstsq\| = (\S+)", out)[0] < 1e-4


def check_digits(out: str) -> None:
    accuracy = numbers(r"test accuracy (\S+)", out)[0]
    assert accuracy >= 0.95, f"test accuracy {accuracy}"


def check_swift(out: str) -> None:
    slope, intercept = numbers(r"fitted slope (\S+), intercept (\S+) ", out)
    assert close(slope, 3, 0.01) and close(intercept, -2, 0.01), f"slope {slope}, intercept {intercept}"
    assert numbers(r"lbfgs: f (\S+) at", out)[0] < 1e-10


def main() -> int:
    bin_dir, library = sys.argv[1], os.path.abspath(sys.argv[2])
    python = sys.executable
    cmake_dir = os.path.join(os.path.dirname(bin_dir), "cmake-example")  # examples/cmake, built by make examples
    examples = [
        ("c/rosenbrock_lbfgs", [os.path.join(bin_dir, "rosenbrock_lbfgs")], check_rosenbrock),
        # env -i: the dlopen example finds nothing on any path but the file it is given.
        ("c/dlopen_adam", ["env", "-i", "PATH=/usr/bin:/bin", os.path.join(bin_dir, "dlopen_adam"), library],
         check_dlopen),
        ("c/simulation_fit", [os.path.join(bin_dir, "simulation_fit")], check_simulation),
        ("c/mpi_sharded_adam", ["mpirun", "-n", "4", "--oversubscribe", "--mca", "btl", "self,vader",
                                os.path.join(bin_dir, "mpi_sharded_adam")], check_mpi),
        ("c/mpi_lbfgs", ["mpirun", "-n", "4", "--oversubscribe", "--mca", "btl", "self,vader",
                         os.path.join(bin_dir, "mpi_lbfgs")], check_mpi_lbfgs),
        ("fortran/heat_fit", [os.path.join(bin_dir, "heat_fit")], check_heat_fit),
        ("cpp/fit", [os.path.join(bin_dir, "fit_cpp")], check_cpp_fit),
        ("cmake/adam_c", [os.path.join(cmake_dir, "adam_c")], check_cmake_c),
        ("cmake/lbfgs_cpp", [os.path.join(cmake_dir, "lbfgs_cpp")], check_cmake_cpp),
        ("cmake/adam_fortran", [os.path.join(cmake_dir, "adam_fortran")], check_cmake_fortran),
        ("python/numpy_adam.py", [python, "examples/python/numpy_adam.py"], check_numpy_adam),
        ("python/train_digits.py", [python, "examples/python/train_digits.py"], check_digits),
        ("swift", ["swift", "run", "-q", "--package-path", "examples/swift"], check_swift),
    ]
    failed = 0
    for name, command, check in examples:
        run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=ENV)
        try:
            assert run.returncode == 0, f"exit status {run.returncode}: {run.stderr[-2000:]}"
            check(run.stdout)
            print(f"PASS {name}")
        except AssertionError as error:
            failed += 1
            print(f"FAIL {name}: {error}\n--- output ---\n{run.stdout[-3000:]}")
    print(f"examples: {len(examples) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
