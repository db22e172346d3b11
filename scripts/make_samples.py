#!/usr/bin/python3
"""Make calib's sample model and sample data (Fashion-MNIST).

Default mode (no arguments) writes, relative to the repository root:

  models/fmnist_resnet/fmnist_resnet.onnx   small residual CNN trained on
                                            Fashion-MNIST, ONNX opset 13,
                                            input "input" float32 [batch,1,28,28],
                                            output "logits" [batch,10];
                                            BatchNormalization nodes are kept
                                            (NOT folded into Conv by the exporter)
  models/fmnist_resnet/README.md            description + measured accuracies
  calibration-data/fmnist/                  256 training-set images (PNG, flat)
  calibration-data/fmnist-eval/             500 labelled test-set images
                                            (50 per class, class sub-folders)
                                            + labels.csv
  calibration-data/README.md                description of both image sets

Optional mode:

  --resnet18 OUT.onnx   export a ResNet-18-shaped network with seeded random
                        weights (input [batch,3,224,224], opset 13, BN kept) for
                        speed benchmarks.  Nothing else is written; the file is
                        ~45 MB and is not meant to be committed (use e.g.
                        artifacts/resnet18.onnx, which is git-ignored).

Rerun with Debian's system Python (the packages are Debian packages, not PyPI):

  /usr/bin/python3 scripts/make_samples.py            # ~3-4 min on 2 cores
  /usr/bin/python3 scripts/make_samples.py --resnet18 artifacts/resnet18.onnx

Needs: python3-torch (1.13) python3-onnx (1.12) python3-numpy python3-pil
dataset-fashion-mnist (files under /usr/share/datasets/fashion-mnist/).

Determinism: all randomness is seeded, torch.use_deterministic_algorithms(True)
is on and torch runs with a fixed thread count (--threads, default 2).  Rerunning
with the same torch build and the same --threads reproduces the files byte for
byte.  A different thread count (or torch/oneDNN build) changes floating-point
summation order during training, hence the trained weights (the PNGs and CSV do
not depend on training and are always identical).

Export note: torch 1.13 folds BatchNormalization into the preceding Conv when it
exports in TrainingMode.EVAL (the default), regardless of do_constant_folding.
To keep separate BN nodes (calib must fold BN itself) the model is put in eval()
mode and exported with training=TrainingMode.PRESERVE, which skips that fold
while still exporting inference semantics (single-output BatchNormalization
using running statistics, Dropout removed).  The script checks this by running
the exported graph with a small NumPy reference interpreter and comparing with
torch.
"""

import argparse
import gzip
import io
import os
import shutil
import sys
import time
import warnings
from collections import Counter

import numpy as np
import onnx
from onnx import numpy_helper
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA_DIR = "/usr/share/datasets/fashion-mnist"

MEAN, STD = 0.2860, 0.3530  # same normalisation as the public fmnist LeNet
CLASS_DIRS = ["0_tshirt_top", "1_trouser", "2_pullover", "3_dress", "4_coat",
              "5_sandal", "6_shirt", "7_sneaker", "8_bag", "9_ankle_boot"]
CLASS_TITLES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

SEED_TRAIN = 20240601
SEED_CALIB = 1
SEED_EVAL = 2
SEED_RESNET18 = 18

N_CALIB = 256
N_EVAL_PER_CLASS = 50


# ----------------------------------------------------------------------------
# data
# ----------------------------------------------------------------------------

def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    ndim = magic & 0xFF
    assert magic >> 8 == 0x08, "expected unsigned byte idx file: " + path
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    return arr.reshape(dims).copy()


def load_fmnist(data_dir):
    tr_x = read_idx(os.path.join(data_dir, "train-images-idx3-ubyte.gz"))
    tr_y = read_idx(os.path.join(data_dir, "train-labels-idx1-ubyte.gz"))
    te_x = read_idx(os.path.join(data_dir, "t10k-images-idx3-ubyte.gz"))
    te_y = read_idx(os.path.join(data_dir, "t10k-labels-idx1-ubyte.gz"))
    assert tr_x.shape == (60000, 28, 28) and te_x.shape == (10000, 28, 28)
    return tr_x, tr_y.astype(np.int64), te_x, te_y.astype(np.int64)


def normalise(u8):
    """uint8 [N,28,28] -> float32 [N,1,28,28], (pixel/255 - mean)/std."""
    x = u8.astype(np.float32) / np.float32(255.0)
    x = (x - np.float32(MEAN)) / np.float32(STD)
    return x[:, None, :, :].astype(np.float32)


# ----------------------------------------------------------------------------
# models
# ----------------------------------------------------------------------------

class FmnistResNet(nn.Module):
    """conv-BN-ReLU, one residual block, MaxPool, conv-BN-ReLU6, AvgPool, 2 FC."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu1 = nn.ReLU()
        # residual block
        self.block_conv1 = nn.Conv2d(16, 16, 3, padding=1, bias=False)
        self.block_bn1 = nn.BatchNorm2d(16)
        self.block_relu = nn.ReLU()
        self.block_conv2 = nn.Conv2d(16, 16, 3, padding=1, bias=False)
        self.block_bn2 = nn.BatchNorm2d(16)
        self.block_out_relu = nn.ReLU()
        self.pool1 = nn.MaxPool2d(2)
        self.conv3 = nn.Conv2d(16, 32, 3, padding=1, bias=False)
        self.bn3 = nn.BatchNorm2d(32)
        self.relu6 = nn.ReLU6()
        self.pool2 = nn.AvgPool2d(2)
        self.fc1 = nn.Linear(32 * 7 * 7, 64)
        self.fc_relu = nn.ReLU()
        self.dropout = nn.Dropout(0.2)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = self.relu1(self.bn1(self.conv1(x)))
        y = self.block_relu(self.block_bn1(self.block_conv1(x)))
        y = self.block_bn2(self.block_conv2(y))
        x = self.block_out_relu(x + y)
        x = self.pool1(x)
        x = self.relu6(self.bn3(self.conv3(x)))
        x = self.pool2(x)
        x = torch.flatten(x, 1)
        x = self.dropout(self.fc_relu(self.fc1(x)))
        return self.fc2(x)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        idt = x if self.downsample is None else self.downsample(x)
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return self.relu(y + idt)


class ResNet18(nn.Module):
    """torchvision-style ResNet-18 (BasicBlock x [2,2,2,2]), 1000 classes."""

    def __init__(self, num_classes=1000):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU()
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        layers, cin = [], 64
        for cout, stride in [(64, 1), (128, 2), (256, 2), (512, 2)]:
            layers.append(nn.Sequential(BasicBlock(cin, cout, stride),
                                        BasicBlock(cout, cout, 1)))
            cin = cout
        self.layer1, self.layer2, self.layer3, self.layer4 = layers
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(512, num_classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc(x)


# ----------------------------------------------------------------------------
# ONNX export + NumPy reference interpreter (for checking eval semantics)
# ----------------------------------------------------------------------------

def export_onnx(model, example, doc):
    """Export in eval semantics but with BatchNormalization kept as nodes."""
    assert not model.training
    buf = io.BytesIO()
    with warnings.catch_warnings():
        # torch 1.13 warns about constant folding for every PRESERVE export,
        # even though the model is in eval mode (so nothing is trainable here).
        warnings.filterwarnings("ignore", message="It is recommended that constant folding")
        torch.onnx.export(
            model, example, buf,
            opset_version=13,
            do_constant_folding=True,
            training=torch.onnx.TrainingMode.PRESERVE,  # keeps BN (EVAL would fold it)
            input_names=["input"], output_names=["logits"],
            dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    m = onnx.load_from_string(buf.getvalue())
    m.doc_string = doc
    onnx.checker.check_model(m, full_check=True)
    bns = [n for n in m.graph.node if n.op_type == "BatchNormalization"]
    assert bns, "BatchNormalization was folded by the exporter"
    for n in bns:  # inference form: one output, no training_mode attribute
        assert len(n.output) == 1 and all(a.name != "training_mode" for a in n.attribute)
    assert not any(n.op_type == "Dropout" for n in m.graph.node)
    (inp,), (out,) = m.graph.input, m.graph.output
    assert inp.name == "input" and out.name == "logits"
    assert inp.type.tensor_type.shape.dim[0].dim_param == "batch"
    assert out.type.tensor_type.shape.dim[0].dim_param == "batch"
    return m


def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _pool_windows(x, k, s, pads, fill):
    pt, pl, pb, pr = pads[0], pads[1], pads[2], pads[3]
    if any(pads):
        x = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)), constant_values=fill)
    w = np.lib.stride_tricks.sliding_window_view(x, tuple(k), axis=(2, 3))
    return w[:, :, ::s[0], ::s[1]]


def run_reference(model, x):
    """Tiny float64 NumPy interpreter for the ops these two models use."""
    env = {i.name: numpy_helper.to_array(i).astype(np.float64)
           if i.data_type == onnx.TensorProto.FLOAT else numpy_helper.to_array(i)
           for i in model.graph.initializer}
    env[model.graph.input[0].name] = x.astype(np.float64)
    env[""] = None
    for n in model.graph.node:
        a, ins = _attrs(n), [env[i] for i in n.input]
        op = n.op_type
        if op == "Constant":
            r = numpy_helper.to_array(a["value"])
            r = r.astype(np.float64) if r.dtype == np.float32 else r
        elif op == "Identity":
            r = ins[0]
        elif op == "Conv":
            xx, w = ins[0], ins[1]
            assert a.get("group", 1) == 1 and list(a.get("dilations", [1, 1])) == [1, 1]
            k, s = w.shape[2:], a.get("strides", [1, 1])
            win = _pool_windows(xx, k, s, a.get("pads", [0, 0, 0, 0]), 0.0)
            r = np.einsum("nchwij,ocij->nohw", win, w, optimize=True)
            if len(ins) > 2:
                r = r + ins[2][None, :, None, None]
        elif op == "BatchNormalization":
            xx, g, b, mu, var = ins
            sh = (1, -1, 1, 1)
            r = (xx - mu.reshape(sh)) / np.sqrt(var.reshape(sh) + a.get("epsilon", 1e-5))
            r = r * g.reshape(sh) + b.reshape(sh)
        elif op == "Relu":
            r = np.maximum(ins[0], 0.0)
        elif op == "Clip":
            r = ins[0]
            if len(ins) > 1 and ins[1] is not None:
                r = np.maximum(r, ins[1])
            if len(ins) > 2 and ins[2] is not None:
                r = np.minimum(r, ins[2])
        elif op == "Add":
            r = ins[0] + ins[1]
        elif op == "MaxPool":
            r = _pool_windows(ins[0], a["kernel_shape"], a.get("strides", [1, 1]),
                              a.get("pads", [0, 0, 0, 0]), -np.inf).max(axis=(4, 5))
        elif op == "AveragePool":
            assert not any(a.get("pads", [0, 0, 0, 0]))
            r = _pool_windows(ins[0], a["kernel_shape"], a.get("strides", [1, 1]),
                              [0, 0, 0, 0], 0.0).mean(axis=(4, 5))
        elif op == "GlobalAveragePool":
            r = ins[0].mean(axis=(2, 3), keepdims=True)
        elif op == "Pad":
            assert a.get("mode", b"constant") in (b"constant", "constant")
            p = [int(v) for v in ins[1]]
            half = len(p) // 2
            cval = ins[2].item() if len(ins) > 2 and ins[2] is not None else 0.0
            r = np.pad(ins[0], list(zip(p[:half], p[half:])), constant_values=cval)
        elif op == "Flatten":
            ax = a.get("axis", 1)
            r = ins[0].reshape(int(np.prod(ins[0].shape[:ax])), -1)
        elif op == "Gemm":
            A, B = ins[0], ins[1]
            A = A.T if a.get("transA", 0) else A
            B = B.T if a.get("transB", 0) else B
            r = a.get("alpha", 1.0) * (A @ B)
            if len(ins) > 2 and ins[2] is not None:
                r = r + a.get("beta", 1.0) * ins[2]
        else:
            raise NotImplementedError("reference interpreter: op " + op)
        assert len(n.output) == 1
        env[n.output[0]] = r
    return env[model.graph.output[0].name]


def op_counts(model):
    c = Counter(n.op_type for n in model.graph.node)
    return sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))


# ----------------------------------------------------------------------------
# training
# ----------------------------------------------------------------------------

def set_determinism(threads):
    torch.manual_seed(SEED_TRAIN)
    np.random.seed(SEED_TRAIN)
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)


def train(model, x, y, epochs, batch_size, max_lr, log):
    n = x.shape[0]
    steps_per_epoch = (n + batch_size - 1) // batch_size
    opt = torch.optim.Adam(model.parameters(), lr=max_lr / 25)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=max_lr, epochs=epochs, steps_per_epoch=steps_per_epoch)
    gen = torch.Generator().manual_seed(SEED_TRAIN)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    for ep in range(epochs):
        model.train()
        perm = torch.randperm(n, generator=gen)
        t0, tot, correct, seen = time.time(), 0.0, 0, 0
        for i in range(steps_per_epoch):
            idx = perm[i * batch_size:(i + 1) * batch_size]
            xb, yb = xt[idx], yt[idx]
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            tot += loss.item() * len(idx)
            correct += (logits.argmax(1) == yb).sum().item()
            seen += len(idx)
        log("epoch %d/%d  loss %.4f  train-acc %.4f  (%.0f s)"
            % (ep + 1, epochs, tot / seen, correct / seen, time.time() - t0))


@torch.no_grad()
def predict(model, x, batch_size=1000):
    model.eval()
    outs = [model(torch.from_numpy(x[i:i + batch_size])) for i in range(0, len(x), batch_size)]
    return torch.cat(outs).numpy()


# ----------------------------------------------------------------------------
# sample data
# ----------------------------------------------------------------------------

def pick_calibration(labels):
    """N_CALIB training indices, balanced over classes (round-robin over
    per-class seeded permutations: classes 0-5 get 26, classes 6-9 get 25)."""
    rng = np.random.RandomState(SEED_CALIB)
    per_class = [rng.permutation(np.flatnonzero(labels == c)) for c in range(10)]
    picked = [per_class[c][k] for k in range(N_CALIB // 10 + 1) for c in range(10)]
    return np.sort(np.array(picked[:N_CALIB]))


def pick_eval(labels):
    """N_EVAL_PER_CLASS test indices per class (seeded), sorted per class."""
    rng = np.random.RandomState(SEED_EVAL)
    return [np.sort(rng.choice(np.flatnonzero(labels == c), N_EVAL_PER_CLASS, replace=False))
            for c in range(10)]


def save_png(arr, path):
    Image.fromarray(arr, mode="L").save(path, format="PNG")


def reset_dir(path):
    if os.path.isdir(path):
        shutil.rmtree(path)
    os.makedirs(path)


def write_samples(tr_x, tr_y, te_x, te_y):
    calib_idx = pick_calibration(tr_y)
    calib_dir = os.path.join(REPO, "calibration-data", "fmnist")
    reset_dir(calib_dir)
    for i in calib_idx:
        save_png(tr_x[i], os.path.join(calib_dir, "train_%05d.png" % i))

    eval_dir = os.path.join(REPO, "calibration-data", "fmnist-eval")
    reset_dir(eval_dir)
    rows = []
    for c, idxs in enumerate(pick_eval(te_y)):
        os.makedirs(os.path.join(eval_dir, CLASS_DIRS[c]))
        for i in idxs:
            assert te_y[i] == c
            rel = "%s/%05d.png" % (CLASS_DIRS[c], i)
            save_png(te_x[i], os.path.join(eval_dir, rel))
            rows.append((rel, c, i))
    with open(os.path.join(eval_dir, "labels.csv"), "w", newline="\n") as f:
        f.write("file,label\n")
        for rel, c, _ in rows:
            f.write("%s,%d\n" % (rel, c))
    calib_counts = np.bincount(tr_y[calib_idx], minlength=10)
    return calib_idx, calib_counts, rows


def read_eval_pngs(rows):
    """Read the eval PNGs back from disk (checks the files round-trip)."""
    eval_dir = os.path.join(REPO, "calibration-data", "fmnist-eval")
    imgs = np.stack([np.asarray(Image.open(os.path.join(eval_dir, rel))) for rel, _, _ in rows])
    return imgs, np.array([c for _, c, _ in rows], dtype=np.int64)


# ----------------------------------------------------------------------------
# READMEs
# ----------------------------------------------------------------------------

def model_readme(ops, n_params, size, acc_full, acc_eval, acc_eval_onnx, max_diff,
                 epochs, threads, batch_size, max_lr):
    oplist = "\n".join("| %s | %d |" % kv for kv in ops)
    return f"""# fmnist_resnet — sample model

A small residual CNN trained on Fashion-MNIST, used as calib's sample model.
Generated by [`scripts/make_samples.py`](../../scripts/make_samples.py); do not
edit by hand — rerun the script instead (see "How it was made").

## Input / output

| | name | type | shape |
|---|---|---|---|
| input | `input` | float32 | `[batch, 1, 28, 28]` (NCHW, dynamic batch axis `batch`) |
| output | `logits` | float32 | `[batch, 10]` (raw logits, no softmax) |

ONNX opset 13, exported by torch {torch.__version__.split('+')[0]} (`torch.onnx.export`,
`do_constant_folding=True`). File size {size} bytes, {n_params} parameters.

## Preprocessing

8-bit grayscale 28×28 image, pixel values `p` in 0..255:

    x = (p / 255 − 0.2860) / 0.3530

(the same normalisation as the public Fashion-MNIST LeNet). No resizing,
no channel reordering; one channel.

Classes (index → label): 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress,
4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot.

## Architecture

    conv3x3(1→16, pad 1) → BN → ReLU
    residual block: conv3x3(16→16) → BN → ReLU → conv3x3(16→16) → BN, + identity, ReLU
    MaxPool 2×2
    conv3x3(16→32, pad 1) → BN → ReLU6 (exported as Clip(0, 6))
    AvgPool 2×2 (non-global; torch exports it as a Pad with all-zero pads + AveragePool)
    Flatten → Linear(1568→64) → ReLU → Dropout(0.2) (removed in export) → Linear(64→10)

Convolutions have no bias; the BatchNormalization nodes are **kept** in the
graph (inference form: one output, running statistics), so a tool that
quantises this model has to fold BN into the convolutions itself. (torch 1.13
folds BN during an eval-mode export; the script exports the eval-mode model
with `training=TrainingMode.PRESERVE`, which skips that fold. The script
checks the exported graph against torch with a NumPy reference interpreter.)

## Exported graph — op types

| op | count |
|---|---|
{oplist}

The `Constant` nodes are the Clip bounds (0.0 and 6.0, scalars) and the Pad
`pads` input (8 zeros, int64). No Dropout node (removed in eval export).

## Accuracy (float32)

| data | top-1 |
|---|---|
| full Fashion-MNIST test set (10 000 images), torch | {acc_full * 100:.2f} % |
| `calibration-data/fmnist-eval` (500 test images, 50 per class), torch | {acc_eval * 100:.2f} % |
| `calibration-data/fmnist-eval`, exported ONNX graph (NumPy reference, PNGs read back from disk) | {acc_eval_onnx * 100:.2f} % |

Largest |logit| difference ONNX-reference vs torch on the eval set: {max_diff:.2e}.

## How it was made

    /usr/bin/python3 scripts/make_samples.py

Trains for {epochs} epochs on the 60 000 Fashion-MNIST training images
(Debian package `dataset-fashion-mnist`), Adam with a one-cycle learning-rate
schedule (max lr {max_lr}), batch {batch_size}, no augmentation, fixed seeds,
`torch.use_deterministic_algorithms(True)`, {threads} torch threads. With the
same torch build and thread count the output is byte-identical; the script
also writes the sample images in `calibration-data/`.
"""


def data_readme(calib_counts, eval_rows):
    counts = ", ".join("%d: %d" % (c, n) for c, n in enumerate(calib_counts))
    classes = "\n".join("| %d | `%s` | %s |" % (c, d, t)
                        for c, (d, t) in enumerate(zip(CLASS_DIRS, CLASS_TITLES)))
    return f"""# Sample image data

Fashion-MNIST images for calib's sample model
([`models/fmnist_resnet`](../models/fmnist_resnet/README.md)). All images are
8-bit grayscale 28×28 PNGs, unmodified pixels from the dataset (Debian package
`dataset-fashion-mnist`). Generated by
[`scripts/make_samples.py`](../scripts/make_samples.py) — rerun it rather than
editing the files:

    /usr/bin/python3 scripts/make_samples.py

Preprocessing expected by the model: `x = (p / 255 − 0.2860) / 0.3530`.

## `fmnist/` — calibration set

{int(sum(calib_counts))} images from the **training** set, flat folder, named
`train_<index>.png` where `<index>` is the 0-based, 5-digit index into
`train-images-idx3-ubyte`. Chosen with a seeded random sample balanced over the
classes (label: count — {counts}). Unlabelled — used only to collect activation
ranges.

## `fmnist-eval/` — labelled evaluation set

{len(eval_rows)} images from the **test** set ({N_EVAL_PER_CLASS} per class, seeded random
sample), in one sub-folder per class; files are named `<index>.png`, the
0-based 5-digit index into `t10k-images-idx3-ubyte`. `labels.csv` (header
`file,label`) lists every file relative to `fmnist-eval/` with its class index.
Disjoint from the calibration set (different split).

| label | folder | class |
|---|---|---|
{classes}
"""


# ----------------------------------------------------------------------------
# main modes
# ----------------------------------------------------------------------------

def make_fmnist(args):
    t_start = time.time()
    log = lambda s: print("[%6.1fs] %s" % (time.time() - t_start, s), flush=True)
    set_determinism(args.threads)

    tr_x, tr_y, te_x, te_y = load_fmnist(args.data_dir)
    log("loaded Fashion-MNIST: %d train, %d test" % (len(tr_x), len(te_x)))

    calib_idx, calib_counts, rows = write_samples(tr_x, tr_y, te_x, te_y)
    log("wrote %d calibration PNGs (per class %s) and %d eval PNGs"
        % (len(calib_idx), calib_counts.tolist(), len(rows)))

    model = FmnistResNet()
    n_params = sum(p.numel() for p in model.parameters())
    log("model parameters: %d" % n_params)
    train(model, normalise(tr_x), tr_y, args.epochs, args.batch_size, args.max_lr, log)
    model.eval()

    acc_full = float((predict(model, normalise(te_x)).argmax(1) == te_y).mean())
    ev_u8, ev_y = read_eval_pngs(rows)
    ev_x = normalise(ev_u8)
    ev_torch = predict(model, ev_x)
    acc_eval = float((ev_torch.argmax(1) == ev_y).mean())
    log("float top-1: test 10k %.4f, eval-500 %.4f" % (acc_full, acc_eval))

    m = export_onnx(model, torch.zeros(1, 1, 28, 28),
                    "Fashion-MNIST small ResNet (calib sample model), made by "
                    "scripts/make_samples.py. Input: (pixel/255 - 0.2860)/0.3530, "
                    "float32 [batch,1,28,28]. Output: logits [batch,10].")
    ev_onnx = run_reference(m, ev_x)
    max_diff = float(np.abs(ev_onnx - ev_torch).max())
    acc_eval_onnx = float((ev_onnx.argmax(1) == ev_y).mean())
    assert max_diff < 1e-3, "exported graph disagrees with torch: %g" % max_diff
    ops = op_counts(m)
    log("exported ops: %s" % ", ".join("%s×%d" % kv for kv in ops))
    log("ONNX (NumPy reference) eval-500 top-1 %.4f, max |diff| vs torch %.2e"
        % (acc_eval_onnx, max_diff))

    mdir = os.path.join(REPO, "models", "fmnist_resnet")
    os.makedirs(mdir, exist_ok=True)
    data = m.SerializeToString()
    with open(os.path.join(mdir, "fmnist_resnet.onnx"), "wb") as f:
        f.write(data)
    with open(os.path.join(mdir, "README.md"), "w", newline="\n") as f:
        f.write(model_readme(ops, n_params, len(data), acc_full, acc_eval, acc_eval_onnx,
                             max_diff, args.epochs, args.threads, args.batch_size,
                             args.max_lr))
    with open(os.path.join(REPO, "calibration-data", "README.md"), "w", newline="\n") as f:
        f.write(data_readme(calib_counts, rows))
    log("wrote models/fmnist_resnet/fmnist_resnet.onnx (%d bytes) and READMEs" % len(data))


def make_resnet18(args):
    t_start = time.time()
    log = lambda s: print("[%6.1fs] %s" % (time.time() - t_start, s), flush=True)
    torch.manual_seed(SEED_RESNET18)
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    model = ResNet18()
    g = torch.Generator().manual_seed(SEED_RESNET18)
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, nn.Conv2d):
                nn.init.kaiming_normal_(mod.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(mod, nn.BatchNorm2d):
                mod.weight.copy_(0.5 + torch.rand(mod.num_features, generator=g))
                mod.bias.copy_(0.1 * torch.randn(mod.num_features, generator=g))
                mod.momentum = None  # cumulative average below
        # non-trivial running statistics (so BN folding actually does something):
        # a few seeded random batches in train mode
        model.train()
        for _ in range(4):
            model(torch.randn(8, 3, 224, 224, generator=g))
    model.eval()
    n_params = sum(p.numel() for p in model.parameters())
    log("ResNet-18: %d parameters" % n_params)
    m = export_onnx(model, torch.zeros(1, 3, 224, 224),
                    "ResNet-18-shaped network with seeded random weights "
                    "(calib speed benchmark), made by scripts/make_samples.py --resnet18.")
    x = torch.randn(2, 3, 224, 224, generator=g)
    with torch.no_grad():
        ref_t = model(x).numpy()
    ref_o = run_reference(m, x.numpy())
    rel = float(np.abs(ref_o - ref_t).max() / np.abs(ref_t).max())
    assert rel < 1e-3, "exported graph disagrees with torch: %g" % rel
    out = os.path.abspath(args.resnet18)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    data = m.SerializeToString()
    with open(out, "wb") as f:
        f.write(data)
    log("ops: %s" % ", ".join("%s×%d" % kv for kv in op_counts(m)))
    log("max rel |diff| ONNX-reference vs torch %.2e" % rel)
    log("wrote %s (%d bytes)" % (out, len(data)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--resnet18", metavar="OUT.onnx",
                    help="only export a random-weight ResNet-18 to OUT.onnx")
    ap.add_argument("--data-dir", default=DATA_DIR)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--max-lr", type=float, default=0.005)
    ap.add_argument("--threads", type=int, default=2,
                    help="torch threads (the trained weights depend on it)")
    args = ap.parse_args()
    if args.resnet18:
        make_resnet18(args)
    else:
        make_fmnist(args)


if __name__ == "__main__":
    sys.exit(main())
