#!/usr/bin/python3
"""Make the speed-benchmark networks that calib does not ship (seeded random weights).

  --mobilenet OUT.onnx       MobileNet-style classifier for 1×28×28 input: a thin first conv (1→16),
                             four depthwise-separable blocks (depthwise 3×3 + pointwise 1×1, BN, ReLU),
                             two AveragePool 2×2, GlobalAveragePool and a 128→10 Gemm (9 convs).
  --convtranspose OUT.onnx   encoder/decoder for 1×28×28: two stride-2 convs down (1→16→32), two
                             stride-2 ConvTranspose up (32→16→8) and a 3×3 conv to 1 channel.

Both are exported at opset 13 with a dynamic batch dimension (input "input"); BatchNormalization is
folded by the exporter. They are a few hundred KB: made at bench time into artifacts/bench/, not committed.

  --transformer OUT_DIR      the model zoo's 2-layer transformer encoder (scripts/make_zoo.py: int64
                             input_ids/attention_mask [batch, seq]) as OUT_DIR/model.onnx, and 256
                             calibration samples of sequence length 32 as OUT_DIR/calib/NNN.npz (one
                             sample per file, keyed by input name), enough for --batch-num 64 at batch 4.

  /usr/bin/python3 scripts/make_bench_nets.py --mobilenet artifacts/bench/mobilenet.onnx

Needs Debian's python3-torch and python3-onnx. Seeded: reruns give the same weights.
"""
import argparse
import io
import os
import sys

import numpy as np
import onnx
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_zoo  # noqa: E402  (the transformer is the zoo's, exported the zoo's way)

SEED = 1717


def conv_bn(cin, cout, k, stride=1, groups=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU())


class MobileNetStyle(nn.Module):
    def __init__(self):
        super().__init__()

        def separable(cin, cout, stride):
            return nn.Sequential(conv_bn(cin, cin, 3, stride, groups=cin), conv_bn(cin, cout, 1))

        self.features = nn.Sequential(
            conv_bn(1, 16, 3),             # 28×28, thin first conv
            separable(16, 32, 1),          # 28×28
            nn.AvgPool2d(2),               # 14×14
            separable(32, 64, 1),
            nn.AvgPool2d(2),               # 7×7
            separable(64, 128, 2),         # 4×4
            separable(128, 128, 1),
            nn.AdaptiveAvgPool2d(1))
        self.fc = nn.Linear(128, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.features(x), 1))


class ConvTransposeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            conv_bn(1, 16, 3, 2),                                  # 14×14
            conv_bn(16, 32, 3, 2),                                 # 7×7
            nn.ConvTranspose2d(32, 16, 4, 2, 1), nn.BatchNorm2d(16), nn.ReLU(),   # 14×14
            nn.ConvTranspose2d(16, 8, 4, 2, 1), nn.BatchNorm2d(8), nn.ReLU(),     # 28×28
            nn.Conv2d(8, 1, 3, 1, 1))

    def forward(self, x):
        return self.body(x)


def randomise(model):
    g = torch.Generator().manual_seed(SEED)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.copy_(0.5 + torch.rand(m.num_features, generator=g))
                m.bias.copy_(0.1 * torch.randn(m.num_features, generator=g))
                m.running_mean.copy_(0.1 * torch.randn(m.num_features, generator=g))
                m.running_var.copy_(0.5 + torch.rand(m.num_features, generator=g))
    model.eval()
    return model


def export(model, path, doc):
    buf = io.BytesIO()
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), buf, opset_version=13, do_constant_folding=True,
                      input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    m = onnx.load_from_string(buf.getvalue())
    m.doc_string = doc
    onnx.checker.check_model(m, full_check=True)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "wb") as f:
        f.write(m.SerializeToString())
    ops = {}
    for n in m.graph.node:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1
    print("wrote %s: %s" % (path, ", ".join("%s×%d" % kv for kv in sorted(ops.items()))))


TRANSFORMER_SAMPLES = 256
TRANSFORMER_SEQ = 32


def make_transformer(folder):
    rng = np.random.default_rng(SEED)
    names = make_zoo.TRANSFORMER_INPUTS
    os.makedirs(os.path.join(folder, "calib"), exist_ok=True)
    make_zoo.export(make_zoo.Transformer(), make_zoo.transformer_inputs(rng, 2, TRANSFORMER_SEQ), names,
                    os.path.join(folder, "model.onnx"), dynamic={name: {0: "batch", 1: "seq"} for name in names})
    onnx.checker.check_model(onnx.load(os.path.join(folder, "model.onnx")), full_check=True)
    for i in range(TRANSFORMER_SAMPLES):
        np.savez(os.path.join(folder, "calib", "%03d.npz" % i),
                 **dict(zip(names, make_zoo.transformer_inputs(rng, 1, TRANSFORMER_SEQ))))
    print("wrote %s: model.onnx and %d calibration samples" % (folder, TRANSFORMER_SAMPLES))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mobilenet", metavar="OUT.onnx")
    ap.add_argument("--convtranspose", metavar="OUT.onnx")
    ap.add_argument("--transformer", metavar="OUT_DIR")
    args = ap.parse_args()
    if not (args.mobilenet or args.convtranspose or args.transformer):
        ap.error("give --mobilenet, --convtranspose and/or --transformer")
    torch.manual_seed(SEED)
    if args.mobilenet:
        export(randomise(MobileNetStyle()), args.mobilenet,
               "MobileNet-style net with seeded random weights (calib speed benchmark), scripts/make_bench_nets.py.")
    if args.convtranspose:
        export(randomise(ConvTransposeNet()), args.convtranspose,
               "ConvTranspose encoder/decoder with seeded random weights (calib speed benchmark), scripts/make_bench_nets.py.")
    if args.transformer:
        make_transformer(args.transformer)


if __name__ == "__main__":
    sys.exit(main())
