"""The compute ceiling for `make bench-serve`: ResNet-18 forward passes alone (no HTTP, no decode) on the same
libtorch, milliseconds per image at batch 1, 8 and 16 with THREADS intra-op threads, and CONCURRENCY Python threads
each running batch-1 passes at once (what the ThreadingHTTPServer baseline does under load). The best batched
ms/image over the concurrent batch-1 ms/image bounds what batching can gain over the baseline on this CPU.

usage: forward.py NUM_CLASSES THREADS IN_CHANNELS SECONDS [CONCURRENCY=8]   (prints one JSON line)
"""
import json
import sys
import threading
import time

import torch
import torchvision

num_classes, threads, in_ch, seconds = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
conc = int(sys.argv[5]) if len(sys.argv) > 5 else 8
torch.set_num_threads(threads)
model = torchvision.models.resnet18(num_classes=num_classes).eval()
if in_ch == 1:
    model.conv1 = torch.nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3, bias=False).eval()


def per_image_ms(batch, channels_last=False):
    x = torch.randn(batch, in_ch, 224, 224)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    with torch.no_grad():
        model(x)  # warm-up: allocation, primitive creation
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            model(x)
            n += batch
    return (time.perf_counter() - t0) * 1000 / n


def concurrent_batch1_ms(conc):
    x = torch.randn(1, in_ch, 224, 224)
    counts, deadline = [0] * conc, time.perf_counter() + seconds

    def work(i):
        with torch.no_grad():
            while time.perf_counter() < deadline:
                model(x)
                counts[i] += 1

    t0 = time.perf_counter()
    ts = [threading.Thread(target=work, args=(i,)) for i in range(conc)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return (time.perf_counter() - t0) * 1000 / sum(counts)


out = {"threads": threads, **{f"batch{b}_ms_per_image": per_image_ms(b) for b in (1, 2, 4, 8, 16)}}
out[f"batch1_x{conc}_python_threads_ms_per_image"] = concurrent_batch1_ms(conc)
# The same weights in channels_last (NHWC), the layout oneDNN convolves in without reordering activations.
model = model.to(memory_format=torch.channels_last)
out.update({f"channels_last_batch{b}_ms_per_image": per_image_ms(b, True) for b in (1, 8)})
print(json.dumps(out))
