"""The compute ceiling for `make bench-serve`: ResNet-18 forward passes alone (no HTTP, no decode) on the same
libtorch, milliseconds per image at batch 1, 2, 8 (and 16) with THREADS intra-op threads, and CONCURRENCY Python
threads each running batch-1 passes at once (what the ThreadingHTTPServer baseline does under load). Each is
measured in two settings: fp32 on contiguous (NCHW) tensors under no_grad (what the simplest baseline does), and
bf16 autocast on channels_last (NHWC) tensors under inference_mode (what a run trained with `precision: {dtype: bf16,
channels_last: true}` is served with, by `xrayhpc serve` and by the settings-matched baseline). The best batched
ms/image over the concurrent batch-1 ms/image bounds what batching can gain over the baseline on this CPU.

usage: forward.py NUM_CLASSES THREADS IN_CHANNELS SECONDS [CONCURRENCY=8] [SETTINGS=fp32,bf16_cl]
       (prints one JSON line; SECONDS per cell)
Run it with GLIBC_TUNABLES set to our shim's allocator settings (RuntimeInfo.EquivalentGlibcTunables) to compare with
`xrayhpc serve`: with glibc's defaults every pass gives its large blocks back to the OS and faults them in again,
which on this VM cost bf16 passes up to 5x.
"""
import json
import sys
import threading
import time

import torch

from torch_settings import inference_context, resnet18

num_classes, threads, in_ch, seconds = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
conc = int(sys.argv[5]) if len(sys.argv) > 5 else 8
settings = sys.argv[6].split(",") if len(sys.argv) > 6 else ["fp32", "bf16_cl"]
torch.set_num_threads(threads)


def make_model(channels_last):
    return resnet18(num_classes, in_ch, channels_last)


def make_input(batch, channels_last):
    x = torch.randn(batch, in_ch, 224, 224)
    return x.contiguous(memory_format=torch.channels_last) if channels_last else x


def forward(model, x, bf16):
    # The context per pass, as a server enters it per request or batch: leaving autocast drops its cache of bf16
    # weight copies, so every pass casts the weights again (as `xrayhpc serve` and `evaluate` do).
    with inference_context(bf16):
        model(x)


def per_image_ms(model, batch, bf16, channels_last):
    x = make_input(batch, channels_last)
    forward(model, x, bf16)  # warm-up: allocation, primitive creation
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        forward(model, x, bf16)
        n += batch
    return (time.perf_counter() - t0) * 1000 / n


def concurrent_batch1_ms(model, bf16, channels_last):
    x = make_input(1, channels_last)
    counts = [0] * conc

    def work(i):
        # At least one pass each: a cell shorter than one pass must not divide by zero.
        while counts[i] == 0 or time.perf_counter() < deadline:
            forward(model, x, bf16)
            counts[i] += 1

    forward(model, x, bf16)  # warm-up, before the clock starts
    t0 = time.perf_counter()
    deadline = t0 + seconds
    ts = [threading.Thread(target=work, args=(i,)) for i in range(conc)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return (time.perf_counter() - t0) * 1000 / sum(counts)


out = {"threads": threads, "seconds_per_cell": seconds}
for s in settings:
    bf16, cl = {"fp32": (False, False), "fp32_cl": (False, True), "bf16": (True, False), "bf16_cl": (True, True)}[s]
    model = make_model(cl)
    for b in (1, 2, 8):
        out[f"{s}_batch{b}_ms_per_image"] = round(per_image_ms(model, b, bf16, cl), 2)
    out[f"{s}_batch1_x{conc}_python_threads_ms_per_image"] = round(concurrent_batch1_ms(model, bf16, cl), 2)
print(json.dumps(out))
