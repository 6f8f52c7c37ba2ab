"""W2: the ReLU MLP, mean softmax cross-entropy, Adam (torch's update lr·m̂/(√v̂ + ε), as TF.js's)."""

import torch
import torch.nn.functional as F
from torch import nn

from layers import labels_of, linear_from


class W2:
    def __init__(self, c: dict, d: dict) -> None:
        modules: list[nn.Module] = []
        for k, layer in enumerate(d["layers"]):
            modules.append(linear_from(layer))
            if k + 1 < len(d["layers"]):
                modules.append(nn.ReLU())
        self.model = nn.Sequential(*modules)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=c["lr"], betas=(0.9, 0.999), eps=1e-8)
        inputs = c["sizes"][0]
        self.batches = [(torch.from_numpy(b["x"]).reshape(b["rows"], inputs), labels_of(b)) for b in d["batches"]]
        self.i = 0

    def step(self) -> float:
        x, labels = self.batches[self.i % len(self.batches)]
        self.i += 1
        self.optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(self.model(x), labels)
        loss.backward()
        self.optimizer.step()
        return loss.item()
