#!/usr/bin/env python3
"""Compare the quantization parameters of two calib records (<model>_record.json), e.g. one
calibrated on --device cpu and one on --device cuda.

Activation ranges come from running the model, so CPU and GPU may differ by float rounding (the
order of the reductions in Conv/Gemm differs). Weight scales never run through ONNX Runtime and
must agree to float32 precision. Tolerances:
  clip_min, clip_max, scale_d   |a - b| <= atol + rtol * max(|a|, |b|)   (rtol 1e-4, atol 1e-6)
  offset_d                      differs by at most 1 (a rounding boundary)
  scale_w (weights)             rtol 1e-6
A difference beyond them means calibration saw different activations (or IFMR's search, whose
step is 1 %, chose a different point): each one is listed, and the exit code is 1.

Usage: compare_ranges.py CPU_RECORD GPU_RECORD [--rtol R] [--atol A]
Prints one line per check and a summary line "ranges: N values, max relative difference D, K beyond tolerance".
Only the standard library: it runs wherever calib does.
"""
import argparse
import json
import sys

WEIGHT_RTOL = 1e-6


def load(path):
    with open(path, encoding="utf-8") as f:
        record = json.load(f)
    if "layers" not in record:
        sys.exit(f"compare_ranges: {path} is not a calib record (<model>_record.json): no 'layers'")
    return record


def activations(record):
    """(name, parameters) for every quantized activation: each layer's input and each deploy tensor."""
    for layer, entry in record["layers"].items():
        if entry.get("activation"):
            yield f"layer {layer} input", entry["activation"]
    for tensor, entry in record.get("deploy_tensors", {}).items():
        yield f"deploy tensor {tensor}", entry


def weights(record):
    for layer, entry in record["layers"].items():
        if entry.get("weight") and "scale_w" in entry["weight"]:
            yield f"layer {layer} weight", entry["weight"]["scale_w"]


def relative(a, b, atol):
    return abs(a - b) / max(abs(a), abs(b), atol)


def compare(cpu, gpu, rtol, atol):
    """Returns (values compared, max relative difference, list of problems)."""
    problems, count, worst = [], 0, 0.0
    gpu_acts = dict(activations(gpu))
    for name, a in activations(cpu):
        b = gpu_acts.pop(name, None)
        if b is None:
            problems.append(f"{name}: only in the first record")
            continue
        for key in ("clip_min", "clip_max", "scale_d"):
            count += 1
            worst = max(worst, relative(a[key], b[key], atol))
            if abs(a[key] - b[key]) > atol + rtol * max(abs(a[key]), abs(b[key])):
                problems.append(f"{name}: {key} {a[key]!r} vs {b[key]!r}")
        count += 1
        if abs(a["offset_d"] - b["offset_d"]) > 1:
            problems.append(f"{name}: offset_d {a['offset_d']} vs {b['offset_d']}")
    problems += [f"{name}: only in the second record" for name in gpu_acts]
    gpu_weights = dict(weights(gpu))
    for name, a in weights(cpu):
        b = gpu_weights.get(name)
        if b is None or len(a) != len(b):
            problems.append(f"{name}: channel counts differ")
            continue
        for i, (x, y) in enumerate(zip(a, b)):
            count += 1
            if abs(x - y) > WEIGHT_RTOL * max(abs(x), abs(y), 1e-30):
                problems.append(f"{name}: scale_w[{i}] {x!r} vs {y!r}")
    return count, worst, problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("first")
    parser.add_argument("second")
    parser.add_argument("--rtol", type=float, default=1e-4)
    parser.add_argument("--atol", type=float, default=1e-6)
    args = parser.parse_args()
    count, worst, problems = compare(load(args.first), load(args.second), args.rtol, args.atol)
    for problem in problems:
        print(f"  beyond tolerance: {problem}")
    print(f"ranges: {count} values, max relative difference {worst:.3g}, {len(problems)} beyond tolerance "
          f"(rtol {args.rtol:g}, atol {args.atol:g}, offsets ±1)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
