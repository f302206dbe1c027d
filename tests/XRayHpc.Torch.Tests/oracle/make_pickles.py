"""Oracle for the unpickler's refusal and fuzz tests.

usage: make_pickles.py OUT_DIR MARKER
writes OUT_DIR/{evil_zip.pth, evil_legacy.pth, evil.pkl}: loading any of them with torch.load/pickle.load
(which the tests never do) would create MARKER; writing them runs nothing. Also OUT_DIR/{small_zip.pth,
small_legacy.pth, small.safetensors}: a small state_dict (every dtype the reader maps, a transposed view,
two tensors sharing one storage) for the fuzz test and the strided-view test.
"""
import collections
import os
import pickle
import sys

import torch


class Payload:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, ("touch " + self.marker,))


def main():
    out, marker = sys.argv[1], sys.argv[2]
    sd = collections.OrderedDict(weight=torch.ones(2), payload=Payload(marker))
    torch.save(sd, f"{out}/evil_zip.pth")
    torch.save(sd, f"{out}/evil_legacy.pth", _use_new_zipfile_serialization=False)
    base = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    small = collections.OrderedDict()
    small["conv.weight"] = torch.randn(4, 3, 3, 3, generator=torch.Generator().manual_seed(5))
    small["transposed"] = base.t()            # non-contiguous view
    small["row"] = base[1]                    # shares base's storage at an offset
    small["f64"] = torch.tensor([1.5, -2.0], dtype=torch.float64)
    small["f16"] = torch.tensor([0.5, 3.0], dtype=torch.float16)
    small["bf16"] = torch.tensor([0.25, -1.0], dtype=torch.bfloat16)
    small["i64"] = torch.tensor(7)
    small["i32"] = torch.tensor([1, 2, 3], dtype=torch.int32)
    small["u8"] = torch.tensor([200, 1], dtype=torch.uint8)
    small["flag"] = torch.tensor([True, False])
    torch.save(small, f"{out}/small_zip.pth")
    torch.save(small, f"{out}/small_legacy.pth", _use_new_zipfile_serialization=False)
    import st
    st.save(f"{out}/small.safetensors", {k: v.contiguous() for k, v in small.items()})
    with open(f"{out}/evil.pkl", "wb") as f:
        pickle.dump(collections.OrderedDict(payload=Payload(marker)), f, protocol=2)


if __name__ == "__main__":
    main()
