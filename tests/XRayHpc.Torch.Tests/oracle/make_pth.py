"""Oracle for the .pth import tests: a torchvision model (random init, fixed seed) saved with torch.save in the
zip format and the legacy format, an input, its eval logits, and the same model adapted to one input channel
(first convolution's RGB kernels summed) with its eval logits on a one-channel input.

usage: make_pth.py NAME NUM_CLASSES SEED OUT_DIR
writes OUT_DIR/{zip.pth, legacy.pth, checkpoint.pth (a {'epoch', 'state_dict'} dict), weights.safetensors, oracle.safetensors}
"""
import sys

import torch
import torchvision

import st


def main():
    name, num_classes, seed, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    model = getattr(torchvision.models, name)(num_classes=num_classes)
    # Random init leaves BN at mean 0 / var 1; give the statistics values so that loading them is tested.
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.1, 0.1)
                m.num_batches_tracked.fill_(7)
    sd = model.state_dict()
    torch.save(sd, f"{out}/zip.pth")
    torch.save(sd, f"{out}/legacy.pth", _use_new_zipfile_serialization=False)
    torch.save({"epoch": 3, "state_dict": sd}, f"{out}/checkpoint.pth")
    st.save(f"{out}/weights.safetensors", sd)

    g = torch.Generator().manual_seed(seed + 1)
    x = torch.randn(2, 3, 64, 64, generator=g)
    x1 = torch.randn(2, 1, 64, 64, generator=g)
    model.eval()
    with torch.no_grad():
        logits = model(x)
        # The same 3 -> 1 channel adaptation done in PyTorch: sum the stem's RGB kernels.
        stem = "conv1" if name.startswith("resnet") else "features.conv0"
        conv = model.conv1 if name.startswith("resnet") else model.features.conv0
        one = torch.nn.Conv2d(1, conv.out_channels, conv.kernel_size, conv.stride, conv.padding, bias=False)
        one.weight.copy_(conv.weight.sum(dim=1, keepdim=True))
        if name.startswith("resnet"):
            model.conv1 = one
        else:
            model.features.conv0 = one
        logits1 = model(x1)
    st.save(f"{out}/oracle.safetensors", {"input": x, "eval_logits": logits, "input1": x1, "eval_logits1": logits1,
                                           "stem1": one.weight.detach().clone()})
    print(stem)


if __name__ == "__main__":
    main()
