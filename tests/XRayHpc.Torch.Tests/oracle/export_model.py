"""Oracle for the model tests: a torchvision model with random init (fixed seed), its weights, an input,
the eval-mode logits, and the gradients of one training step (cross-entropy), all as safetensors.

usage: export_model.py NAME NUM_CLASSES IN_CHANNELS BATCH SIZE SEED OUT_DIR [onednn=off]
  onednn=off runs the model with torch.backends.mkldnn disabled (ATen's native kernels), as the test
  then does on its side too.
"""
import sys

import torch
import torchvision

import st


def build(name, num_classes, in_channels):
    """torchvision's model with an in_channels stem built in place: torchvision hard-codes 3 input channels
    in the stem (ResNet conv1, DenseNet features.conv0, each the model's first module), so the first 7x7
    convolution of the construction is made with in_channels instead. Everything else, including the order
    in which modules are created and initialised (and so every random draw), is torchvision's own code:
    the weights equal what torchvision would give if it took in_channels."""
    if in_channels == 3:
        return getattr(torchvision.models, name)(num_classes=num_classes)
    conv2d = torch.nn.Conv2d
    stem_done = []

    class StemConv2d(conv2d):
        def __init__(self, cin, cout, kernel_size, *args, **kwargs):
            if not stem_done and cin == 3 and kernel_size == 7:
                stem_done.append(True)
                cin = in_channels
            super().__init__(cin, cout, kernel_size, *args, **kwargs)

    # torchvision's modules name the class through torch.nn at construction time (nn.Conv2d(...) and
    # isinstance(m, nn.Conv2d) in the init loop), so the swap applies only inside this call.
    torch.nn.Conv2d = StemConv2d
    try:
        model = getattr(torchvision.models, name)(num_classes=num_classes)
    finally:
        torch.nn.Conv2d = conv2d
    assert stem_done, f"{name}: no 3-channel 7x7 stem convolution was created"
    return model


def main():
    name, num_classes, in_channels, batch, size, seed, out = sys.argv[1:8]
    num_classes, in_channels, batch, size, seed = map(int, (num_classes, in_channels, batch, size, seed))
    if "onednn=off" in sys.argv[8:]:
        torch.backends.mkldnn.enabled = False
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    model = build(name, num_classes, in_channels)
    st.save(f"{out}/weights.safetensors", model.state_dict())

    g = torch.Generator().manual_seed(seed + 1)
    x = torch.randn(batch, in_channels, size, size, generator=g)
    target = torch.randint(0, num_classes, (batch,), generator=g)

    model.eval()
    with torch.no_grad():
        eval_logits = model(x)

    model.train()
    logits = model(x)
    loss = torch.nn.functional.cross_entropy(logits, target)
    loss.backward()
    result = {"input": x, "target": target, "eval_logits": eval_logits, "train_logits": logits.detach(),
              "loss": loss.detach().reshape(1)}
    for n, p in model.named_parameters():
        result["grad." + n] = p.grad
    for n, b in model.named_buffers():
        result["after." + n] = b
    st.save(f"{out}/oracle.safetensors", result)


if __name__ == "__main__":
    main()
