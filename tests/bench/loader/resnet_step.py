"""How fast training consumes images: PyTorch ResNet-18 training steps, batch 16, 224 px, bf16 autocast,
channels_last, SGD, 2 threads (the configuration of the design notes). Prints RESULT resnet <images> <seconds>."""
import sys, time, torch, torchvision

steps = int(sys.argv[1]) if len(sys.argv) > 1 else 6
torch.set_num_threads(2)
torch.manual_seed(0)
model = torchvision.models.resnet18(num_classes=14).to(memory_format=torch.channels_last)
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
x = torch.randn(16, 3, 224, 224).to(memory_format=torch.channels_last)
y = (torch.rand(16, 14) > 0.7).float()
loss_fn = torch.nn.BCEWithLogitsLoss()

def step():
    opt.zero_grad(set_to_none=True)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss = loss_fn(model(x).float(), y)
    loss.backward()
    opt.step()

step(); step()  # warm-up (allocator, oneDNN primitive cache)
t = time.perf_counter()
for _ in range(steps):
    step()
print(f"RESULT resnet {steps * 16} {time.perf_counter() - t:.4f}")
