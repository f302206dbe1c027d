"""Oracle for the optimizer tests: runs torch.optim over seeded parameters and gradients for several steps,
changing hyperparameters between steps like PBT does, and records the parameters after every step and the
final optimizer state.

usage: optim_trace.py OUT_FILE CONFIG_JSON
  CONFIG_JSON = {"opt": "sgd|adam|adamw", "kwargs": {...}, "steps": N, "seed": S,
                 "changes": {"<step>": {"lr": .., "momentum": .., "weight_decay": ..}}}
"""
import json
import sys

import torch

import st

SHAPES = [(4, 3, 3, 3), (4,), (7, 5), (5,)]


def main():
    out, cfg = sys.argv[1], json.loads(sys.argv[2])
    g = torch.Generator().manual_seed(cfg["seed"])
    params = [torch.randn(s, generator=g).requires_grad_() for s in SHAPES]
    result = {f"init.{i}": p.detach().clone() for i, p in enumerate(params)}
    kwargs = dict(cfg["kwargs"])
    if "betas" in kwargs:
        kwargs["betas"] = tuple(kwargs["betas"])
    opt = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[cfg["opt"]](params, **kwargs)
    for step in range(cfg["steps"]):
        for k, v in cfg.get("changes", {}).get(str(step), {}).items():
            opt.param_groups[0][k] = tuple(v) if k == "betas" else v
        for i, p in enumerate(params):
            grad = torch.randn(p.shape, generator=g)
            result[f"grad.{step}.{i}"] = grad
            p.grad = grad.clone()
        opt.step()
        for i, p in enumerate(params):
            result[f"param.{step}.{i}"] = p.detach().clone()
    for i, p in enumerate(params):
        for k, v in ((k, v) for k, v in opt.state[p].items() if v is not None):
            result[f"state.{i}.{k}"] = v.reshape(-1) if v.dim() == 0 else v
    st.save(out, result)


if __name__ == "__main__":
    main()
