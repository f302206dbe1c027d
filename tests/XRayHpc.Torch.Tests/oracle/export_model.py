"""Oracle for the model tests: a torchvision model with random init (fixed seed), its weights, an input,
the eval-mode logits, and the gradients of one training step (cross-entropy), all as safetensors.

usage: export_model.py NAME NUM_CLASSES IN_CHANNELS BATCH SIZE SEED OUT_DIR
"""
import sys

import torch
import torchvision

import st


def build(name, num_classes, in_channels):
    model = getattr(torchvision.models, name)(num_classes=num_classes)
    if in_channels != 3:
        # Same stem swap as our models: a 7x7/2 conv with in_channels inputs, kaiming-initialised like the rest.
        if name.startswith("resnet"):
            model.conv1 = torch.nn.Conv2d(in_channels, 64, 7, 2, 3, bias=False)
            torch.nn.init.kaiming_normal_(model.conv1.weight, mode="fan_out", nonlinearity="relu")
        else:
            model.features.conv0 = torch.nn.Conv2d(in_channels, 64, 7, 2, 3, bias=False)
            torch.nn.init.kaiming_normal_(model.features.conv0.weight)
    return model


def main():
    name, num_classes, in_channels, batch, size, seed, out = sys.argv[1:8]
    num_classes, in_channels, batch, size, seed = map(int, (num_classes, in_channels, batch, size, seed))
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
