"""W1: the seed recipe y = A·x, loss (A·x − y)² on one sample per step, SGD."""

import torch


class W1:
    def __init__(self, c: dict, d: dict) -> None:
        self.a = torch.tensor([d["a0"]], dtype=torch.float32, requires_grad=True)
        self.optimizer = torch.optim.SGD([self.a], lr=c["lr"])
        xs, ys = torch.from_numpy(d["xs"]), torch.from_numpy(d["ys"])
        self.samples = [(xs[i : i + 1], ys[i : i + 1]) for i in range(len(xs))]
        self.picks = d["picks"].tolist()
        self.i = 0

    def step(self) -> float:
        x, y = self.samples[self.picks[self.i % len(self.picks)]]
        self.i += 1
        self.optimizer.zero_grad(set_to_none=True)
        loss = (self.a * x - y).square().sum()
        loss.backward()
        self.optimizer.step()
        return loss.item()
