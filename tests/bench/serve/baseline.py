"""The simplest server a user would write: torchvision ResNet-18 behind Python's ThreadingHTTPServer, one forward pass
per request (no batching), PIL decode, the same resize/normalise idea as ours. Benchmark baseline for `make bench-serve`.

SETTINGS fp32 (default): the model as torchvision builds it (3 input channels, the grey film repeated), fp32, NCHW,
no_grad — what the issue calls the simplest baseline. SETTINGS bf16_cl: the same server given the settings `xrayhpc
serve` uses for a run trained with `precision: {dtype: bf16, channels_last: true}` — a 1-channel first convolution
(like the run's model), weights and inputs in channels_last, bf16 autocast, inference_mode, TCP_NODELAY (and, from
tests/bench/serve.sh, our allocator settings) — so that a lead over it comes from serving (batching), not from a setting.

usage: baseline.py NUM_CLASSES THREADS [SETTINGS]   (prints "listening on PORT" once ready; SIGTERM stops it)
"""
import io
import json
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import torch
from PIL import Image

from torch_settings import inference_context, resnet18

num_classes, threads = int(sys.argv[1]), int(sys.argv[2])
settings = sys.argv[3] if len(sys.argv) > 3 else "fp32"
if settings not in ("fp32", "bf16_cl"):
    sys.exit(f"baseline.py: SETTINGS must be fp32 or bf16_cl (got {settings!r})")
tuned = settings == "bf16_cl"
in_ch = 1 if tuned else 3
torch.set_num_threads(threads)
model = resnet18(num_classes, in_ch, channels_last=tuned)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # bf16_cl: TCP_NODELAY, as Kestrel sets by default. Without it the body, written after the headers, waits for the
    # client's delayed ACK (~40 ms per request on loopback).
    disable_nagle_algorithm = tuned

    def log_message(self, *args):
        pass

    def do_POST(self):
        t0 = time.perf_counter()
        body = self.rfile.read(int(self.headers["Content-Length"]))
        img = Image.open(io.BytesIO(body)).convert("L").resize((224, 224))
        x = torch.frombuffer(bytearray(img.tobytes()), dtype=torch.uint8).float().div(255).sub(0.5).div(0.25)
        x = x.reshape(1, 1, 224, 224).expand(1, in_ch, 224, 224)
        if tuned:
            x = x.contiguous(memory_format=torch.channels_last)
        with inference_context(tuned):
            p = torch.sigmoid(model(x).float())[0].tolist()
        out = json.dumps({"probabilities": p, "ms": (time.perf_counter() - t0) * 1000}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)


# socketserver's default listen backlog (5) resets connections at concurrency 32 before any request is served; a
# backlog like Kestrel's keeps the comparison about serving, not about the accept queue.
ThreadingHTTPServer.request_queue_size = 512
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
print(f"listening on {server.server_address[1]}", flush=True)
server.serve_forever()
