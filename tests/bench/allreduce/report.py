"""Turns the RESULT lines collected by tests/bench/allreduce.sh into the Markdown report."""
import collections
import statistics
import sys


def parse(path):
    rows = []
    for line in open(path):
        tag, _, rest = line.strip().partition(" ")
        fields = dict(kv.split("=", 1) for kv in rest.split()[1:])
        rows.append((tag, fields))
    return rows


def human(b):
    for unit, div in (("MB", 1e6), ("KB", 1e3)):
        if b >= div:
            return "%g %s" % (round(b / div, 1), unit)
    return "%d B" % b


def main(path):
    rows = parse(path)
    times = collections.defaultdict(list)  # (tag, impl, ranks, bytes) -> seconds
    resnet = collections.defaultdict(list)
    meta = {}
    for tag, f in rows:
        if f["impl"] == "resnet18":
            key = (f["overlap"], f.get("watch", "off"))
            resnet[key].append({k: float(f[k]) for k in ("compute", "skew", "exchange", "optimizer", "pack", "mpi", "unpack")})
            meta = f
            continue
        times[(tag, f["impl"], int(f["ranks"]), int(f["bytes"]))].extend(float(t) for t in f["times"].split(","))

    watch = sorted({k[3] for k in times if k[0] == "watch-off"})
    if watch:
        print("## Collective timeout on vs off (ours, 2 ranks, alternated launches)\n")
        print("run.collective_timeout adds a 16-byte nonblocking allreduce (arrival) before each collective. Median per call.\n")
        print("| size | off µs | on µs | on − off µs | on/off |")
        print("|---:|---:|---:|---:|---:|")
        for b in watch:
            off = statistics.median(times[("watch-off", "ours", 2, b)])
            on = statistics.median(times[("watch-on", "ours", 2, b)])
            print("| %s | %.1f | %.1f | %.1f | %.3f× |" % (human(b), off * 1e6, on * 1e6, (on - off) * 1e6, on / off))
        print()
    if any(k[0] == "same" for k in times):
        same_and_tuning(times)

    if resnet:
        print("\n## ResNet-18 data-parallel step, 2 ranks, %s px, batch %s per rank, bf16 autocast, channels_last\n"
              % (meta.get("px"), meta.get("batch")))
        print("Gradients: %.1f MB in %s bucket(s). Median seconds per step; share = exchange / (compute + exchange + optimizer); "
              "skew (waiting for the slower rank, measured by a barrier before the exchange) is reported apart.\n"
              % (int(meta.get("grad_bytes", 0)) / 1e6, meta.get("buckets")))
        print("| exchange mode | steps | compute | exchange (pack / MPI / unpack) | optimizer | skew | exchange share |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for key, label in ((("True", "off"), "pipelined Iallreduce per bucket"), (("False", "off"), "blocking allreduce per bucket"),
                           (("False", "on"), "blocking, collective timeout on")):
            steps = resnet.get(key)
            if not steps:
                continue
            med = {k: statistics.median(s[k] for s in steps) for k in steps[0]}
            share = med["exchange"] / (med["compute"] + med["exchange"] + med["optimizer"])
            print("| %s | %d | %.3f | %.3f (%.3f / %.3f / %.3f) | %.3f | %.3f | %.1f%% |" % (
                label, len(steps), med["compute"], med["exchange"], med["pack"], med["mpi"], med["unpack"],
                med["optimizer"], med["skew"], 100 * share))


def same_and_tuning(times):
    print("## Allreduce: ours vs mpi4py (same OpenMPI, same tuned rules, alternated launches)\n")
    print("In-place float32 sum; median over all timed iterations of all launches; bandwidth = message bytes / time.\n")
    print("| ranks | size | ours ms | ours GB/s | mpi4py ms | mpi4py GB/s | ours/mpi4py bandwidth |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for (tag, impl, n, b) in sorted(k for k in times if k[0] == "same" and k[1] == "ours"):
        ours = statistics.median(times[(tag, "ours", n, b)])
        theirs = statistics.median(times[(tag, "mpi4py", n, b)])
        print("| %d | %s | %.3f | %.3f | %.3f | %.3f | %.2f× |" % (
            n, human(b), ours * 1e3, b / ours / 1e9, theirs * 1e3, b / theirs / 1e9, theirs / ours))

    print("\n## Tuning at 47 MB on 2 ranks (median ms)\n")
    print("| OpenMPI settings | ours | mpi4py |")
    print("|---|---:|---:|")
    for tag, label in (("tune-default", "defaults (fixed decision rules)"), ("tune-rules", "our rules file (ring above 1 MiB)")):
        vals = [times.get((tag, impl, 2, 47000000)) for impl in ("ours", "mpi4py")]
        if all(vals):
            print("| %s | %.1f | %.1f |" % (label, statistics.median(vals[0]) * 1e3, statistics.median(vals[1]) * 1e3))


if __name__ == "__main__":
    main(sys.argv[1])
