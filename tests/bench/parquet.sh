#!/usr/bin/env bash
# make bench-parquet: write + read throughput of a cache-like Parquet file set per codec, one thread,
# read side interleaved with DuckDB (threads=1) as the oracle. Defaults to 2,000 images (~100 MB);
# IMAGES=20000 gives the ~1 GB cache of the acceptance note. Other knobs: SIZE, REPS, CODECS, BENCH_DIR.
set -euo pipefail
cd "$(dirname "$0")/../.."
tests/interop/prepare.sh
dotnet build tests/bench/parquet -c Release -v:q -clp:ErrorsOnly -nologo >/dev/null
exec dotnet tests/bench/parquet/bin/Release/net10.0/ParquetBench.dll "$(pwd)/tests/interop"
