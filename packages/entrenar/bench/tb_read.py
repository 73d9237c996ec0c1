#!/usr/bin/env python3
"""The peer of bench/import.bench.mjs: reads TensorBoard event files the way TensorBoard's own Python
reader does (record by record from a file object: 12-byte header, data, 4-byte footer) and decodes each
Event with python3-protobuf (messages compiled by protoc from proto/tensorboard.proto, module
tensorboard_pb2 on PYTHONPATH). Counts scalar points (simple_value and one-value float/double tensors)
and non-finite ones. CRCs are not checked (pure-Python CRC-32C would dominate), so the peer does less
work than `entrenar import`, which checks both CRCs and also writes the points to Parquet.

Usage: tb_read.py <event file>... ; prints JSON {"points": n, "non_finite": k, "records": r}
"""
import json
import math
import struct
import sys

import tensorboard_pb2 as pb


def main():
    points = 0
    non_finite = 0
    records = 0
    ev = pb.Event()
    for path in sys.argv[1:]:
        with open(path, "rb", buffering=1 << 20) as f:
            while True:
                header = f.read(12)
                if len(header) < 12:
                    break
                (n,) = struct.unpack_from("<Q", header)
                body = f.read(n + 4)
                if len(body) < n + 4:
                    break
                ev.ParseFromString(body[:n])
                records += 1
                if ev.WhichOneof("what") != "summary":
                    continue
                for v in ev.summary.value:
                    kind = v.WhichOneof("value")
                    if kind == "simple_value":
                        x = v.simple_value
                    elif kind == "tensor" and len(v.tensor.double_val) == 1:
                        x = v.tensor.double_val[0]
                    elif kind == "tensor" and len(v.tensor.float_val) == 1:
                        x = v.tensor.float_val[0]
                    else:
                        continue
                    points += 1
                    if not math.isfinite(x):
                        non_finite += 1
    print(json.dumps({"points": points, "non_finite": non_finite, "records": records}))


if __name__ == "__main__":
    main()
