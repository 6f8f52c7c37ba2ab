"""Loading the harness's initial values into torch modules (its layouts are TensorFlow's)."""

import numpy as np
import torch
from torch import nn


def load_linear(linear: nn.Linear, w: np.ndarray, b: np.ndarray) -> None:
    """Dense weights arrive [in, out]; nn.Linear keeps [out, in]."""
    with torch.no_grad():
        linear.weight.copy_(torch.from_numpy(w).reshape(linear.in_features, linear.out_features).t())
        linear.bias.copy_(torch.from_numpy(b))


def linear_from(layer: dict) -> nn.Linear:
    linear = nn.Linear(layer["fanIn"], layer["fanOut"])
    load_linear(linear, layer["w"], layer["b"])
    return linear


def labels_of(batch: dict) -> torch.Tensor:
    """Class indices as int64, as F.cross_entropy takes them."""
    return torch.from_numpy(batch["labels"]).long()
