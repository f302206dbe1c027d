"""Where a ResNet-18 training step spends its time, by libtorch operator (ours calls the same kernels).

Run with Debian's interpreter: /usr/bin/python3 tests/bench/engine/profile_step.py [size] [threads]
Prints the top operators by self CPU time for a bf16-autocast, channels_last step at batch 16, grouped as
convolution (forward + backward), batch norm, elementwise/pooling, optimizer and the rest, so the gap
between achieved GFLOP/s and the measured conv peak can be attributed.
"""
import sys
import torch
import torchvision
from torch.profiler import profile, ProfilerActivity

size = int(sys.argv[1]) if len(sys.argv) > 1 else 224
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
torch.set_num_threads(threads)
torch.manual_seed(0)
model = torchvision.models.resnet18(num_classes=14).to(memory_format=torch.channels_last)
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
x = torch.randn(16, 3, size, size).to(memory_format=torch.channels_last)
y = torch.rand(16, 14).round()


def step():
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss = torch.nn.functional.binary_cross_entropy_with_logits(model(x).float(), y)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()


for _ in range(3):
    step()
with profile(activities=[ProfilerActivity.CPU]) as prof:
    for _ in range(5):
        step()

groups = {"convolution": 0.0, "batch_norm": 0.0, "elementwise/pool/other": 0.0, "optimizer": 0.0, "dtype copies": 0.0}
total = 0.0
rows = []
for e in prof.key_averages():
    t = e.self_cpu_time_total
    total += t
    rows.append((t, e.key))
    k = e.key.lower()
    if "conv" in k or "mkldnn" in k:
        groups["convolution"] += t
    elif "batch_norm" in k:
        groups["batch_norm"] += t
    elif "sgd" in k or "optimizer" in k or "_foreach" in k:
        groups["optimizer"] += t
    elif k in ("aten::copy_", "aten::_to_copy", "aten::to"):
        groups["dtype copies"] += t
    else:
        groups["elementwise/pool/other"] += t
print(f"# ResNet-18 step, {size} px, batch 16, bf16 autocast + channels_last, {threads} threads: self CPU time by group")
for g, t in sorted(groups.items(), key=lambda kv: -kv[1]):
    print(f"{g:>24}: {100 * t / total:5.1f}%")
print("\n# top operators by self CPU time")
for t, k in sorted(rows, reverse=True)[:12]:
    print(f"{100 * t / total:5.1f}%  {k}")
