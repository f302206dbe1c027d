"""Oracle for the LR scheduler tests: prints a JSON list of [lr, momentum] after each scheduler step.

usage: sched_trace.py CONFIG_JSON   (one config, or a JSON list of them -> a list of traces)
  CONFIG = {"kind": "step|cosine|onecycle|plateau|warmup_cosine|warmup_step", "opt": "sgd|adam",
                 "lr": .., "steps": N, "args": {...}, "metrics": [..] (plateau only)}
"""
import json
import sys

import torch
from torch.optim import lr_scheduler as S


def trace(cfg):
    p = [torch.zeros(1, requires_grad=True)]
    opt = (torch.optim.SGD(p, lr=cfg["lr"], momentum=0.9) if cfg["opt"] == "sgd"
           else torch.optim.Adam(p, lr=cfg["lr"], betas=(0.9, 0.999)))
    a, kind = cfg.get("args", {}), cfg["kind"]
    if kind == "step":
        s = S.StepLR(opt, **a)
    elif kind == "cosine":
        s = S.CosineAnnealingLR(opt, **a)
    elif kind == "onecycle":
        s = S.OneCycleLR(opt, **a)
    elif kind == "plateau":
        s = S.ReduceLROnPlateau(opt, **a)
    elif kind == "warmup_cosine":
        s = S.ChainedScheduler([S.LinearLR(opt, start_factor=a["start_factor"], end_factor=1.0,
                                           total_iters=a["warmup"]),
                                S.CosineAnnealingLR(opt, T_max=a["T_max"])])
    elif kind == "warmup_step":
        s = S.ChainedScheduler([S.LinearLR(opt, start_factor=a["start_factor"], end_factor=1.0,
                                           total_iters=a["warmup"]),
                                S.StepLR(opt, step_size=a["step_size"], gamma=a["gamma"])])
    else:
        raise SystemExit("unknown kind " + kind)

    def snapshot():
        g = opt.param_groups[0]
        return [g["lr"], g["momentum"] if "momentum" in g else g["betas"][0]]

    result = [snapshot()]
    for i in range(cfg["steps"]):
        opt.step()
        if kind == "plateau":
            s.step(cfg["metrics"][i])
        else:
            s.step()
        result.append(snapshot())
    return result


def main():
    cfg = json.loads(sys.argv[1])
    print(json.dumps([trace(c) for c in cfg] if isinstance(cfg, list) else trace(cfg)))


if __name__ == "__main__":
    main()
