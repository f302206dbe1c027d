"""PyTorch side of `make bench-engine`: one ResNet-18 training step (forward, cross-entropy, backward,
SGD step) or inference pass (eval, inference_mode, autocast per pass: tests/bench/serve/torch_settings.py, as the
settings-matched serving baseline runs it) per iteration, driven over stdin by the bench driver so it interleaves
with our engine.

protocol: reads "run N" -> prints {"times": [seconds per step, ...]}; "quit" -> prints {"vmhwm_kb": ...}
usage: pytorch_worker.py SIZE fp32|bf16 contiguous|channels_last BATCH train|infer IN_CHANNELS CLASSES THREADS
"""
import json
import sys
import time

import torch

from torch_settings import inference_context, resnet18


def vmhwm_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def main():
    size, precision, fmt, batch = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
    mode, in_ch, classes, threads = sys.argv[5], int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    mf = torch.channels_last if fmt == "channels_last" else torch.contiguous_format
    bf16 = precision == "bf16"
    x = torch.randn(batch, in_ch, size, size).contiguous(memory_format=mf)
    # The model is defined once, with the serving bench (torchvision's ResNet-18, 1-channel conv1 when asked).
    model = resnet18(classes, in_ch, fmt == "channels_last")
    if mode == "infer":
        def step():
            with inference_context(bf16):
                model(x).float()
    else:
        model.train()
        opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
        y = torch.randint(0, classes, (batch,))

        def step():
            train_step()

    def train_step():
        opt.zero_grad()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
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
