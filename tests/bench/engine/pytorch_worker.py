"""PyTorch side of `make bench-engine`: one ResNet-18 training step (forward, cross-entropy, backward,
SGD step) per iteration, driven over stdin by the bench driver so it interleaves with our engine.

protocol: reads "run N" -> prints {"times": [seconds per step, ...]}; "quit" -> prints {"vmhwm_kb": ...}
usage: pytorch_worker.py SIZE fp32|bf16 contiguous|channels_last BATCH THREADS
"""
import json
import sys
import time

import torch
import torchvision


def vmhwm_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def main():
    size, precision, fmt, batch, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    size = int(size)
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    mf = torch.channels_last if fmt == "channels_last" else torch.contiguous_format
    model = torchvision.models.resnet18(num_classes=1000).to(memory_format=mf)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    x = torch.randn(batch, 3, size, size).contiguous(memory_format=mf)
    y = torch.randint(0, 1000, (batch,))

    def step():
        opt.zero_grad()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
            out = model(x)
            loss = torch.nn.functional.cross_entropy(out, y)
        loss.backward()
        opt.step()

    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        cmd = line.split()
        if not cmd:
            continue
        if cmd[0] == "run":
            times = []
            for _ in range(int(cmd[1])):
                t0 = time.perf_counter()
                step()
                times.append(time.perf_counter() - t0)
            print(json.dumps({"times": times}), flush=True)
        elif cmd[0] == "quit":
            print(json.dumps({"vmhwm_kb": vmhwm_kb()}), flush=True)
            return


if __name__ == "__main__":
    main()
