#!/usr/bin/env python3
"""Summarises a jobs/compare-tuners.sh output folder; reads run directories only (summary.json, metrics.jsonl,
lineage.jsonl, logs/rank-*.log) and walls.txt (each run's wall time as the launcher measured it).
Prints markdown: per-run rows, per-tuner medians and spreads, paired per-seed differences, the best member's
hyperparameter trajectory, and PBT's own overhead (evaluation, exploit copies, checkpoints)."""
import json, os, re, statistics, sys
from datetime import datetime

out = sys.argv[1]
KINDS = ["fixed", "pbt", "asha", "random"]
TS = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+)")
EVAL = re.compile(r"\(evaluation ([\d.]+) s, record ([\d.]+) s\)")
EXPLOIT = re.compile(r"exploit: .*: ([\d.]+) MB .* in ([\d.]+) s")
CKPT = re.compile(r"checkpoint step \d+ written")


def lines(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


def trained(metrics):
    """Steps and images each member really trained, from the step counter at each evaluation."""
    steps = images = 0
    for m in {r["member"] for r in metrics}:
        prev = 0
        for r in sorted((r for r in metrics if r["member"] == m), key=lambda r: r["round"]):
            d = r["step"] - prev if r["step"] >= prev else r["step"]  # a counter that went back: a fresh trial
            steps += d
            images += d * r["batch_size"]
            prev = r["step"]
    return steps, images


def overhead(run):
    """Seconds per rank (mean over ranks) in evaluation, record exchange, exploit copies and checkpoint writes."""
    per_rank = []
    logs = os.path.join(run, "logs")
    for name in sorted(os.listdir(logs)):
        ev = rec = ex = mb = ck = 0.0
        n_ex = 0
        last = None
        for line in open(os.path.join(logs, name)):
            m = TS.match(line)
            t = datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S.%f") if m else None
            if (e := EVAL.search(line)):
                ev += float(e.group(1)); rec += float(e.group(2))
            if (e := EXPLOIT.search(line)):
                mb += float(e.group(1)); ex += float(e.group(2)); n_ex += 1
            if CKPT.search(line) and t and last:
                ck += (t - last).total_seconds()  # from the line before (round or exploit) to the checkpoint written
            if t:
                last = t
        per_rank.append((ev, rec, ex, n_ex, mb, ck))
    n = len(per_rank)
    return tuple(sum(r[i] for r in per_rank) / n for i in range(6))


def trajectory(metrics, lineage, best):
    """The best member's hyperparameters over rounds, written only where they change, with the exploits into it."""
    parts, prev = [], None
    exploits = {(l["step"]): l for l in lineage if l.get("target") == best and l.get("kind") in ("exploit", "restart")}
    for r in sorted((r for r in metrics if r["member"] == best), key=lambda r: r["round"]):
        hp = (r["lr"], r["momentum"], r["weight_decay"])
        if hp != prev:
            parts.append(f"@{r['step']}: lr {hp[0]:.3g} mom {hp[1]:.2f} wd {hp[2]:.2g}")
            prev = hp
        if r["step"] in exploits:
            l = exploits[r["step"]]
            parts.append(f"@{r['step']}: {l['kind']}" + (f" from member {l['source']}" if l.get("source") is not None else ""))
    return "; ".join(parts)


walls = {}
for line in open(os.path.join(out, "walls.txt")):
    kind, seed, wall = line.split()
    walls[(kind, seed)] = float(wall)

rows = []
for (kind, seed), wall in walls.items():
    run = os.path.join(out, f"{kind}-{seed}")
    s = json.load(open(os.path.join(run, "summary.json")))
    metrics = lines(os.path.join(run, "metrics.jsonl"))
    lineage = lines(os.path.join(run, "lineage.jsonl"))
    steps, images = trained(metrics)
    ev, rec, ex, n_ex, mb, ck = overhead(run)
    rows.append(dict(kind=kind, seed=seed, val=s["val_mean_auroc"], test=s["test_mean_auroc"], wall=wall,
                     steps=steps, images=images, changes=sum(1 for l in lineage if l["kind"] != "initial"),
                     best=s["best_member"], traj=trajectory(metrics, lineage, s["best_member"]),
                     eval=ev, rec=rec, exploit=ex, n_exploit=n_ex, mb=mb, ckpt=ck))


def med(xs): return statistics.median(xs)
def spread(xs): return f"{min(xs):.3f}–{max(xs):.3f}"
def by(kind): return sorted((r for r in rows if r["kind"] == kind), key=lambda r: int(r["seed"]))


kinds = [k for k in KINDS if by(k)]
print("## Per tuner (median [min–max] over seeds)\n")
print("| tuner | seeds | val mean AUROC | test mean AUROC | wall s | steps trained (all members) | images | lineage changes |")
print("|---|---:|---|---|---|---:|---:|---:|")
for k in kinds:
    r = by(k)
    f = lambda key: [x[key] for x in r]
    steps = sorted(set(f("steps")))
    print(f"| {k} | {len(r)} | {med(f('val')):.3f} [{spread(f('val'))}] | {med(f('test')):.3f} [{spread(f('test'))}] | "
          f"{med(f('wall')):.0f} [{min(f('wall')):.0f}–{max(f('wall')):.0f}] | {'/'.join(map(str, steps))} | "
          f"{'/'.join(map(str, sorted(set(f('images')))))} | {med(f('changes')):.0f} |")

print("\n## Paired per-seed differences (same seed, same data; A − B)\n")
print("A difference is called consistent when every seed agrees on its sign (with 5 seeds a two-sided sign test "
      "gives p = 0.0625, so even that is weak evidence) and its median exceeds half B's own seed-to-seed range.\n")
print("| A vs B | split | per-seed differences | median | A better in | verdict |")
print("|---|---|---|---:|---:|---|")
pairs = [(k, "fixed") for k in kinds if k != "fixed"] + [("pbt", "random"), ("pbt", "asha"), ("asha", "random")]
for a, b in pairs:
    if a not in kinds or b not in kinds:
        continue
    for split in ("val", "test"):
        A = {r["seed"]: r[split] for r in by(a)}
        B = {r["seed"]: r[split] for r in by(b)}
        seeds = sorted(set(A) & set(B), key=int)
        d = [A[s] - B[s] for s in seeds]
        half_range = (max(B.values()) - min(B.values())) / 2
        consistent = (all(x > 0 for x in d) or all(x < 0 for x in d)) and abs(med(d)) > half_range
        print(f"| {a} vs {b} | {split} | {', '.join(f'{x:+.3f}' for x in d)} | {med(d):+.3f} | "
              f"{sum(x > 0 for x in d)}/{len(d)} | {'consistent' if consistent else 'within seed noise'} |")

print("\n## Overhead per run (seconds per rank, median over seeds)\n")
print("| tuner | wall s | evaluation | record exchange | exploit copies (n, MB, s) | checkpoint writes | all four, % of wall |")
print("|---|---:|---:|---:|---|---:|---:|")
for k in kinds:
    r = by(k)
    f = lambda key: med([x[key] for x in r])
    total = f("eval") + f("rec") + f("exploit") + f("ckpt")
    print(f"| {k} | {f('wall'):.0f} | {f('eval'):.1f} | {f('rec'):.1f} | {f('n_exploit'):.0f}, {f('mb'):.0f} MB, {f('exploit'):.2f} s | "
          f"{f('ckpt'):.1f} | {100 * total / f('wall'):.0f}% |")

print("\n## Runs\n")
print("| tuner | seed | val | test | wall s | steps | best member: hyperparameters over the run |")
print("|---|---:|---:|---:|---:|---:|---|")
for k in kinds:
    for r in by(k):
        print(f"| {k} | {r['seed']} | {r['val']:.3f} | {r['test']:.3f} | {r['wall']:.0f} | {r['steps']} | {r['traj']} |")
