#!/usr/bin/env python3
"""A training loop in plain Python (standard library only) pushing its metrics to `entrenar serve`.

Usage:
    entrenar serve ./runs --port 9464 &
    python3 train.py --url http://127.0.0.1:9464 --run py-linreg --steps 500

Points are buffered and sent in batches to POST /v1/ingest (the wire protocol in docs/openapi.json):
    {"schema_version": 1, "run_id": "...", "run": {...}, "points": [{"step": 0, "values": {"loss": 0.5}}]}
NaN and ±Inf are sent as Python's json writes them (bare NaN / Infinity); the server accepts them.
A 429 answer (the server's queue is full) is retried after its Retry-After delay.
"""
import argparse
import json
import math
import random
import sys
import time
import urllib.error
import urllib.request


class EntrenarClient:
    """Buffers points and pushes them in batches; never raises into the training loop unless asked."""

    def __init__(self, url, run_id, name=None, config=None, token=None, batch=100):
        self.url = url.rstrip("/") + "/v1/ingest"
        self.run_id = run_id
        self.run = {"name": name or run_id, "config": config or {}, "status": "running",
                    "start_time_ms": int(time.time() * 1000)}
        self.token = token
        self.batch = batch
        self.points = []
        self.sent = 0

    def log(self, values, step, epoch=None):
        point = {"step": step, "values": values, "timestamp_us": int(time.time() * 1e6)}
        if epoch is not None:
            point["epoch"] = epoch
        self.points.append(point)
        if len(self.points) >= self.batch:
            self.flush()

    def flush(self, status=None):
        if status is not None:
            self.run["status"] = status
            self.run["end_time_ms"] = int(time.time() * 1000)
        body = {"schema_version": 1, "run_id": self.run_id, "run": self.run, "points": self.points}
        data = json.dumps(body).encode()  # allow_nan=True: NaN/Infinity stay data
        headers = {"content-type": "application/json"}
        if self.token:
            headers["authorization"] = "Bearer " + self.token
        for attempt in range(10):
            req = urllib.request.Request(self.url, data=data, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(req, timeout=10) as res:
                    res.read()
                break
            except urllib.error.HTTPError as e:
                if e.code == 429:
                    time.sleep(float(e.headers.get("retry-after", "1")))
                    continue
                raise RuntimeError("entrenar ingest failed: %d %s" % (e.code, e.read().decode()[:300]))
        self.sent += len(self.points)
        self.points = []


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", default="http://127.0.0.1:9464")
    p.add_argument("--run", default="py-linreg")
    p.add_argument("--steps", type=int, default=500)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--nan-at", type=int, default=-1, help="inject a NaN loss at this step (to see it stored)")
    args = p.parse_args()

    rnd = random.Random(args.seed)
    true_w = [rnd.uniform(-1, 1) for _ in range(4)]
    w = [0.0] * 4
    client = EntrenarClient(args.url, args.run, name="python linear regression",
                            config={"lr": args.lr, "steps": args.steps, "language": "python"},
                            token=None, batch=50)
    for step in range(args.steps):
        grad = [0.0] * 4
        loss = 0.0
        for _ in range(16):
            x = [rnd.gauss(0, 1) for _ in range(4)]
            err = sum(xi * (wi - ti) for xi, wi, ti in zip(x, w, true_w)) + rnd.gauss(0, 0.05)
            loss += err * err / 16
            for j in range(4):
                grad[j] += 2 * err * x[j] / 16
        w = [wi - args.lr * g for wi, g in zip(w, grad)]
        norm = math.sqrt(sum(g * g for g in grad))
        if step == args.nan_at:
            loss = float("nan")
        client.log({"loss": loss, "gradient_norm": norm, "learning_rate": args.lr}, step=step, epoch=step // 100)
    client.flush(status="finished")
    print(json.dumps({"run_id": args.run, "points": client.sent, "final_loss": loss}))


if __name__ == "__main__":
    sys.exit(main())
