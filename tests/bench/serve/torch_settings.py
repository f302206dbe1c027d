"""The two ways the PyTorch side of `make bench-serve` runs ResNet-18, defined once for baseline.py and forward.py
(and the model and inference pass of `make bench-engine`'s PyTorch worker):
fp32 (torchvision's model as built, NCHW, no_grad: the simplest baseline) and bf16_cl (bf16 autocast, channels_last,
inference_mode: what `xrayhpc serve` does for a run trained with `precision: {dtype: bf16, channels_last: true}`)."""
import contextlib

import torch
import torchvision


def resnet18(num_classes, in_channels, channels_last):
    """torchvision's ResNet-18 in eval mode; a first convolution over in_channels (1 like the run's model) when not 3."""
    m = torchvision.models.resnet18(num_classes=num_classes)
    if in_channels != 3:
        m.conv1 = torch.nn.Conv2d(in_channels, 64, kernel_size=7, stride=2, padding=3, bias=False)
    m = m.eval()
    return m.to(memory_format=torch.channels_last) if channels_last else m


def inference_context(bf16):
    """A fresh grad-mode/autocast context. Both are thread-local, so each request (handler thread) or pass enters its
    own; leaving autocast drops its cache of bf16 weight copies, as `xrayhpc serve` and `evaluate` do per batch."""
    if not bf16:
        return torch.no_grad()
    stack = contextlib.ExitStack()
    stack.enter_context(torch.inference_mode())
    stack.enter_context(torch.autocast("cpu", dtype=torch.bfloat16))
    return stack
