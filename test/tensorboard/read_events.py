"""Reads a TensorBoard log directory with TensorBoard's own EventAccumulator and prints what it
found as JSON: scalars and histograms by tag, and the graph's nodes. Used by tensorboard.test.ts."""
import json
import math
import sys

from tensorboard.backend.event_processing import event_accumulator as ea


def number(v):
    # JSON has no NaN or infinities: spell them out.
    return v if math.isfinite(v) else str(v)


def main(logdir):
    acc = ea.EventAccumulator(logdir, size_guidance={ea.SCALARS: 0, ea.HISTOGRAMS: 0})
    acc.Reload()
    tags = acc.Tags()
    out = {
        "scalars": {t: [[e.step, number(e.value)] for e in acc.Scalars(t)] for t in tags["scalars"]},
        "histograms": {
            t: [
                {
                    "step": e.step,
                    "min": e.histogram_value.min,
                    "max": e.histogram_value.max,
                    "num": e.histogram_value.num,
                    "sum": e.histogram_value.sum,
                    "sum_squares": e.histogram_value.sum_squares,
                    "bucket_limit": list(e.histogram_value.bucket_limit),
                    "bucket": list(e.histogram_value.bucket),
                }
                for e in acc.Histograms(t)
            ]
            for t in tags["histograms"]
        },
        "graph": None,
    }
    if tags["graph"]:
        out["graph"] = [
            {
                "name": n.name,
                "op": n.op,
                "input": list(n.input),
                "dtype": n.attr["dtype"].type,
                "shape": [[d.size, d.name] for d in n.attr["_output_shapes"].list.shape[0].dim] if "_output_shapes" in n.attr else None,
            }
            for n in acc.Graph().node
        ]
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
