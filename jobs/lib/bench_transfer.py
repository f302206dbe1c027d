#!/usr/bin/env python3
"""Summarises a jobs/bench-transfer.sh output folder; reads run directories only (summary.json, metrics.jsonl,
checkpoints), the pretrained package (model.yaml, model.safetensors) and walls.txt (each run's wall time as the
launcher measured it). Prints Markdown (per-arm mean, sd and min–max over seeds; paired per-seed differences;
per-run rows) and writes results.json beside it.

Also checks the harness itself and exits 1 when a check fails: every run trained the steps asked for, the
fine-tuning arms loaded the package's weights (the rank log's "loaded" line), and the frozen arm's final backbone
is byte-identical to the package's (every tensor but the head, BatchNorm statistics included) while its head
changed. The byte comparison reads safetensors directly: an 8-byte little-endian header length, a JSON header
{name: {dtype, shape, data_offsets}}, then the raw tensor bytes."""
import json, os, re, statistics, struct, sys

out = sys.argv[1]
ARMS = ["scratch", "finetune", "frozen"]
HEAD = "fc."


def lines(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


def tensors(path):
    """name -> (dtype, shape, raw bytes) of a safetensors file."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    return {k: (v["dtype"], tuple(v["shape"]), data[v["data_offsets"][0]:v["data_offsets"][1]])
            for k, v in header.items() if k != "__metadata__"}


def final_weights(run, summary):
    if not summary.get("checkpoint"):
        raise SystemExit(f"bench-transfer: {run}: summary.json names no final checkpoint")
    return os.path.join(run, "checkpoints", summary["checkpoint"], "model.safetensors")


def package_step(path):
    """provenance.step of a model.yaml (the only `step:` key the package writes)."""
    for line in open(path):
        m = re.match(r"^\s+step:\s*(\d+)\s*$", line)
        if m:
            return int(m.group(1))
    raise SystemExit(f"bench-transfer: {path}: no provenance step")


walls = {}
for line in open(os.path.join(out, "walls.txt")):
    parts = line.split()
    walls[tuple(parts[:-1])] = float(parts[-1])

pre_dir = os.path.join(out, "pretrain")
pre_summary = json.load(open(os.path.join(pre_dir, "summary.json")))
pre_metrics = lines(os.path.join(pre_dir, "metrics.jsonl"))
package = os.path.join(out, "pretrained")
pretrained = tensors(os.path.join(package, "model.safetensors"))
selection = json.load(open(os.path.join(package, "selection.json")))
step = package_step(os.path.join(package, "model.yaml"))
chosen = next(r for r in pre_metrics if r["step"] == step)
pretrain = dict(steps=max(r["step"] for r in pre_metrics), wall=walls[("pretrain",)], package_step=step,
                package_val=chosen["mean_auroc"], final_val=pre_summary["val_mean_auroc"],
                final_test=pre_summary["test_mean_auroc"],
                # The findings the pneumonia task draws (bacterial: Pneumonia; viral: Infiltration) and its neighbour.
                shared_val_auroc={k: chosen["auroc"][k] for k in ("Pneumonia", "Infiltration", "Consolidation")},
                selection=selection)
LOADED = re.compile(r"init from .*: (\d+) loaded, (\d+) adapted, (\d+) re-initialised, (\d+) ignored, (\d+) missing")

problems = []
rows = []
for key, wall in walls.items():
    if len(key) != 2:
        continue
    arm, seed = key
    run = os.path.join(out, f"{arm}-{seed}")
    s = json.load(open(os.path.join(run, "summary.json")))
    metrics = lines(os.path.join(run, "metrics.jsonl"))
    steps = max(r["step"] for r in metrics)
    peak = max(r["mean_auroc"] for r in metrics)
    log = open(os.path.join(run, "logs", "rank-0.log")).read()
    init = LOADED.search(log)
    n_backbone = sum(1 for k in pretrained if not k.startswith(HEAD))
    if arm == "scratch" and init:
        problems.append(f"scratch seed {seed}: the rank-0 log says it loaded initial weights")
    if arm != "scratch" and (not init or int(init.group(1)) != n_backbone or int(init.group(5)) != 0):
        problems.append(f"{arm} seed {seed}: the rank-0 log does not say all {n_backbone} backbone tensors were loaded "
                        f"({init.group(0) if init else 'no init line'})")
    final = tensors(final_weights(run, s))
    backbone = [k for k in pretrained if not k.startswith(HEAD)]
    same = [k for k in backbone if k in final and final[k] == pretrained[k]]
    head_changed = any(k.startswith(HEAD) and k in pretrained and final[k] != pretrained[k] for k in final)
    if arm == "frozen":
        if len(same) != len(backbone):
            changed = [k for k in backbone if k not in same]
            problems.append(f"frozen seed {seed}: {len(changed)} backbone tensors differ from the package's (e.g. {changed[:3]})")
        if not head_changed:
            problems.append(f"frozen seed {seed}: the head did not change")
    rows.append(dict(arm=arm, seed=int(seed), val=s["val_mean_auroc"], test=s["test_mean_auroc"], peak_val=peak,
                     steps=steps, wall=wall, backbone_tensors=len(backbone), backbone_unchanged=len(same)))

steps_seen = sorted({r["steps"] for r in rows})
if len(steps_seen) != 1:
    problems.append(f"runs trained different step counts: {steps_seen}")


def by(arm): return sorted((r for r in rows if r["arm"] == arm), key=lambda r: r["seed"])
def sd(xs): return statistics.stdev(xs) if len(xs) > 1 else 0.0
def stat(xs): return dict(mean=statistics.mean(xs), sd=sd(xs), min=min(xs), max=max(xs))
def fmt(st): return f"{st['mean']:.3f} ± {st['sd']:.3f} [{st['min']:.3f}–{st['max']:.3f}]"


arms = [a for a in ARMS if by(a)]
summary = {a: dict(seeds=len(by(a)), val=stat([r["val"] for r in by(a)]), test=stat([r["test"] for r in by(a)]),
                   peak_val=stat([r["peak_val"] for r in by(a)]), wall=stat([r["wall"] for r in by(a)]),
                   steps=sorted({r["steps"] for r in by(a)})) for a in arms}

print(f"## Pretraining (14-label NIH-layout set)\n")
shared = ", ".join(f"{k} {v:.3f}" for k, v in pretrain["shared_val_auroc"].items())
print(f"{pretrain['steps']} steps in {pretrain['wall']:.0f} s (training + `xrayhpc select`). The package (`xrayhpc select`: "
      f"best validation checkpoint, step {pretrain['package_step']}): val mean AUROC {pretrain['package_val']:.3f} over 14 "
      f"findings; on the findings the pneumonia task draws: {shared}. Final model: val {pretrain['final_val']:.3f}, "
      f"test {pretrain['final_test']:.3f}.\n")
print("## Per arm (mean ± sd [min–max] over seeds; AUROC of the model at the last step)\n")
print("| arm | seeds | steps | val AUROC | test AUROC | best val AUROC during the run | wall s per run |")
print("|---|---:|---:|---|---|---|---:|")
for a in arms:
    m = summary[a]
    print(f"| {a} | {m['seeds']} | {'/'.join(map(str, m['steps']))} | {fmt(m['val'])} | {fmt(m['test'])} | "
          f"{fmt(m['peak_val'])} | {m['wall']['mean']:.0f} [{m['wall']['min']:.0f}–{m['wall']['max']:.0f}] |")

print("\n## Paired per-seed differences (same seed, same data; A − B)\n")
print("| A vs B | split | per-seed differences | mean | A better in |")
print("|---|---|---|---:|---:|")
paired = []
for a, b in [("finetune", "scratch"), ("frozen", "scratch"), ("finetune", "frozen")]:
    if a not in arms or b not in arms:
        continue
    for split in ("val", "test"):
        A = {r["seed"]: r[split] for r in by(a)}
        B = {r["seed"]: r[split] for r in by(b)}
        d = [A[s] - B[s] for s in sorted(set(A) & set(B))]
        paired.append(dict(a=a, b=b, split=split, differences=d))
        print(f"| {a} vs {b} | {split} | {', '.join(f'{x:+.3f}' for x in d)} | {statistics.mean(d):+.3f} | "
              f"{sum(x > 0 for x in d)}/{len(d)} |")

print("\n## Runs\n")
print("| arm | seed | steps | val AUROC | test AUROC | best val during the run | wall s | backbone tensors equal to the package's |")
print("|---|---:|---:|---:|---:|---:|---:|---|")
for a in arms:
    for r in by(a):
        print(f"| {a} | {r['seed']} | {r['steps']} | {r['val']:.3f} | {r['test']:.3f} | {r['peak_val']:.3f} | "
              f"{r['wall']:.0f} | {r['backbone_unchanged']}/{r['backbone_tensors']} |")

print("\n## Harness checks\n")
if problems:
    for p in problems:
        print(f"- FAILED: {p}")
else:
    print("- every run trained the same steps; the fine-tuning arms logged loading every backbone tensor of the package "
          "(the head re-initialised: 1 class, not 14) and scratch loaded none; the frozen "
          "arm's backbone (every tensor but the head, BatchNorm statistics included) is byte-identical to the package's "
          "in every seed and its head changed.")

with open(os.path.join(out, "results.json"), "w") as f:
    json.dump(dict(pretrain=pretrain, arms=summary, paired=paired, runs=rows, problems=problems), f, indent=2)
sys.exit(1 if problems else 0)
