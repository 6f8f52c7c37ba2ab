"""W5: softmax regression (mean cross-entropy), SGD; whole training runs from the initial values."""

import torch
import torch.nn.functional as F
from torch import nn

from layers import labels_of, load_linear


class W5:
    def __init__(self, c: dict, d: dict) -> None:
        self.c, self.d = c, d
        self.model = nn.Linear(c["features"], c["classes"])
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=c["lr"])
        self.batches = [(torch.from_numpy(b["x"]).reshape(b["rows"], c["features"]), labels_of(b)) for b in d["batches"]]
        self.reset()

    def reset(self) -> None:
        load_linear(self.model, self.d["w0"], self.d["b0"])
        self.i = 0

    def step(self) -> float:
        x, labels = self.batches[self.i % len(self.batches)]
        self.i += 1
        self.optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(self.model(x), labels)
        loss.backward()
        self.optimizer.step()
        return loss.item()
