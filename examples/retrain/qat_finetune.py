#!/usr/bin/env python3
"""Quantization-aware fine-tuning in PyTorch, starting from calib's retrain export.

The hand-off (docs/RETRAIN.md):

  1. calib retrain export --model m.onnx --calib-set images/ ... -o out/
       -> out/m_retrain.onnx and out/m_retrain_config.json (per layer: weight = state_dict key,
          input clip range, scale/zero point, weight channel axis, bit widths).
  2. this script: build YOUR PyTorch model, load its weights, fold BatchNorm into the convolutions
     (calib quantizes folded layers), attach fake quantization initialised from the JSON (uint8
     activations on each quantized layer's input, int8 per-channel symmetric weights), fine-tune
     with straight-through gradients, and export a QDQ ONNX (QuantizeLinear/DequantizeLinear pairs).
  3. calib retrain import --model finetuned.onnx -o out/ -> the same outputs as calib run, with the
     learned scales kept exactly.

Adapt two things for your own model: --model-factory (a "module:callable" returning the nn.Module;
its weights are loaded from --onnx by state_dict key, or from --state-dict) and the data loader
(load_data below reads Fashion-MNIST from Debian's dataset-fashion-mnist package).

Needs Debian's python3-torch (1.13), python3-onnx and python3-numpy. Example (the project's sample):

  python3 examples/retrain/qat_finetune.py --onnx models/fmnist_resnet/fmnist_resnet.onnx \
      --config out/fmnist_resnet_retrain_config.json --epochs 1 --output out/fmnist_resnet_qat.onnx
"""
import argparse
import gzip
import importlib
import json
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import numpy_helper
from torch.ao.quantization import (FakeQuantize, MovingAverageMinMaxObserver,
                                   MovingAveragePerChannelMinMaxObserver, disable_observer)

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def build_model(factory, onnx_path, state_dict_path):
    """Instantiate the user's model and load its float weights."""
    sys.path.insert(0, os.path.join(REPO, "scripts"))
    module_name, _, attr = factory.partition(":")
    model = getattr(importlib.import_module(module_name), attr)()
    if state_dict_path:
        model.load_state_dict(torch.load(state_dict_path))
    else:
        # torch.onnx.export names initializers after state_dict keys (with TrainingMode.PRESERVE).
        weights = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in onnx.load(onnx_path).graph.initializer}
        state = model.state_dict()
        missing = [k for k in state if k not in weights and not k.endswith("num_batches_tracked")]
        if missing:
            raise SystemExit(f"{onnx_path} lacks state_dict keys {missing[:5]}...: pass --state-dict")
        model.load_state_dict({k: weights.get(k, v) for k, v in state.items()})
    return model.eval()


def fold_batchnorm(model):
    """Fold each BatchNorm2d into the Conv2d registered just before it, as calib's do_fusion does."""
    modules = list(model.named_modules())
    folded = []
    for (conv_name, conv), (bn_name, bn) in zip(modules, modules[1:]):
        if isinstance(conv, nn.Conv2d) and isinstance(bn, nn.BatchNorm2d) and bn.num_features == conv.out_channels:
            with torch.no_grad():
                factor = bn.weight / torch.sqrt(bn.running_var + bn.eps)
                conv.weight.mul_(factor.reshape(-1, 1, 1, 1))
                bias = conv.bias if conv.bias is not None else torch.zeros_like(bn.running_mean)
                conv.bias = nn.Parameter((bias - bn.running_mean) * factor + bn.bias)
            parent = model.get_submodule(bn_name.rpartition(".")[0]) if "." in bn_name else model
            setattr(parent, bn_name.rpartition(".")[2], nn.Identity())
            folded.append(f"{bn_name} -> {conv_name}")
    return folded


def activation_fake_quant(spec):
    fq = FakeQuantize(observer=MovingAverageMinMaxObserver, quant_min=spec["quant_min"], quant_max=spec["quant_max"],
                      dtype=torch.quint8 if spec["type"] == "uint8" else torch.qint8,
                      qscheme=torch.per_tensor_affine, averaging_constant=0.01)
    obs = fq.activation_post_process
    obs.min_val = torch.tensor(spec["clip_min"], dtype=torch.float32)
    obs.max_val = torch.tensor(spec["clip_max"], dtype=torch.float32)
    fq.scale = torch.tensor([spec["scale_d"]], dtype=torch.float32)
    fq.zero_point = torch.tensor([spec["zero_point"]], dtype=torch.int32)
    return fq


def weight_fake_quant(spec, weight):
    # ONNX export of fake quantization needs the full int8 range (-128..127).
    fq = FakeQuantize(observer=MovingAveragePerChannelMinMaxObserver if spec["channel_wise"] else MovingAverageMinMaxObserver,
                      quant_min=-128, quant_max=127, dtype=torch.qint8,
                      qscheme=torch.per_channel_symmetric if spec["channel_wise"] else torch.per_tensor_symmetric,
                      ch_axis=spec["channel_axis"], averaging_constant=0.01)
    fq(weight.detach())  # observe the starting weights once
    return fq


class QatLayer(nn.Module):
    """A Conv2d or Linear whose input and weight go through fake quantization."""

    def __init__(self, layer, act_fq, w_fq):
        super().__init__()
        self.layer, self.act_fq, self.w_fq = layer, act_fq, w_fq

    def forward(self, x):
        x = self.act_fq(x)
        w = self.w_fq(self.layer.weight)
        if isinstance(self.layer, nn.Conv2d):
            return F.conv2d(x, w, self.layer.bias, self.layer.stride, self.layer.padding, self.layer.dilation, self.layer.groups)
        return F.linear(x, w, self.layer.bias)


def module_path_of(layer):
    """The module a calib layer belongs to: its weight's state_dict key, else its ONNX node name
    (torch.onnx.export names nodes "/<module path with />/<Op>")."""
    key = layer.get("weight", "")
    if key.endswith(".weight"):
        return key[:-len(".weight")]
    return ".".join(part for part in layer["node"].split("/")[1:-1]) or None


def attach_fake_quant(model, config):
    attached = []
    for name, layer in config["layers"].items():
        path = module_path_of(layer)
        try:
            module = model.get_submodule(path) if path else None
        except AttributeError:
            module = None
        act_fq = activation_fake_quant(layer["activation"])
        if isinstance(module, (nn.Conv2d, nn.Linear)) and "weight_quant" in layer:
            replacement = QatLayer(module, act_fq, weight_fake_quant(layer["weight_quant"], module.weight))
        elif module is not None and "weight_quant" not in layer:
            replacement = nn.Sequential(act_fq, module)  # pooling: only its input is quantized
        else:
            print(f"  {name}: no module found for it, left float", file=sys.stderr)
            continue
        parent_path, _, child = path.rpartition(".")
        setattr(model.get_submodule(parent_path) if parent_path else model, child, replacement)
        attached.append(path)
    return attached


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_data(data_dir, split, preprocessing):
    """Fashion-MNIST as the export's preprocessing says: x = (p*scale - mean)/std."""
    images = read_idx(os.path.join(data_dir, f"{split}-images-idx3-ubyte.gz")).astype(np.float32)
    labels = read_idx(os.path.join(data_dir, f"{split}-labels-idx1-ubyte.gz")).astype(np.int64)
    mean = np.float32((preprocessing.get("Mean") or [0])[0])
    std = np.float32((preprocessing.get("Std") or [1])[0])
    x = (images * np.float32(preprocessing["EffectiveScale"]) - mean) / std
    return torch.from_numpy(x[:, None]), torch.from_numpy(labels)


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        return float((model(x).argmax(1) == y).float().mean()) * 100


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--onnx", required=True, help="the float model given to calib retrain export")
    parser.add_argument("--config", required=True, help="<model>_retrain_config.json from calib retrain export")
    parser.add_argument("--output", required=True, help="the QDQ ONNX to write")
    parser.add_argument("--model-factory", default="make_samples:FmnistResNet", help="module:callable building your nn.Module")
    parser.add_argument("--state-dict", help="float weights (.pt); default: read from --onnx by state_dict key")
    parser.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--max-steps", type=int, default=0, help="stop an epoch after this many steps (0: whole epoch)")
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(2)

    config = json.load(open(args.config))
    if config.get("format") != "calib-retrain-config":
        raise SystemExit(f"{args.config} is not a calib retrain config")
    model = build_model(args.model_factory, args.onnx, args.state_dict)
    print("folded BatchNorm:", ", ".join(fold_batchnorm(model)) or "none")
    attached = attach_fake_quant(model, config)
    print(f"fake quantization on {len(attached)} layers: {', '.join(attached)}")

    train_x, train_y = load_data(args.data_dir, "train", config["preprocessing"])
    test_x, test_y = load_data(args.data_dir, "t10k", config["preprocessing"])
    print(f"fake-quant top-1 before fine-tuning: {accuracy(model, test_x, test_y):.2f} %")
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(train_x))
        for step, start in enumerate(range(0, len(order), args.batch_size)):
            if args.max_steps and step >= args.max_steps:
                break
            batch = order[start:start + args.batch_size]
            loss = F.cross_entropy(model(train_x[batch]), train_y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        print(f"epoch {epoch + 1}: fake-quant top-1 {accuracy(model, test_x, test_y):.2f} %")

    model.apply(disable_observer)
    model.eval()
    torch.onnx.export(model, train_x[:1], args.output, opset_version=13, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    onnx.checker.check_model(onnx.load(args.output), full_check=True)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
