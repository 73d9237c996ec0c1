#!/usr/bin/env python3
"""A PyTorch training loop that logs to `entrenar serve` and stops when the server's Andon says so.

    python3 train.py --url http://127.0.0.1:9464 --run-id torch-ok --lr 0.05
    python3 train.py --url http://127.0.0.1:9464 --run-id torch-boom --lr 1e6

A small MLP learns a noisy sine on a fixed batch. Every step's loss goes out through the
standard-library client (packages/serve/examples/push.py), one request per step, and the loop
ends at the step whose reply carries `stop`. With a learning rate that diverges, the loss
overflows to inf/NaN and the server stops the run at that very step. Prints one JSON line.
Set ENTRENAR_TOKEN when the server requires a bearer token.
"""
import argparse
import json
import math
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "packages", "serve", "examples"))
from push import EntrenarPusher  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:9464")
    parser.add_argument("--run-id", default="torch-demo")
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    torch.set_num_threads(1)
    x = torch.linspace(-3.0, 3.0, 128).unsqueeze(1)
    y = torch.sin(x) + 0.05 * torch.randn_like(x)
    model = torch.nn.Sequential(torch.nn.Linear(1, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
    loss_fn = torch.nn.MSELoss()

    pusher = EntrenarPusher(
        args.url,
        args.run_id,
        token=os.environ.get("ENTRENAR_TOKEN"),
        batch_size=1,
        run={"name": "pytorch sine", "config": {"lr": args.lr, "optimizer": "sgd", "steps": args.steps, "framework": "torch " + torch.__version__}},
    )
    first_non_finite = None
    last_step = None
    for step in range(args.steps):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        value = float(loss.item())
        if first_non_finite is None and not math.isfinite(value):
            first_non_finite = step
        last_step = step
        pusher.log({"loss": value}, step=step)
        # batch_size=1 sends at once: the reply for this very step says whether to go on.
        if pusher.stop is not None:
            break
        loss.backward()
        optimizer.step()
    pusher.flush()
    print(json.dumps({
        "run_id": args.run_id,
        "steps": last_step + 1 if last_step is not None else 0,
        "last_step": last_step,
        "first_non_finite": first_non_finite,
        "stop": pusher.stop,
        "final_loss": value if math.isfinite(value) else str(value),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
