#!/usr/bin/env python3
"""Push training metrics to an Entrenar server (POST /v1/ingest) with the standard library only.

    python3 push.py --url http://127.0.0.1:9464 --run-id py-demo --steps 100

The protocol is plain JSON (see the @entrenar/serve README). Points are buffered and sent in
batches; on HTTP 429 (the server's queue is full) the client waits for Retry-After and resends,
so no point is lost. Bodies over 1 KiB are gzip-compressed. NaN and Infinity are sent as
Python's json module writes them. When the server's Andon stops the run (e.g. a non-finite loss),
the reply says so: `flush()` returns it and `pusher.stop` keeps it ({"reason", "rule", "step"}); a
training loop should then end.
Set ENTRENAR_TOKEN when the server requires a bearer token.
"""
import argparse
import gzip
import json
import math
import os
import sys
import time
import urllib.error
import urllib.request


class EntrenarPusher:
    """Buffers points and pushes them in batches; retries on 429 and transient errors."""

    def __init__(self, url, run_id, token=None, batch_size=500, max_retries=50, run=None):
        self.endpoint = url.rstrip("/") + "/v1/ingest"
        self.run_id = run_id
        self.token = token
        self.batch_size = batch_size
        self.max_retries = max_retries
        self.run = run
        self.buffer = []
        self.sent = 0
        self.retries_429 = 0
        self.stop = None

    def log(self, values, step, epoch=None, tags=None):
        """Queues one step's values, e.g. log({"loss": 0.5, "accuracy": 0.8}, step=10)."""
        point = {"step": int(step), "values": dict(values), "timestamp_us": int(time.time() * 1e6)}
        if epoch is not None:
            point["epoch"] = int(epoch)
        if tags:
            point["tags"] = {str(k): str(v) for k, v in tags.items()}
        self.buffer.append(point)
        if sum(len(p["values"]) for p in self.buffer) >= self.batch_size:
            self.flush()

    def flush(self):
        """Sends the buffered points; returns the run's stop ({"reason", "rule", "step"}) or None."""
        if not self.buffer:
            return self.stop
        body = {"schema_version": 1, "run_id": self.run_id, "points": self.buffer}
        if self.run is not None:
            body["run"] = self.run
            self.run = None
        reply = self._post(json.dumps(body).encode("utf-8"))
        self.sent += sum(len(p["values"]) for p in self.buffer)
        self.buffer = []
        if self.stop is None and isinstance(reply, dict) and reply.get("stop"):
            self.stop = reply["stop"]
        return self.stop

    def _post(self, data):
        headers = {"content-type": "application/json"}
        if len(data) > 1024:
            # The server decodes gzip (its size limit applies after decoding); JSON compresses ~5-10x.
            data = gzip.compress(data)
            headers["content-encoding"] = "gzip"
        if self.token:
            headers["authorization"] = "Bearer " + self.token
        delay = 0.05
        for _ in range(self.max_retries):
            request = urllib.request.Request(self.endpoint, data=data, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    return json.load(response)
            except urllib.error.HTTPError as e:
                if e.code == 429:
                    self.retries_429 += 1
                    # Exponential backoff from 50 ms, never longer than the server's Retry-After.
                    time.sleep(min(delay, float(e.headers.get("retry-after", "1"))))
                    delay = min(delay * 2, 2.0)
                    continue
                detail = e.read().decode("utf-8", "replace")
                raise RuntimeError(f"ingest failed with HTTP {e.code}: {detail}") from None
            except urllib.error.URLError:
                time.sleep(delay)
                delay = min(delay * 2, 2.0)
        raise RuntimeError(f"ingest gave up after {self.max_retries} attempts")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:9464")
    parser.add_argument("--run-id", default="py-demo")
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--nan-at", type=int, default=-1, help="log a NaN loss at this step (to see the Andon react)")
    args = parser.parse_args()
    pusher = EntrenarPusher(
        args.url,
        args.run_id,
        token=os.environ.get("ENTRENAR_TOKEN"),
        batch_size=64,
        run={"name": "python example", "config": {"lr": 0.01, "optimizer": "sgd"}},
    )
    for step in range(1, args.steps + 1):
        loss = float("nan") if step == args.nan_at else 2.0 * math.exp(-step / 30.0) + 0.05
        pusher.log({"loss": loss, "accuracy": 1.0 - loss / 2.5, "learning_rate": 0.01}, step=step, epoch=step // 50, tags={"split": "train"})
    pusher.flush()
    print(json.dumps({"run_id": args.run_id, "points": pusher.sent, "retries_429": pusher.retries_429}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
