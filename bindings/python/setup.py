"""Builds gdopt._gdopt against the repository's libgdopt.so and ships that library inside
the package, found through an $ORIGIN rpath, so no LD_LIBRARY_PATH is needed."""
import os
import shutil
import subprocess
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(os.environ.get("GDOPT_ROOT", Path(__file__).resolve().parents[2]))
LIBRARY = ROOT / "build" / "lib" / "libgdopt.so"


class BuildWithLibrary(build_ext):
    def run(self):
        if not LIBRARY.exists():
            # Only the C library: the package needs neither gfortran nor the Fortran module.
            subprocess.check_call(["make", "-C", str(ROOT), "build/lib/libgdopt.so"])
        super().run()
        folders = [Path(self.build_lib) / "gdopt"]
        if self.inplace:
            folders.append(Path(__file__).parent / "src" / "gdopt")
        for folder in folders:
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copy2(LIBRARY, folder / "libgdopt.so")


setup(
    ext_modules=[
        Extension(
            "gdopt._gdopt",
            ["src/gdopt/_gdopt.c", "src/gdopt/optimizer.c", "src/gdopt/tape.c", "src/gdopt/gradcheck.c",
             "src/gdopt/solver.c", "src/gdopt/schedule.c", "src/gdopt/kernels.c", "src/gdopt/tables.c"],
            include_dirs=[str(ROOT / "include")],
            library_dirs=[str(LIBRARY.parent)],
            libraries=["gdopt"],
            runtime_library_dirs=["$ORIGIN"],
            extra_compile_args=["-std=c11", "-Wall", "-Wextra", "-Werror"],
        )
    ],
    cmdclass={"build_ext": BuildWithLibrary},
)
