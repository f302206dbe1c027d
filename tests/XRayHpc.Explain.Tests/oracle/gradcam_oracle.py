"""Grad-CAM / CAM oracle: torchvision model (random init, fixed seed, BN running statistics randomised so eval
mode is not the identity), the maps computed with a forward hook on the last convolutional stage and a tensor
hook on its output (the usual PyTorch Grad-CAM recipe), all written as safetensors.

usage: gradcam_oracle.py NAME NUM_CLASSES IN_CHANNELS SIZE SEED CLASS[,CLASS...] OUT_DIR
"""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "XRayHpc.Torch.Tests", "oracle"))
import st  # noqa: E402
from export_model import build  # noqa: E402


def main():
    name, num_classes, in_channels, size, seed, classes, out = sys.argv[1:8]
    num_classes, in_channels, size, seed = map(int, (num_classes, in_channels, size, seed))
    classes = [int(c) for c in classes.split(",")]
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    model = build(name, num_classes, in_channels)
    g = torch.Generator().manual_seed(seed + 7)
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                mod.running_mean.copy_(torch.randn(mod.running_mean.shape, generator=g) * 0.2)
                mod.running_var.copy_(torch.rand(mod.running_var.shape, generator=g) + 0.5)
                mod.weight.copy_(torch.rand(mod.weight.shape, generator=g) + 0.5)
                mod.bias.copy_(torch.randn(mod.bias.shape, generator=g) * 0.1)
    model.eval()
    st.save(f"{out}/weights.safetensors", model.state_dict())

    layer = model.layer4 if name.startswith("resnet") else model.features
    head = model.fc if name.startswith("resnet") else model.classifier
    saved = {}

    def forward_hook(module, inputs, output):
        saved["acts"] = output.detach().clone()
        output.register_hook(lambda grad: saved.__setitem__("grads", grad.detach().clone()))
        # DenseNet applies an in-place ReLU to this output: hand the rest of the network a copy.
        return output.clone()

    layer.register_forward_hook(forward_hook)
    x = torch.randn(2, in_channels, size, size, generator=g)
    result = {"input": x}
    for c in classes:
        model.zero_grad()
        logits = model(x)
        logits[:, c].sum().backward()
        acts, grads = saved["acts"], saved["grads"]
        alpha = grads.mean(dim=(2, 3), keepdim=True)
        cam = F.relu((alpha * acts).sum(dim=1))
        up = F.interpolate(cam[:, None], size=(size, size), mode="bilinear", align_corners=False)[:, 0]
        pooled = acts if name.startswith("resnet") else F.relu(acts)
        plain = (pooled * head.weight[c].detach()[None, :, None, None]).sum(dim=1)
        result["logits"] = logits.detach()
        result[f"gradcam.{c}"] = cam
        result[f"gradcam_up.{c}"] = up
        result[f"cam.{c}"] = plain
    st.save(f"{out}/oracle.safetensors", result)


if __name__ == "__main__":
    main()
