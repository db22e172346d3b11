#!/usr/bin/python3
"""Exports calib's model zoo: small models of the shapes real ONNX models come in, with random
weights, and tensor calibration and held-out data for each.

    /usr/bin/python3 scripts/make_zoo.py OUT_DIR

Needs Debian's python3-torch, python3-onnx and python3-numpy. Writes, per model, into OUT_DIR/<name>/:

    model.onnx         the float model (external_data: also model.onnx.data)
    calib/*.npz        calibration data keyed by input name: files of one sample ([seq]) and files
                       of several ([n, seq]) mixed, so the batching rule is exercised
    heldout.npz        16 held-out samples, batched, keyed by input name
    calib_inputs/      transformer only: the same calibration samples as one folder per input,
                       <input>/NNN.npy and <input>_bin/NNN.bin (raw little-endian), for --data-dir

The outputs are not committed: the real-model tests generate them (in a temporary folder) and
.ci/run runs them. Everything is seeded, so a rerun with the same torch build gives the same files.
"""
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper

# 40 calibration samples: a run of 4 batches of 8 feeds 32, and the fidelity check measures on the other 8.
CALIB_SAMPLES = 40
HELDOUT_SAMPLES = 16


class ImageVector(nn.Module):
    """An image and a side vector: a CNN on the image, an MLP on the vector, joined by a Gemm."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.vec = nn.Linear(8, 16)
        self.head = nn.Linear(16 * 4 * 4 + 16, 10)

    def forward(self, image, vector):
        x = F.relu(self.conv1(image))
        x = F.relu(self.conv2(x))
        x = F.avg_pool2d(x, 2).flatten(1)
        v = F.relu(self.vec(vector))
        return self.head(torch.cat([x, v], dim=1))


class Sequence1d(nn.Module):
    """A rank-3 [batch, 16, 96] input, as wake-word heads take: Conv1d layers and a linear head."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv1d(16, 32, 5, padding=2)
        self.conv2 = nn.Conv1d(32, 32, 3, stride=2, padding=1)
        self.head = nn.Linear(32, 4)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        return self.head(x.mean(dim=2))


class Audio(nn.Module):
    """A rank-2 [batch, samples] waveform: a strided Conv1d front end over the raw samples."""

    def __init__(self):
        super().__init__()
        self.front = nn.Conv1d(1, 16, 64, stride=32)
        self.conv = nn.Conv1d(16, 32, 3, padding=1)
        self.head = nn.Linear(32, 6)

    def forward(self, waveform):
        x = F.relu(self.front(waveform.unsqueeze(1)))
        x = F.relu(self.conv(x))
        return self.head(x.mean(dim=2))


class Nhwc(nn.Module):
    """An NHWC [batch, 32, 32, 3] input, transposed to NCHW inside the graph (TensorFlow exports)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1)
        self.head = nn.Linear(8, 5)

    def forward(self, x):
        x = x.permute(0, 3, 1, 2)
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        return self.head(x.mean(dim=(2, 3)))


class EncoderLayer(nn.Module):
    """Post-norm self-attention and GELU feed-forward, written out so the export is plain MatMul/Softmax/LayerNorm."""

    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(width, width)
        self.k = nn.Linear(width, width)
        self.v = nn.Linear(width, width)
        self.out = nn.Linear(width, width)
        self.norm1 = nn.LayerNorm(width)
        self.ff1 = nn.Linear(width, 2 * width)
        self.ff2 = nn.Linear(2 * width, width)
        self.norm2 = nn.LayerNorm(width)

    def forward(self, x, bias):
        batch, seq, width = x.shape
        head = width // self.heads

        def split(t):
            return t.reshape(batch, seq, self.heads, head).transpose(1, 2)

        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        scores = torch.matmul(q, k.transpose(2, 3)) / float(head) ** 0.5 + bias
        attended = torch.matmul(torch.softmax(scores, dim=-1), v).transpose(1, 2).reshape(batch, seq, width)
        x = self.norm1(x + self.out(attended))
        return self.norm2(x + self.ff2(F.gelu(self.ff1(x))))


class Transformer(nn.Module):
    """A 2-layer encoder over int64 input_ids/attention_mask [batch, seq], pooled into a classifier."""

    def __init__(self, vocab=100, width=64, heads=4, classes=3):
        super().__init__()
        self.embed = nn.Embedding(vocab, width)
        self.position = nn.Parameter(torch.randn(64, width) * 0.1)
        self.layers = nn.ModuleList([EncoderLayer(width, heads) for _ in range(2)])
        self.head = nn.Linear(width, classes)

    def forward(self, input_ids, attention_mask):
        seq = input_ids.shape[1]
        x = self.embed(input_ids) + self.position[:seq]
        mask = attention_mask.to(torch.float32)
        bias = ((1.0 - mask) * -10000.0).unsqueeze(1).unsqueeze(2)
        for layer in self.layers:
            x = layer(x, bias)
        pooled = (x * mask.unsqueeze(2)).sum(dim=1) / mask.sum(dim=1, keepdim=True)
        return self.head(pooled)


class OldOpset(nn.Module):
    """Exported at opset 9: BatchNormalization, Upsample, Clip and Dropout in their old forms."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 8, 3, stride=2, padding=1)
        self.drop = nn.Dropout(0.1)
        self.head = nn.Linear(8, 4)

    def forward(self, x):
        x = F.relu6(self.bn(self.conv1(x)))
        x = F.relu(self.conv2(x))
        x = F.interpolate(x, scale_factor=2, mode="nearest")
        return self.head(self.drop(x.mean(dim=(2, 3))))


class SmallCnn(nn.Module):
    """A plain CNN, saved with its weights as external data."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 16, 3, padding=1)
        self.head = nn.Linear(16, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        return self.head(x.mean(dim=(2, 3)))


def export(module, inputs, names, path, opset=13, dynamic=None):
    module.eval()
    dynamic = dynamic or {name: {0: "batch"} for name in names}
    dynamic["output"] = {0: "batch"}
    with torch.no_grad():
        torch.onnx.export(module, tuple(torch.from_numpy(i) for i in inputs), path, input_names=names,
                          output_names=["output"], dynamic_axes=dynamic, opset_version=opset, do_constant_folding=True)


def write_data(folder, arrays_fn, names):
    """calib/: files of 1 sample (no batch dim), of 3 and of 5 samples, cycling; heldout.npz: 16 samples."""
    os.makedirs(os.path.join(folder, "calib"), exist_ok=True)
    made, index, sizes = 0, 0, [1, 3, 5]
    while made < CALIB_SAMPLES:
        n = min(sizes[index % 3], CALIB_SAMPLES - made)
        arrays = arrays_fn(n)
        if n == 1:
            arrays = [a[0] for a in arrays]
        np.savez(os.path.join(folder, "calib", f"{index:03d}.npz"), **dict(zip(names, arrays)))
        made += n
        index += 1
    np.savez(os.path.join(folder, "heldout.npz"), **dict(zip(names, arrays_fn(HELDOUT_SAMPLES))))


def make_model(out, name, module, names, arrays_fn, opset=13, dynamic=None):
    folder = os.path.join(out, name)
    os.makedirs(folder, exist_ok=True)
    export(module, arrays_fn(2), names, os.path.join(folder, "model.onnx"), opset, dynamic)
    write_data(folder, arrays_fn, names)
    return folder


def make_if_model(out, rng):
    """An If whose branches each hold a Conv (a model whose compute lives in subgraphs)."""
    folder = os.path.join(out, "if_branches")
    os.makedirs(folder, exist_ok=True)

    def conv_branch(tag):
        w = numpy_helper.from_array(rng.normal(0, 0.3, (8, 3, 3, 3)).astype(np.float32), f"w_{tag}")
        b = numpy_helper.from_array(rng.normal(0, 0.1, (8,)).astype(np.float32), f"b_{tag}")
        conv = helper.make_node("Conv", ["x", f"w_{tag}", f"b_{tag}"], [f"y_{tag}"], name=f"conv_{tag}", pads=[1, 1, 1, 1])
        out_info = helper.make_tensor_value_info(f"y_{tag}", TensorProto.FLOAT, None)
        return helper.make_graph([conv], f"branch_{tag}", [], [out_info], initializer=[w, b])

    head_w = numpy_helper.from_array(rng.normal(0, 0.3, (8, 8, 3, 3)).astype(np.float32), "w_head")
    nodes = [
        helper.make_node("ReduceMean", ["x"], ["mean"], name="mean", keepdims=0),
        helper.make_node("Constant", [], ["zero"], name="zero", value=numpy_helper.from_array(np.array(0.0, np.float32))),
        helper.make_node("Greater", ["mean", "zero"], ["cond"], name="greater"),
        helper.make_node("If", ["cond"], ["branch"], name="if", then_branch=conv_branch("then"), else_branch=conv_branch("else")),
        helper.make_node("Relu", ["branch"], ["relu"], name="relu"),
        helper.make_node("Conv", ["relu", "w_head"], ["output"], name="conv_head", pads=[1, 1, 1, 1]),
    ]
    graph = helper.make_graph(nodes, "if_branches",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3, 16, 16])],
                              [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", 8, 16, 16])],
                              initializer=[head_w])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, os.path.join(folder, "model.onnx"))
    # Both branches get calibration data: half the samples have a positive mean.
    write_data(folder, lambda n: [(rng.normal(0, 1, (n, 3, 16, 16)) + np.where(np.arange(n) % 2 == 0, 0.5, -0.5)[:, None, None, None]).astype(np.float32)], ["x"])


TRANSFORMER_INPUTS = ["input_ids", "attention_mask"]


def transformer_inputs(rng, n, seq):
    """n random token sequences of length seq, each padded from a random length in [seq/2, seq] (mask 0)."""
    ids = rng.integers(0, 100, (n, seq)).astype(np.int64)
    lengths = rng.integers(seq // 2, seq + 1, n)
    mask = (np.arange(seq)[None, :] < lengths[:, None]).astype(np.int64)
    return [ids, mask]


def make_transformer(out, rng):
    names = TRANSFORMER_INPUTS
    folder = make_model(out, "transformer", Transformer(), names, lambda n: transformer_inputs(rng, n, 16),
                        dynamic={name: {0: "batch", 1: "seq"} for name in names})
    # The calibration samples again, one folder per input: .npy and raw .bin (AMCT's --data-dir form).
    sample = 0
    for file in sorted(os.listdir(os.path.join(folder, "calib"))):
        data = np.load(os.path.join(folder, "calib", file))
        batches = {name: data[name] if data[name].ndim == 2 else data[name][None] for name in names}
        for r in range(batches[names[0]].shape[0]):
            for name in names:
                row = batches[name][r:r + 1]
                for kind in ("npy", "bin"):
                    os.makedirs(os.path.join(folder, "calib_inputs", f"{name}_{kind}"), exist_ok=True)
                np.save(os.path.join(folder, "calib_inputs", f"{name}_npy", f"{sample:03d}.npy"), row)
                row.astype("<i8").tofile(os.path.join(folder, "calib_inputs", f"{name}_bin", f"{sample:03d}.bin"))
            sample += 1


def make_external(out, rng):
    folder = make_model(out, "external_data", SmallCnn(), ["x"],
                        lambda n: [rng.normal(0, 1, (n, 3, 24, 24)).astype(np.float32)])
    path = os.path.join(folder, "model.onnx")
    model = onnx.load(path)
    onnx.save_model(model, path, save_as_external_data=True, all_tensors_to_one_file=True,
                    location="model.onnx.data", size_threshold=0)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_zoo.py OUT_DIR")
    out = sys.argv[1]
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    torch.set_num_threads(2)
    make_model(out, "image_vector", ImageVector(), ["image", "vector"],
               lambda n: [rng.normal(0, 1, (n, 3, 16, 16)).astype(np.float32), rng.normal(0, 1, (n, 8)).astype(np.float32)])
    make_model(out, "sequence_conv1d", Sequence1d(), ["features"],
               lambda n: [rng.normal(0, 1, (n, 16, 96)).astype(np.float32)])
    make_model(out, "audio", Audio(), ["waveform"],
               lambda n: [(0.3 * rng.normal(0, 1, (n, 4000))).astype(np.float32)])
    make_model(out, "nhwc", Nhwc(), ["image"],
               lambda n: [rng.normal(0, 1, (n, 32, 32, 3)).astype(np.float32)])
    make_transformer(out, rng)
    make_model(out, "opset9", OldOpset(), ["x"],
               lambda n: [rng.normal(0, 1, (n, 3, 16, 16)).astype(np.float32)], opset=9)
    make_external(out, rng)
    make_if_model(out, rng)
    print(f"zoo written to {out}")


if __name__ == "__main__":
    main()
