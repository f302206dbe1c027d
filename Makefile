# XRayHpc — every entry point a newcomer needs. `make demo` and `make test` do all set-up themselves.
SHELL := /bin/bash
ROOT  := $(abspath .)
NATIVE := $(ROOT)/build/native
CONFIG ?= Release
DOTNET_FLAGS := -c $(CONFIG) --nologo -v:q -clp:ErrorsOnly
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_CLI_USE_MSBUILD_SERVER=0
# Debian's OpenMPI refuses root and 2-core oversubscription unless told; harmless for other users.
# The one place for MPI version differences: OpenMPI 4 (ORTE) reads OMPI_MCA_rmaps_base_oversubscribe;
# OpenMPI 5's launcher (PRRTE) ignores it and reads PRTE_MCA_rmaps_default_mapping_policy instead (measured:
# `mpirun -np 4` on 2 cores fails on 5.0.7 with only the OMPI_ variable). Each version ignores the other's.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export PRTE_MCA_rmaps_default_mapping_policy=:oversubscribe
export XRAYHPC_ROOT := $(ROOT)

.PHONY: all setup native native-torch native-mpi build test demo doctor bench bench-engine bench-allreduce \
        bench-parquet bench-loader bench-scaling bench-train bench-serve bench-transfer mpich-smoke compare-tuners clean test-debian13 bench-engine-debian13

all: build

setup:
	@env/setup.sh

native: native-torch native-mpi

# TORCH_DIR: folder with TorchConfig.cmake (or a prefix above it); default: env/torch-dir.sh's search
# (python3's PyTorch, then the system libtorch). XRAYHPC_CUDA=ON builds the CUDA path. One CMake
# build folder per (libtorch, CUDA) pair: CMake caches the library paths it found.
native-torch: setup
	@set -o pipefail; tdir=$$(env/torch-dir.sh $(TORCH_DIR)) && cuda=$(or $(XRAYHPC_CUDA),OFF) && \
	  bdir=build/torch/$$(echo "$$tdir $$cuda" | md5sum | cut -c1-8) && mkdir -p $$bdir $(NATIVE) && \
	  cmake -S src/native/torch -B $$bdir -DCMAKE_BUILD_TYPE=Release -DTorch_DIR="$$tdir" -DXRAYHPC_CUDA=$$cuda \
	    -DXRAYHPC_ALLOW_UNDEFINED_CUDA=$(or $(XRAYHPC_ALLOW_UNDEFINED_CUDA),OFF) | { grep -E '^-- xrayhpc:' || true; } && \
	  cmake --build $$bdir -j2 >/dev/null && cp $$bdir/libxrayhpc_torch.so $(NATIVE)/

# MPICC: the MPI compiler wrapper; default the `mpicc` first on PATH, so a site's `module load` picks the MPI.
native-mpi: setup
	@$(MAKE) -s -C src/native/mpi OUT=$(NATIVE) MPICC=$(or $(MPICC),mpicc)

build: native
	@dotnet build XRayHpc.sln $(DOTNET_FLAGS)
	@ln -sf ../src/XRayHpc.Cli/bin/$(CONFIG)/net10.0/xrayhpc build/xrayhpc

# TEST_PROJECTS="Torch Mpi" runs only those projects (tests/run.sh's names); FILTER=... passes --filter.
test: build
	@tests/run.sh $(TEST_PROJECTS)

demo: build
	@jobs/demo.sh

# What a run on this node will use and whether it is healthy (exit 1 on any fail); DOCTOR_ARGS="--config x.yaml".
doctor: build
	@build/xrayhpc doctor $(DOCTOR_ARGS)

bench: bench-engine bench-allreduce bench-parquet bench-loader bench-scaling

bench-engine: build
	@tests/bench/engine.sh

bench-allreduce: build
	@tests/bench/allreduce.sh

bench-parquet: build
	@tests/bench/parquet.sh

bench-loader: build
	@tests/bench/loader.sh

bench-scaling: build
	@build/xrayhpc bench scaling

# The full trainer against the bare data-parallel step, 1x2 and 2x1 (ranks x threads), interleaved; BENCH_TRAIN_ARGS="--repeats 3".
bench-train: build
	@build/xrayhpc bench train $(BENCH_TRAIN_ARGS)

# `xrayhpc serve` vs torchvision ResNet-18 behind ThreadingHTTPServer, concurrency 1/8/32, same run (not a test).
bench-serve: build
	@tests/bench/serve.sh

# Fixed baseline vs PBT vs ASHA vs random at equal compute on `synth --preset benchmark` (5 seeds, ~30 min; QUICK=1: ~3 min).
compare-tuners: build
	@jobs/compare-tuners.sh

# Transfer learning measured: pretrain ResNet-18 on a synthetic 14-label NIH-layout set, then a small synthetic
# pneumonia set from scratch vs fine-tuned vs feature extraction at equal steps, 3 seeds (~18 min on 2 cores; QUICK=1: ~3 min).
bench-transfer: build
	@jobs/bench-transfer.sh

# Builds the MPI shim against MPICH instead and runs a 2-rank smoke test with MPICH's launcher.
mpich-smoke: build
	@tests/mpich-smoke.sh

# The same targets on the second platform: a Debian 13 root (libtorch 2.6, OpenMPI 5, Slurm 24.11) made
# once under build/debian13 (env/debian13/). Needs root and the Debian mirror the first time (minutes).
test-debian13:
	@env/debian13/run.sh test

bench-engine-debian13:
	@env/debian13/run.sh bench-engine

clean:
	rm -rf build src/*/bin src/*/obj tests/*/bin tests/*/obj
