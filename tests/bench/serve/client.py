"""Load client for `make bench-serve`: CONCURRENCY threads, each with its own keep-alive connection, POST the same PNG
for DURATION seconds; prints JSON with requests/s, p50/p99 latency (ms of the answered requests) and errors (non-200
answers, refused or reset connections), and — when the server
reports them (ours does) — the mean batch size and the forward pass's milliseconds per image, to see where time goes.

usage: client.py PORT CONCURRENCY DURATION_S PNG [PATH]
"""
import http.client
import json
import sys
import threading
import time

port, conc, duration, png = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), open(sys.argv[4], "rb").read()
path = sys.argv[5] if len(sys.argv) > 5 else "/v1/predict"
lat, errors, lock = [], [0], threading.Lock()
batches, infer_ms_per_image, queue_ms, decode_ms = [], [], [], []
deadline = time.perf_counter() + duration


def worker():
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    mine, bad, timings = [], 0, []
    while time.perf_counter() < deadline:
        t0 = time.perf_counter()
        try:
            conn.request("POST", path, body=png, headers={"Content-Type": "image/png"})
            r = conn.getresponse()
            body = r.read()
        except (OSError, http.client.HTTPException):
            # A refused or reset connection is an error answer, not the end of this client: count it, reconnect.
            bad += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            continue
        mine.append(time.perf_counter() - t0)
        if r.status != 200:
            bad += 1
        elif b'"batch_size"' in body:
            timings.append(json.loads(body))
    conn.close()
    with lock:
        lat.extend(mine)
        errors[0] += bad
        for t in timings:
            batches.append(t["batch_size"])
            infer_ms_per_image.append(t["timing_ms"]["inference"] / t["batch_size"])
            queue_ms.append(t["timing_ms"]["queue"])
            decode_ms.append(t["timing_ms"]["decode"])


start = time.perf_counter()
ts = [threading.Thread(target=worker) for _ in range(conc)]
for t in ts:
    t.start()
for t in ts:
    t.join()
wall = time.perf_counter() - start
lat.sort()
q = lambda f: lat[min(len(lat) - 1, int(f * len(lat)))] * 1000 if lat else float("nan")
mean = lambda xs: sum(xs) / len(xs) if xs else float("nan")
print(json.dumps({"requests": len(lat), "rps": len(lat) / wall, "p50_ms": q(0.50), "p99_ms": q(0.99), "errors": errors[0],
                  "mean_batch": mean(batches), "forward_ms_per_image": mean(infer_ms_per_image),
                  "queue_ms": mean(queue_ms), "decode_ms": mean(decode_ms)}))
