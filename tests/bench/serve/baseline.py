"""The simplest server a user would write: torchvision ResNet-18 behind Python's ThreadingHTTPServer, one forward pass
per request (no batching), PIL decode, the same resize/normalise idea as ours. Benchmark baseline for `make bench-serve`.

usage: baseline.py NUM_CLASSES THREADS   (prints "listening on PORT" once ready; SIGTERM stops it)
"""
import io
import json
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import torch
import torchvision
from PIL import Image

num_classes, threads = int(sys.argv[1]), int(sys.argv[2])
torch.set_num_threads(threads)
model = torchvision.models.resnet18(num_classes=num_classes).eval()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        t0 = time.perf_counter()
        body = self.rfile.read(int(self.headers["Content-Length"]))
        img = Image.open(io.BytesIO(body)).convert("L").resize((224, 224))
        x = torch.frombuffer(bytearray(img.tobytes()), dtype=torch.uint8).float().div(255).sub(0.5).div(0.25)
        x = x.reshape(1, 1, 224, 224).expand(1, 3, 224, 224)
        with torch.no_grad():
            p = torch.sigmoid(model(x))[0].tolist()
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
