"""W3: the PTB language model as PyTorch's word_language_model example writes it.

nn.Embedding, a two-layer nn.LSTM (zero initial state, batch-first) and an nn.Linear decoder;
cost = Σ cross-entropy / batch; gradients clipped by global norm (clip_grad_norm_), SGD.

The harness gives TensorFlow's BasicLSTMCell variables: one kernel [input + hidden, 4·hidden] with
gate blocks (i, j, f, o) and one bias. nn.LSTM keeps weight_ih [4·hidden, input], weight_hh
[4·hidden, hidden] with gate blocks (i, f, g, o), and two biases; bias_hh is held at zero (not
trained), so the model, its gradients and their global norm are BasicLSTMCell's (forget bias 0).
"""

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

# TF's gate blocks in nn.LSTM's order: i, f (TF's 2), g = j (TF's 1), o.
TF_TO_TORCH_GATES = [0, 2, 1, 3]


def torch_gates(a: np.ndarray, hidden: int) -> np.ndarray:
    """Reorders the last axis's four gate blocks from TF's order to nn.LSTM's."""
    lead = a.shape[:-1]
    return a.reshape(*lead, 4, hidden)[..., TF_TO_TORCH_GATES, :].reshape(*lead, 4 * hidden)


class W3:
    def __init__(self, c: dict, d: dict) -> None:
        B, T, H, V = c["batch"], c["numSteps"], c["hidden"], c["vocab"]
        self.B, self.T, self.H = B, T, H
        self.embedding = nn.Embedding(V, H)
        self.lstm = nn.LSTM(H, H, num_layers=len(d["layers"]), batch_first=True)
        self.decoder = nn.Linear(H, V)
        with torch.no_grad():
            self.embedding.weight.copy_(torch.from_numpy(d["embedding"]).reshape(V, H))
            for l, layer in enumerate(d["layers"]):
                kernel = torch_gates(layer["kernel"].reshape(2 * H, 4 * H), H)
                getattr(self.lstm, f"weight_ih_l{l}").copy_(torch.from_numpy(kernel[:H].T.copy()))
                getattr(self.lstm, f"weight_hh_l{l}").copy_(torch.from_numpy(kernel[H:].T.copy()))
                getattr(self.lstm, f"bias_ih_l{l}").copy_(torch.from_numpy(torch_gates(layer["bias"], H).copy()))
                getattr(self.lstm, f"bias_hh_l{l}").zero_().requires_grad_(False)
            self.decoder.weight.copy_(torch.from_numpy(d["softmaxW"]).reshape(H, V).t())
            self.decoder.bias.copy_(torch.from_numpy(d["softmaxB"]))
        modules = [self.embedding, self.lstm, self.decoder]
        self.params = [p for m in modules for p in m.parameters() if p.requires_grad]
        self.optimizer = torch.optim.SGD(self.params, lr=c["lr"])
        self.max_grad_norm = c["maxGradNorm"]
        self.batches = [
            (torch.from_numpy(b["inputs"]).long().reshape(B, T), torch.from_numpy(b["targets"]).long()) for b in d["batches"]
        ]
        self.i = 0

    def step(self) -> float:
        inputs, targets = self.batches[self.i % len(self.batches)]
        self.i += 1
        self.optimizer.zero_grad(set_to_none=True)
        output, _ = self.lstm(self.embedding(inputs))  # [B, T, H]
        logits = self.decoder(output.reshape(self.B * self.T, self.H))  # rows b·T + t, as the targets
        loss = F.cross_entropy(logits, targets, reduction="sum") / self.B
        loss.backward()
        nn.utils.clip_grad_norm_(self.params, self.max_grad_norm)
        self.optimizer.step()
        return loss.item()
