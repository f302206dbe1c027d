"""Oracle for the Engine* tests: reads inputs our C# code wrote as safetensors, computes the same ops
with Debian's PyTorch, writes the expected results as safetensors. Usage: engine_oracle.py CMD IN OUT [CMD IN OUT ...].
The safetensors reader/writer is deliberately tiny and independent of ours (the `safetensors`
package is not installed): it is what proves a Python user can read our files and we can read theirs."""
import json
import struct
import sys

import torch
import torch.nn.functional as F

DT = {"F32": torch.float32, "F64": torch.float64, "BF16": torch.bfloat16, "F16": torch.float16,
      "I64": torch.int64, "I32": torch.int32, "U8": torch.uint8, "BOOL": torch.bool}


def load(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {})
    out = {}
    for name, e in header.items():
        b, end = e["data_offsets"]
        buf = bytearray(raw[8 + n + b:8 + n + end])
        t = torch.frombuffer(buf, dtype=DT[e["dtype"]]) if buf else torch.empty(0, dtype=DT[e["dtype"]])
        out[name] = t.reshape(e["shape"])
    return out, meta


def save(path, tensors, meta=None):
    codes = {v: k for k, v in DT.items()}
    header, blobs, off = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous()
        raw = t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
        header[name] = {"dtype": codes[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    if meta:
        header["__metadata__"] = meta
    js = json.dumps(header).encode()
    js += b" " * (-len(js) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(js)) + js + b"".join(blobs))


def conv_bn(t):
    """Conv (stride 2, pad 1, bias) -> BatchNorm (train, running stats) -> weighted sum; grads of everything."""
    x, w, b = t["x"].clone().requires_grad_(), t["w"].clone().requires_grad_(), t["b"].clone().requires_grad_()
    g, be = t["gamma"].clone().requires_grad_(), t["beta"].clone().requires_grad_()
    rm, rv = t["running_mean"].clone(), t["running_var"].clone()
    y = F.batch_norm(F.conv2d(x, w, b, stride=2, padding=1), rm, rv, g, be, training=True, momentum=0.1, eps=1e-5)
    (y * t["r"]).sum().backward()
    with torch.no_grad():
        y_eval = F.batch_norm(F.conv2d(x, w, b, stride=2, padding=1), rm, rv, g, be, training=False, eps=1e-5)
    return {"y": y, "y_eval": y_eval, "rm": rm, "rv": rv, "gx": x.grad, "gw": w.grad, "gb": b.grad,
            "ggamma": g.grad, "gbeta": be.grad}


def ops(t):
    """Pooling, cat, softmax, linear and both losses, forward and backward."""
    x = t["x"].clone().requires_grad_()
    mp = F.max_pool2d(x, 3, 2, 1)
    ap = F.avg_pool2d(x, 2, 2)
    aap = F.adaptive_avg_pool2d(x, 1)
    c = torch.cat([mp, mp * 2], 1)
    feats = torch.flatten(aap, 1)
    logits = F.linear(feats, t["lw"], t["lb"])
    sm = F.softmax(logits, 1)
    lsm = F.log_softmax(logits, 1)
    ce = F.cross_entropy(logits, t["cls"])
    bce = F.binary_cross_entropy_with_logits(logits, t["multi"], weight=t["mask"], pos_weight=t["pw"])
    total = ce + bce + (mp * t["rmp"]).sum() + (ap * t["rap"]).sum() + c.sum() * 0.01
    total.backward()
    return {"mp": mp, "ap": ap, "aap": aap, "c": c, "logits": logits, "sm": sm, "lsm": lsm,
            "ce": ce.reshape(1), "bce": bce.reshape(1), "gx": x.grad}


def interop(t, meta):
    """Checks the values our writer produced (arange per dtype), then answers with tensors of its own."""
    for name, v in t.items():
        expect = torch.arange(v.numel()).reshape(v.shape)
        expect = (expect % 2 == 1) if v.dtype == torch.bool else expect.to(v.dtype)
        assert torch.equal(v, expect), f"{name}: {v} != {expect}"
    assert meta.get("written_by") == "xrayhpc", meta
    return {"py_f32": torch.linspace(-1, 1, 12).reshape(3, 4), "py_bf16": torch.tensor([1.5, -2.25, 3.0]).to(torch.bfloat16),
            "py_i64": torch.tensor([[1, -2], [3, 4 << 40]]), "py_u8": torch.tensor([0, 7, 255], dtype=torch.uint8),
            "py_bool": torch.tensor([True, False, True]), "py_f16": torch.tensor([0.5, 65504.0], dtype=torch.float16),
            "py_i32": torch.tensor([-7, 9], dtype=torch.int32), "py_scalar": torch.tensor(3.25),
            "echo_names": torch.tensor([len(t)])}


def seeded():
    """The CPU generator's first draws after manual_seed(1234): ours must be the same generator."""
    torch.manual_seed(1234)
    a = torch.randn(7)
    b = torch.rand(3, 2)
    c = torch.randint(0, 100, (5,))
    d = torch.randperm(6)
    return {"randn": a, "rand": b, "randint": c, "randperm": d}


if __name__ == "__main__":
    # CMD IN OUT triples, several per call: importing torch costs seconds, so the tests batch them.
    torch.set_num_threads(1)
    args = sys.argv[1:]
    for i in range(0, len(args), 3):
        cmd, src, dst = args[i:i + 3]
        tensors, meta = load(src)
        result = {"conv_bn": lambda: conv_bn(tensors), "ops": lambda: ops(tensors),
                  "interop": lambda: interop(tensors, meta), "seeded": seeded}[cmd]()
        save(dst, result, {"oracle": cmd, "torch": torch.__version__})
