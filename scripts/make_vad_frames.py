#!/usr/bin/env python3
"""Write synthetic audio frames as .npz calibration files for the silero voice-activity detector
(silero_vad_v5.onnx from the npm package @ricky0123/vad-web): one file per frame, keyed by its inputs
`input` (float32 [1, 512], 32 ms at 16 kHz), `state` (float32 [2, 1, 128], zeros: the first frame of a stream)
and `sr` (int64 scalar 16000).

Usage: make_vad_frames.py OUT [--count N] [--seed N]

Frames alternate between quiet noise and voiced-like tones (a 120-220 Hz fundamental with harmonics).
"""
import argparse
import os

import numpy as np


def frame(rng, voiced):
    t = np.arange(512) / 16000.0
    noise = rng.normal(0.0, 0.01, 512)
    if not voiced:
        return noise
    f0 = rng.uniform(120, 220)
    tone = sum(np.sin(2 * np.pi * f0 * k * t + rng.uniform(0, 6.28)) / k for k in range(1, 6))
    return noise + rng.uniform(0.1, 0.5) * tone / 2.3


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--count", type=int, default=16)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    os.makedirs(args.out, exist_ok=True)
    for i in range(args.count):
        np.savez(os.path.join(args.out, f"frame_{i:03d}.npz"),
                 input=frame(rng, i % 2 == 1).astype(np.float32)[None, :],
                 state=np.zeros((2, 1, 128), np.float32),
                 sr=np.array(16000, np.int64))


if __name__ == "__main__":
    main()
