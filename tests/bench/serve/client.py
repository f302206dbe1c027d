"""Load client for `make bench-serve`: CONCURRENCY threads, each with its own keep-alive connection, POST the same PNG
for DURATION seconds; prints JSON with requests/s, p50/p99 latency (ms) and non-200 answers.

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
deadline = time.perf_counter() + duration


def worker():
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    mine, bad = [], 0
    while time.perf_counter() < deadline:
        t0 = time.perf_counter()
        conn.request("POST", path, body=png, headers={"Content-Type": "image/png"})
        r = conn.getresponse()
        r.read()
        if r.status != 200:
            bad += 1
        mine.append(time.perf_counter() - t0)
    conn.close()
    with lock:
        lat.extend(mine)
        errors[0] += bad


start = time.perf_counter()
ts = [threading.Thread(target=worker) for _ in range(conc)]
for t in ts:
    t.start()
for t in ts:
    t.join()
wall = time.perf_counter() - start
lat.sort()
q = lambda f: lat[min(len(lat) - 1, int(f * len(lat)))] * 1000 if lat else float("nan")
print(json.dumps({"requests": len(lat), "rps": len(lat) / wall, "p50_ms": q(0.50), "p99_ms": q(0.99), "errors": errors[0]}))
