#!/usr/bin/env python3
"""Makes a QDQ ONNX the way PyTorch's own eager-mode QAT flow does, without calib's export step:
fuse_modules_qat + prepare_qat (uint8 activations, int8 per-channel symmetric weights; plain FakeQuantize
modules, since the default fused observer+fake-quant op does not export to ONNX),
a few training steps on random data, then torch.onnx.export of the fake-quantized model (no convert).
Used by the retrain-import tests: python3 make_torch_qat_model.py OUT.onnx
"""
import sys

import torch
import torch.nn as nn
from torch.ao.quantization import (DeQuantStub, FakeQuantize, MovingAverageMinMaxObserver, MovingAveragePerChannelMinMaxObserver,
                                   QConfig, QuantStub, disable_observer, fuse_modules_qat, prepare_qat)

QCONFIG = QConfig(
    activation=FakeQuantize.with_args(observer=MovingAverageMinMaxObserver, quant_min=0, quant_max=255, dtype=torch.quint8),
    weight=FakeQuantize.with_args(observer=MovingAveragePerChannelMinMaxObserver, quant_min=-128, quant_max=127,
                                  dtype=torch.qint8, qscheme=torch.per_channel_symmetric, ch_axis=0))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.quant = QuantStub()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.relu2 = nn.ReLU()
        self.pool = nn.AvgPool2d(2)
        self.fc = nn.Linear(16 * 7 * 7, 10)
        self.dequant = DeQuantStub()

    def forward(self, x):
        x = self.quant(x)
        x = self.relu1(self.bn1(self.conv1(x)))
        x = self.pool(self.relu2(self.conv2(x)))
        return self.dequant(self.fc(torch.flatten(x, 1)))


def main(out):
    torch.manual_seed(0)
    model = Net().train()
    model = fuse_modules_qat(model, [["conv1", "bn1", "relu1"], ["conv2", "relu2"]])
    model.qconfig = QCONFIG
    model = prepare_qat(model)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    for _ in range(20):
        x = torch.randn(16, 1, 28, 28)
        loss = model(x).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.apply(disable_observer)
    model.apply(torch.nn.intrinsic.qat.freeze_bn_stats)
    model.eval()
    torch.onnx.export(model, torch.randn(1, 1, 28, 28), out, opset_version=13, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})


if __name__ == "__main__":
    main(sys.argv[1])
