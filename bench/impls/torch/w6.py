"""W6: the small CNN: conv 3×3 + ReLU, conv 3×3 + ReLU, 2×2 max pooling, dense; Adam.

The harness's layouts are TensorFlow's: images NHWC, kernels HWIO, and the dense layer reads the
pooled maps flattened in (h, w, c) order. PyTorch computes in NCHW with OIHW kernels, so the images
and kernels are transposed once at setup, and the pooled maps are permuted back to (h, w, c)
before the dense layer.
"""

import torch
import torch.nn.functional as F
from torch import nn

from layers import labels_of, linear_from


class W6:
    def __init__(self, c: dict, d: dict) -> None:
        self.convs = nn.ModuleList()
        for layer in d["convs"]:
            k, cin, cout = layer["size"], layer["inChannels"], layer["outChannels"]
            conv = nn.Conv2d(cin, cout, k)
            with torch.no_grad():
                conv.weight.copy_(torch.from_numpy(layer["kernel"]).reshape(k, k, cin, cout).permute(3, 2, 0, 1))
                conv.bias.copy_(torch.from_numpy(layer["bias"]))
            self.convs.append(conv)
        self.dense = linear_from(d["dense"])
        self.pool = c["pool"]
        self.optimizer = torch.optim.Adam([*self.convs.parameters(), *self.dense.parameters()], lr=c["lr"], betas=(0.9, 0.999), eps=1e-8)
        shape = (c["height"], c["width"], c["channels"])
        self.batches = [
            (torch.from_numpy(b["x"]).reshape(b["rows"], *shape).permute(0, 3, 1, 2).contiguous(), labels_of(b)) for b in d["batches"]
        ]
        self.i = 0

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        h = x
        for conv in self.convs:
            h = torch.relu(conv(h))
        h = F.max_pool2d(h, self.pool)
        return self.dense(h.permute(0, 2, 3, 1).flatten(1))

    def step(self) -> float:
        x, labels = self.batches[self.i % len(self.batches)]
        self.i += 1
        self.optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(self.logits(x), labels)
        loss.backward()
        self.optimizer.step()
        return loss.item()
