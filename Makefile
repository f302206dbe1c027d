# XRayHpc — every entry point a newcomer needs. `make demo` and `make test` do all set-up themselves.
SHELL := /bin/bash
ROOT  := $(abspath .)
NATIVE := $(ROOT)/build/native
CONFIG ?= Release
DOTNET_FLAGS := -c $(CONFIG) --nologo -v:q -clp:ErrorsOnly
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_CLI_USE_MSBUILD_SERVER=0
# Debian's OpenMPI refuses root and 2-core oversubscription unless told; harmless for other users.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export XRAYHPC_ROOT := $(ROOT)

.PHONY: all setup native native-torch native-mpi build test demo bench bench-engine bench-allreduce \
        bench-parquet bench-loader bench-scaling mpich-smoke compare-tuners clean

all: build

setup:
	@env/setup.sh

native: native-torch native-mpi

native-torch: setup
	@mkdir -p build/torch $(NATIVE)
	@cmake -S src/native/torch -B build/torch -DCMAKE_BUILD_TYPE=Release -DXRAYHPC_CUDA=$(or $(XRAYHPC_CUDA),OFF) >/dev/null
	@cmake --build build/torch -j2 >/dev/null
	@cp build/torch/libxrayhpc_torch.so $(NATIVE)/

native-mpi: setup
	@$(MAKE) -s -C src/native/mpi OUT=$(NATIVE) MPICC=mpicc

build: native
	@dotnet build XRayHpc.sln $(DOTNET_FLAGS)
	@ln -sf ../src/XRayHpc.Cli/bin/$(CONFIG)/net10.0/xrayhpc build/xrayhpc

test: build
	@tests/run.sh

demo: build
	@jobs/demo.sh

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

# `xrayhpc serve` vs torchvision ResNet-18 behind ThreadingHTTPServer, concurrency 1/8/32, same run (not a test).
bench-serve: build
	@tests/bench/serve.sh

# PBT vs random search vs ASHA at equal compute on the synthetic 14-label set (medians over seeds).
compare-tuners: build
	@jobs/compare-tuners.sh

# Builds the MPI shim against MPICH instead and runs a 2-rank smoke test with MPICH's launcher.
mpich-smoke: build
	@tests/mpich-smoke.sh

clean:
	rm -rf build src/*/bin src/*/obj tests/*/bin tests/*/obj
