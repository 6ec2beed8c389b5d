# gdopt — build, test, install. `make` builds build/lib/libgdopt.so and build/include/gdopt.h;
# build/lib/libgdopt_fortran.so with build/include/gdopt.mod (the Fortran module);
# `make test` installs what the tests need (apt) and runs every test; both are safe to rerun.
SHELL := /bin/bash
PREFIX ?= /usr/local
SWIFT ?= swift
CC ?= cc
BUILD := build
LIB := $(BUILD)/lib/libgdopt.so
FORTRAN_LIB := $(BUILD)/lib/libgdopt_fortran.so
FORTRAN_FLAGS := -std=f2018 -Wall -Werror
SOURCES := Package.swift $(shell find Sources -name '*.swift' -o -name '*.c' -o -name '*.h')
HARNESS_FLAGS := -std=c99 -D_GNU_SOURCE -Wall -Wextra -Werror -Iinclude
# Runs a program under memcheck, prints valgrind's summary lines, and fails on any error or
# definite leak (the whole log on failure).
VALGRIND_FLAGS := --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite
define valgrind
	valgrind $(VALGRIND_FLAGS) $(1) > $(BUILD)/valgrind.log 2>&1; status=$$?; \
	    grep -E "ERROR SUMMARY|definitely lost|indirectly lost|possibly lost|passed, " $(BUILD)/valgrind.log \
	        | sed 's/^==[0-9]*== //'; \
	    if [ $$status -ne 0 ]; then cat $(BUILD)/valgrind.log; fi; exit $$status
endef

.PHONY: test-frameworks all build-deps lint stubs test test-swift test-c test-cpp test-fortran test-limits test-python test-asan \
        test-tsan test-fuzz fuzz \
        fuzz-alone fuzz-seeds examples demo python bench bench-mpi bench-solvers \
        install deps clean
all: $(LIB) $(FORTRAN_LIB)

# The release .so carries the Swift runtime inside; debug info is stripped (valgrind
# 3.19 cannot read lld's, and users do not need it).
$(LIB): $(SOURCES) gdopt.map include/gdopt.h | build-deps
	$(SWIFT) build -c release --product gdopt --disable-local-rpath
	mkdir -p $(BUILD)/lib $(BUILD)/include
	cp include/gdopt.h $(BUILD)/include/gdopt.h
	strip --strip-debug -o $@ .build/release/libgdopt.so

# The Fortran module over the C ABI, in its own library so that libgdopt.so exports only
# gdopt_*; it finds libgdopt.so beside it ($$ORIGIN). gdopt.mod is gfortran's (other compilers
# build bindings/fortran/gdopt.f90 and gdopt_fortran.c themselves).
$(FORTRAN_LIB): bindings/fortran/gdopt.f90 bindings/fortran/gdopt_fortran.c include/gdopt.h $(LIB)
	@command -v gfortran >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq gfortran; }
	mkdir -p $(BUILD)/fortran
	$(CC) -std=c99 -O2 -Wall -Wextra -Werror -fPIC -Iinclude -c bindings/fortran/gdopt_fortran.c \
	    -o $(BUILD)/fortran/gdopt_fortran_c.o
	gfortran $(FORTRAN_FLAGS) -O2 -fPIC -c bindings/fortran/gdopt.f90 -J$(BUILD)/include -o $(BUILD)/fortran/gdopt.o
	gfortran -shared -o $@ $(BUILD)/fortran/gdopt.o $(BUILD)/fortran/gdopt_fortran_c.o -L$(BUILD)/lib -lgdopt \
	    -Wl,-rpath,'$$ORIGIN'

# OpenBLAS (LAPACK, and the tape's matrix products), and libxsmm (linked statically) and
# BLIS's pthread build (the products on CPUs newer than that OpenBLAS), installed only when missing.
build-deps:
	@dpkg -s libopenblas-dev libxsmm-dev libblis4-pthread >/dev/null 2>&1 || { apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libopenblas-dev libxsmm-dev libblis4-pthread; }

# Tools the tests use, installed only when missing.
deps:
	@missing=""; for tool in valgrind:valgrind cc:gcc g++:g++ gfortran:gfortran cmake:cmake nm:binutils \
	        pkg-config:pkg-config mpirun:openmpi-bin mpicc:libopenmpi-dev; do \
	    command -v $${tool%%:*} >/dev/null 2>&1 || missing="$$missing $${tool##*:}"; done; \
	if [ -n "$$missing" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi

test: deps lint $(LIB) test-swift test-c test-cpp test-fortran test-limits test-asan test-tsan test-fuzz test-python \
      examples

PYTHON ?= python3

# Style, checked and not rewritten: swift-format (shipped with the toolchain) with
# .swift-format, and clang-format (from PyPI, installed when missing) with .clang-format
# on the C sources (gdopt.h is hand-laid-out and stays out).
LINT_C = $(shell git ls-files 'Tests/*.c' 'Tests/*.h' 'Tests/*.cpp' 'examples/*.c' 'examples/*.cpp' 'bench/*.c' \
                 'bindings/python/src/*.c' 'bindings/python/src/*.h' 'bindings/fortran/*.c' include/gdopt.hpp)
lint:
	@command -v clang-format >/dev/null 2>&1 || $(PYTHON) -m pip install -q clang-format
	$(SWIFT) format lint --strict --recursive Sources Tests/GDOptTests Package.swift
	clang-format --dry-run --Werror $(LINT_C)
	@echo "lint: swift-format and clang-format found nothing"

# The Python package, built against build/lib/libgdopt.so, which it ships inside.
python: $(LIB)
	$(PYTHON) -c "import numpy" 2>/dev/null || $(PYTHON) -m pip install -q numpy
	rm -rf bindings/python/build
	$(PYTHON) -m pip install -q --force-reinstall --no-deps ./bindings/python

# The typing stub of the optimizer classes, generated from the library's tables.
stubs: python
	cd bindings/python && $(PYTHON) -m gdopt._stubs src/gdopt

test-python: python
	$(PYTHON) -c "import pytest, sklearn, tqdm, mpi4py" 2>/dev/null || \
	    $(PYTHON) -m pip install -q pytest scikit-learn tqdm mpi4py
	cd bindings/python && $(PYTHON) -m pytest -q tests 2>&1 | tail -n 15; exit $${PIPESTATUS[0]}

test-swift: $(LIB)
	GDOPT_LIBRARY=$(abspath $(LIB)) $(SWIFT) test --parallel 2>&1 | grep -v '^◇\|^↳\|^\[' | tail -n 40; \
	    exit $${PIPESTATUS[0]}

test-c: $(LIB)
	Tests/CHarness/check_exports.sh $(LIB) include/gdopt.h Tests/CHarness/api_functions.h
	$(CC) $(HARNESS_FLAGS) Tests/CHarness/harness.c -o $(BUILD)/harness_link -L$(BUILD)/lib -lgdopt \
	    -Wl,-rpath,$(abspath $(BUILD)/lib) -lm -lpthread
	$(CC) $(HARNESS_FLAGS) -DGDOPT_HARNESS_DLOPEN Tests/CHarness/harness.c -o $(BUILD)/harness_dlopen -ldl -lm -lpthread
	@echo "harness (linked):"; $(BUILD)/harness_link
	@echo "harness (dlopen, toolchain not on any path):"; env -i PATH=/usr/bin:/bin $(BUILD)/harness_dlopen $(LIB)
	@echo "harness (products by libxsmm and BLIS, as on CPUs newer than OpenBLAS):"; GDOPT_BLAS=blis $(BUILD)/harness_link
	@echo "harness (gdopt's baseline loops, GDOPT_SIMD=baseline):"; GDOPT_SIMD=baseline $(BUILD)/harness_link
	@echo "harness under valgrind (linked; its CPU has no AVX-512, so the AVX2 loops run):"; \
	    $(call valgrind,$(BUILD)/harness_link)
	@echo "harness under valgrind (dlopen):"; $(call valgrind,$(BUILD)/harness_dlopen $(LIB))
	$(CC) $(HARNESS_FLAGS) Tests/CHarness/steps.c -o $(BUILD)/steps -L$(BUILD)/lib -lgdopt \
	    -Wl,-rpath,$(abspath $(BUILD)/lib)
	@allocs() { valgrind $(BUILD)/steps $$1 2>&1 | sed -n 's/.*total heap usage: \([0-9,]*\) allocs.*/\1/p'; }; \
	    few=$$(allocs 3); many=$$(allocs 30); \
	    if [ -n "$$few" ] && [ "$$few" = "$$many" ]; then \
	        echo "no allocation per step: $$few allocations for 3 steps and for 30"; \
	    else echo "FAIL: steps allocate ($$few allocations for 3 steps, $$many for 30)"; exit 1; fi
	$(CC) $(HARNESS_FLAGS) Tests/CHarness/solver_iterations.c -o $(BUILD)/solver_iterations -L$(BUILD)/lib -lgdopt \
	    -Wl,-rpath,$(abspath $(BUILD)/lib) -lm
	@allocs() { valgrind $(BUILD)/solver_iterations $$1 2>&1 \
	        | sed -n 's/.*total heap usage: \([0-9,]*\) allocs.*/\1/p'; }; \
	    few=$$(allocs 3); many=$$(allocs 30); \
	    if [ -n "$$few" ] && [ "$$few" = "$$many" ]; then \
	        echo "no allocation per solver iteration: $$few allocations for 3 iterations and for 30"; \
	    else echo "FAIL: solver iterations allocate ($$few allocations for 3 iterations, $$many for 30)"; exit 1; fi

# The C++ header's tests, under C++17 and C++20 (std::span), optimised and under ASan+UBSan.
CXX_TEST_FLAGS := -Wall -Wextra -Werror -Iinclude Tests/Cpp/test_gdopt.cpp -L$(BUILD)/lib -lgdopt \
    -Wl,-rpath,$(abspath $(BUILD)/lib)
test-cpp: $(LIB)
	for std in c++17 c++20; do \
	    g++ -std=$$std -O2 $(CXX_TEST_FLAGS) -o $(BUILD)/test_cpp_$$std && $(BUILD)/test_cpp_$$std || exit 1; \
	    g++ -std=$$std -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all $(CXX_TEST_FLAGS) \
	        -o $(BUILD)/test_cpp_$${std}_asan && $(BUILD)/test_cpp_$${std}_asan || exit 1; done

# The Fortran module's tests, against the built library and against a copy of the module
# compiled with -fcheck=all (bounds, pointers, argument shapes checked at run time).
test-fortran: $(FORTRAN_LIB)
	mkdir -p $(BUILD)/fortran-checked
	gfortran $(FORTRAN_FLAGS) -fcheck=all -I$(BUILD)/include -J$(BUILD)/fortran-checked Tests/Fortran/test_gdopt.f90 \
	    -o $(BUILD)/test_fortran -L$(BUILD)/lib -lgdopt_fortran -lgdopt -Wl,-rpath,$(abspath $(BUILD)/lib)
	gfortran $(FORTRAN_FLAGS) -fcheck=all -g -J$(BUILD)/fortran-checked bindings/fortran/gdopt.f90 \
	    Tests/Fortran/test_gdopt.f90 $(BUILD)/fortran/gdopt_fortran_c.o -o $(BUILD)/test_fortran_checked \
	    -L$(BUILD)/lib -lgdopt -Wl,-rpath,$(abspath $(BUILD)/lib)
	@echo "Fortran (libgdopt_fortran.so):"; $(BUILD)/test_fortran
	@echo "Fortran (the module compiled with -fcheck=all):"; $(BUILD)/test_fortran_checked
	@echo "Fortran under valgrind:"; $(call valgrind,$(BUILD)/test_fortran)

# Allocations sized by arguments and files, in children under setrlimit(RLIMIT_AS): each
# must end in MEMORY (or OK where no copy is needed), never a signal. Release build: ASan's
# shadow memory does not fit under a limit.
test-limits: $(LIB)
	$(CC) $(HARNESS_FLAGS) -O1 Tests/Limits/limits.c -o $(BUILD)/limits -L$(BUILD)/lib -lgdopt \
	    -Wl,-rpath,$(abspath $(BUILD)/lib) -lm
	$(BUILD)/limits

# ---- Sanitizers and fuzzing ------------------------------------------------------------
# The toolchain's own clang: its sanitizer runtimes are the ones swiftc's code expects.
TOOLCHAIN_BIN := $(shell dirname "$$(readlink -f "$$(command -v swiftc)")")
CLANG := $(TOOLCHAIN_BIN)/clang
SWIFT_RUNTIME := $(TOOLCHAIN_BIN)/../lib/swift/linux
SAN_FLAGS := $(HARNESS_FLAGS) -g -O1 -fuse-ld=lld -fno-sanitize-recover=all
# One release build (-O with whole-module optimisation; Swift's bounds and overflow checks
# stay on) with AddressSanitizer and libFuzzer's coverage hooks serves both the ASan/UBSan
# harness and the fuzz targets: without libFuzzer in the program the hooks are the
# sanitizer runtime's no-ops. A debug build fuzzed 40x slower (and -wmo on a debug build
# does not link from a clean tree). Swift has no UBSan; -fsanitize=undefined covers the
# library's C (the last-error shim).
SAN_LIB := .build-san/release/libgdopt.so
TSAN_LIB := .build-tsan/debug/libgdopt.so
$(SAN_LIB): $(SOURCES) | build-deps
	$(SWIFT) build -c release --product gdopt --scratch-path .build-san --sanitize=fuzzer --sanitize=address \
	    -Xcc -fsanitize=undefined -Xlinker -z -Xlinker nodelete
$(TSAN_LIB): $(SOURCES) | build-deps
	$(SWIFT) build --product gdopt --scratch-path .build-tsan --sanitize=thread

test-asan: $(SAN_LIB)
	mkdir -p $(BUILD)
	$(CLANG) $(SAN_FLAGS) -fsanitize=address,undefined Tests/CHarness/harness.c -o $(BUILD)/harness_asan \
	    -L$(dir $(SAN_LIB)) -lgdopt -Wl,-rpath,$(abspath $(dir $(SAN_LIB))) -lm -lpthread
	$(CLANG) $(SAN_FLAGS) -fsanitize=address,undefined -DGDOPT_HARNESS_DLOPEN Tests/CHarness/harness.c \
	    -o $(BUILD)/harness_asan_dlopen -ldl -lm -lpthread
	@echo "harness under ASan+UBSan+LSan (linked):"; $(BUILD)/harness_asan
	@echo "harness under ASan+UBSan+LSan (dlopen):"; $(BUILD)/harness_asan_dlopen $(SAN_LIB)

# TSan's runtime in this toolchain intercepts libdispatch, so the harness links it. The
# fork test needs die_after_fork=0: TSan does not support threads after a threaded fork.
test-tsan: $(TSAN_LIB)
	mkdir -p $(BUILD)
	$(CLANG) $(SAN_FLAGS) -fsanitize=thread Tests/CHarness/harness.c -o $(BUILD)/harness_tsan \
	    -L$(dir $(TSAN_LIB)) -lgdopt -Wl,-rpath,$(abspath $(dir $(TSAN_LIB))) \
	    -L$(SWIFT_RUNTIME) -ldispatch -lBlocksRuntime -Wl,-rpath,$(abspath $(SWIFT_RUNTIME)) -lm -lpthread
	@echo "harness under TSan:"; TSAN_OPTIONS="die_after_fork=0 halt_on_error=1" $(BUILD)/harness_tsan

FUZZ_TARGETS := deserialize tape solver calls
FUZZ_BINS := $(FUZZ_TARGETS:%=$(BUILD)/fuzz_%)
$(BUILD)/fuzz_%: Tests/Fuzz/fuzz_%.c Tests/Fuzz/fuzz_bytes.h include/gdopt.h $(SAN_LIB)
	mkdir -p $(BUILD)
	$(CLANG) $(SAN_FLAGS) -fsanitize=fuzzer,address,undefined $< -o $@ \
	    -L$(dir $(SAN_LIB)) -lgdopt -Wl,-rpath,$(abspath $(dir $(SAN_LIB)))

# Fuzzing starts from the committed seeds (Tests/Fuzz/corpus, written by make_seeds.c;
# calls/ is a merged corpus of fuzz_calls) and keeps what it finds in build/fuzz-corpus. A
# crash leaves its input in build/. An allocation above 1 GB returns NULL (ASan), which the
# library must turn into MEMORY, well below libFuzzer's malloc limit; allocation stacks are
# two frames deep, which tripled the solver target's rate.
FUZZ_ENV := ASAN_OPTIONS=allocator_may_return_null=1:max_allocation_size_mb=1024:malloc_context_size=2
FUZZ_SECONDS ?= 600
FUZZ_QUICK_SECONDS ?= 30
# `make fuzz` gives each target, alone, every core: one libFuzzer worker per core, each
# with its own seed and log, sharing the target's corpus directory (libFuzzer reloads what
# the others add). The executions are the sum of the workers' "Done N runs".
FUZZ_WORKERS ?= $(shell nproc)
# run_fuzzers(seconds, seed, workers)
define run_fuzzers
	@for t in $(FUZZ_TARGETS); do mkdir -p $(BUILD)/fuzz-corpus/$$t; rm -f $(BUILD)/fuzz-$$t-*.log; done
	@pids=""; for t in $(FUZZ_TARGETS); do for w in $$(seq 1 $(3)); do 	    $(FUZZ_ENV) $(BUILD)/fuzz_$$t -max_total_time=$(1) -seed=$$(($(2) + w - 1)) -malloc_limit_mb=2048 	        -artifact_prefix=$(BUILD)/fuzz-$$t- 	        $(BUILD)/fuzz-corpus/$$t Tests/Fuzz/corpus/$$t > $(BUILD)/fuzz-$$t-$$w.log 2>&1 & pids="$$pids $$!"; 	done; done; 	status=0; for p in $$pids; do wait $$p || status=1; done; 	for t in $(FUZZ_TARGETS); do 	    grep -h '^Done\|ERROR\|SUMMARY' $(BUILD)/fuzz-$$t-*.log | sed "s/^/fuzz_$$t: /"; 	    cat $(BUILD)/fuzz-$$t-*.log | awk -v t=fuzz_$$t -v w=$(3) \
	        '/^Done/ {runs += $$2; secs = $$5} END {printf "%s: %d runs in %d s by %d workers (%.0f exec/s)\n", \
	                 t, runs, secs, w, runs / (secs ? secs : 1)}'; 	done; 	if [ $$status -ne 0 ]; then tail -n 40 $(BUILD)/fuzz-*.log; fi; exit $$status
endef
# Rewrites the seed corpus from the current library (after a checkpoint format change).
fuzz-seeds: $(LIB)
	$(CC) $(HARNESS_FLAGS) Tests/Fuzz/make_seeds.c -o $(BUILD)/make_seeds -L$(BUILD)/lib -lgdopt \
	    -Wl,-rpath,$(abspath $(BUILD)/lib)
	mkdir -p Tests/Fuzz/corpus/solver
	$(BUILD)/make_seeds Tests/Fuzz/corpus/deserialize Tests/Fuzz/corpus/tape Tests/Fuzz/corpus/solver
# A bounded run for `make test`: the four targets at once, one worker each, a fixed seed.
test-fuzz: $(FUZZ_BINS)
	$(call run_fuzzers,$(FUZZ_QUICK_SECONDS),1,1)
# One target at a time, with all the cores, for FUZZ_SECONDS each.
fuzz: $(FUZZ_BINS)
	@for t in $(FUZZ_TARGETS); do $(MAKE) --no-print-directory fuzz-alone FUZZ_TARGETS=$$t || exit 1; done
fuzz-alone:
	$(call run_fuzzers,$(FUZZ_SECONDS),0,$(FUZZ_WORKERS))

# ---- Examples and the demo ---------------------------------------------------------------
STAGE := $(BUILD)/stage
EXAMPLE_FLAGS := -std=c99 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -Iinclude
# Builds and runs every program in examples/ and checks its output (Tests/Examples).
examples: deps python $(FORTRAN_LIB)
	mkdir -p $(BUILD)/examples
	for e in rosenbrock_lbfgs simulation_fit; do \
	    $(CC) $(EXAMPLE_FLAGS) examples/c/$$e.c -o $(BUILD)/examples/$$e -L$(BUILD)/lib -lgdopt \
	        -Wl,-rpath,$(abspath $(BUILD)/lib) -lm || exit 1; done
	$(CC) $(EXAMPLE_FLAGS) examples/c/dlopen_adam.c -o $(BUILD)/examples/dlopen_adam -ldl -lm
	for e in mpi_sharded_adam mpi_lbfgs; do \
	    mpicc $(EXAMPLE_FLAGS) examples/c/$$e.c -o $(BUILD)/examples/$$e -L$(BUILD)/lib -lgdopt \
	        -Wl,-rpath,$(abspath $(BUILD)/lib) -lm || exit 1; done
	g++ -std=c++17 -O2 -Wall -Wextra -Werror -Iinclude examples/cpp/fit.cpp -o $(BUILD)/examples/fit_cpp \
	    -L$(BUILD)/lib -lgdopt -Wl,-rpath,$(abspath $(BUILD)/lib)
	@echo "install into $(STAGE), then build from it with pkg-config and with CMake (examples/cmake):"
	$(MAKE) --no-print-directory install PREFIX=$(abspath $(STAGE)) > /dev/null
	gfortran $(FORTRAN_FLAGS) -O2 -J$(BUILD)/examples examples/fortran/heat_fit.f90 -o $(BUILD)/examples/heat_fit \
	    $$(PKG_CONFIG_PATH=$(STAGE)/lib/pkgconfig pkg-config --cflags --libs gdopt-fortran) \
	    -Wl,-rpath,$(abspath $(STAGE)/lib)
	cmake -DCONFIG_VERSION=$(STAGE)/lib/cmake/gdopt/gdoptConfigVersion.cmake -P Tests/CMake/check_version.cmake
	rm -rf $(BUILD)/cmake-example
	cmake -S examples/cmake -B $(BUILD)/cmake-example -DCMAKE_PREFIX_PATH=$(abspath $(STAGE)) \
	    > $(BUILD)/cmake-example.log 2>&1 || { cat $(BUILD)/cmake-example.log; exit 1; }
	cmake --build $(BUILD)/cmake-example
	$(PYTHON) -c "import sklearn, tqdm" 2>/dev/null || $(PYTHON) -m pip install -q scikit-learn tqdm
	$(PYTHON) Tests/Examples/check_examples.py $(BUILD)/examples $(LIB)

# The main job on a new machine: installs what it needs, trains on digits with five
# optimizers, checks the gradient, draws the Rosenbrock paths; writes demo-out/.
demo: python
	$(PYTHON) -c "import matplotlib, sklearn, tqdm" 2>/dev/null || $(PYTHON) -m pip install -q matplotlib scikit-learn tqdm
	$(PYTHON) demo/demo.py --out demo-out

bench: $(LIB)
	$(CC) -O3 -march=native -fno-math-errno -ffp-contract=off -fopenmp -Iinclude bench/step_bench.c \
	    -o $(BUILD)/step_bench -L$(BUILD)/lib -lgdopt -Wl,-rpath,$(abspath $(BUILD)/lib) -lm
	$(BUILD)/step_bench

# The framework bindings, which need large downloads and so are not part of `make test`:
# gdopt.keras on Keras 3 with TensorFlow (and with torch where torch is installed), gdopt.torch
# against torch.optim where torch is installed, and the digits experiment's plot.
test-frameworks: python
	$(PYTHON) -c "import keras, tensorflow" 2>/dev/null || $(PYTHON) -m pip install -q keras tensorflow-cpu
	$(PYTHON) -c "import matplotlib, sklearn, pytest" 2>/dev/null || \
	    $(PYTHON) -m pip install -q matplotlib scikit-learn pytest
	cd bindings/python/tests && KERAS_BACKEND=tensorflow $(PYTHON) -m pytest -q test_keras.py
	if $(PYTHON) -c "import torch" 2>/dev/null; then \
	    cd bindings/python/tests && KERAS_BACKEND=torch $(PYTHON) -m pytest -q test_keras.py test_torch.py; \
	else echo "torch is not installed: gdopt.torch's tests and Keras's torch backend were not run"; fi
	KERAS_BACKEND=tensorflow $(PYTHON) examples/keras/digits_sgd.py 20 docs/keras_digits_sgd.png

# The solvers at scale: gdopt lbfgs against scipy's L-BFGS-B (Python, n = 1e3 ... 1e6, and
# the bounded problems) and against libLBFGS (C, n = 1e6). Installs liblbfgs-dev and scipy.
bench-solvers: python
	@dpkg -s liblbfgs-dev >/dev/null 2>&1 || { apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq liblbfgs-dev; }
	$(PYTHON) -c "import scipy, threadpoolctl" 2>/dev/null || $(PYTHON) -m pip install -q scipy threadpoolctl
	$(CC) -O2 -Wall -Iinclude bench/lbfgs_c_bench.c -o $(BUILD)/lbfgs_c_bench -L$(BUILD)/lib -lgdopt \
	    -Wl,-rpath,$(abspath $(BUILD)/lib) -llbfgs -ldl
	$(BUILD)/lbfgs_c_bench 1000000 30 5
	$(PYTHON) bench/solvers_scale_bench.py
	$(PYTHON) bench/bounded_bench.py

# gdopt.distributed at n = 1e7 on P = 1, 2, 4 ranks (the ranks share this machine's cores),
# over TCP on loopback so that the bytes each rank sends can be counted.
MPIRUN := OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun --oversubscribe --mca btl self,tcp \
    --mca btl_tcp_if_include lo --mca oob_tcp_if_include lo
bench-mpi: deps python
	$(PYTHON) -c "import mpi4py" 2>/dev/null || $(PYTHON) -m pip install -q mpi4py
	for p in 1 2 4; do $(MPIRUN) -n $$p $(PYTHON) bench/distributed_bench.py || exit 1; done

# Installs the C library and header, the C++ header, the Fortran library and module, the
# pkg-config files (gdopt, gdopt-fortran) and the CMake package (lib/cmake/gdopt).
install: $(LIB) $(FORTRAN_LIB)
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	    $(DESTDIR)$(PREFIX)/lib/cmake/gdopt
	install -m 755 $(LIB) $(FORTRAN_LIB) $(DESTDIR)$(PREFIX)/lib/
	install -m 644 include/gdopt.h include/gdopt.hpp $(BUILD)/include/gdopt.mod $(DESTDIR)$(PREFIX)/include/
	install -m 644 cmake/gdoptConfig.cmake $(DESTDIR)$(PREFIX)/lib/cmake/gdopt/
	version=$$(sed -n 's/^#define GDOPT_VERSION_\(MAJOR\|MINOR\|PATCH\) //p' include/gdopt.h | paste -sd.); \
	    for pc in gdopt gdopt-fortran; do sed -e 's|@PREFIX@|$(PREFIX)|' -e "s|@VERSION@|$$version|" \
	        $$pc.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/$$pc.pc; done; \
	    sed -e "s|@VERSION@|$$version|g" -e "s|@MAJOR@|$${version%%.*}|g" cmake/gdoptConfigVersion.cmake.in \
	        > $(DESTDIR)$(PREFIX)/lib/cmake/gdopt/gdoptConfigVersion.cmake

clean:
	rm -rf $(BUILD) .build .build-san .build-tsan bindings/python/build
