"""Training engines: one network, or S MLPs stacked into one batched network.

Both engines train, evaluate and record with one interface (``train_epoch``, ``evaluate``,
``record``, ``state_dict``/``load_state_dict``, ``final_states``) that the training loop drives:
:class:`SingleEngine` trains any :class:`torch.nn.Module` with a torch optimizer, and
:class:`StackedMLP` trains S noise-free MLPs of one architecture at once through stacked weights and
:func:`torch.baddbmm`, each seed with its own gradient and optimizer state.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ibcore.models import MLP, make_activation
from ibcore.training.config import OPTIMIZERS, TrainConfig
from ibcore.training.penalties import linear_weights, orthonormality
from ibcore.training.recording import record_activations
from ibcore.training.retraction import parseval_retraction

__all__ = ["SingleEngine", "StackedMLP"]

_EVAL_CHUNK = 1 << 22  # entries (rows x widest layer x models) per evaluation chunk: ~16 MB float32


def _logits(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    fn = getattr(model, "logits", None)
    return fn(x) if callable(fn) else model(x)


def _make_optimizer(cfg: TrainConfig, params: Iterable[torch.Tensor]) -> torch.optim.Optimizer:
    opts = dict(cfg.optimizer_options)
    if "betas" in opts:
        opts["betas"] = tuple(opts["betas"])
    return OPTIMIZERS[cfg.optimizer](params, lr=cfg.lr, **opts)


class SingleEngine:
    """One :class:`nn.Module` trained with a torch optimizer (any architecture)."""

    n_models = 1

    def __init__(self, model: nn.Module, cfg: TrainConfig, device: torch.device, dtype: torch.dtype):
        self.model = model.to(device)
        self.opt = _make_optimizer(cfg, self.model.parameters())
        self.dtype = dtype
        self.ortho = float(cfg.orthonormal_penalty)
        self.parseval = float(cfg.parseval_alpha)
        self.hidden_weights = linear_weights(self.model)[:-1]  # the retraction's: all but the output

    def train_epoch(
        self, x: torch.Tensor, y: torch.Tensor, perms: list[torch.Tensor], batch_size: int
    ) -> tuple[torch.Tensor, torch.Tensor]:
        model, opt = self.model, self.opt
        model.train()
        perm = perms[0]
        loss_sum = torch.zeros((), device=x.device)
        correct = torch.zeros((), device=x.device, dtype=torch.int64)
        for start in range(0, x.shape[0], batch_size):
            idx = perm[start : start + batch_size]
            xb, yb = x[idx], y[idx]
            logits = _logits(model, xb)
            loss = F.cross_entropy(logits, yb)
            objective = loss
            if self.ortho > 0:
                objective = loss + self.ortho * orthonormality(linear_weights(model))
            opt.zero_grad(set_to_none=True)
            objective.backward()
            opt.step()
            if self.parseval > 0:
                parseval_retraction(self.hidden_weights, self.parseval)
            loss_sum += loss.detach() * idx.numel()
            correct += (logits.detach().argmax(-1) == yb).sum()
        n = x.shape[0]
        return (loss_sum / n).reshape(1), (correct / n).reshape(1)

    def evaluate(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        model = self.model
        was_training = model.training
        model.eval()
        chunk = max(1, _EVAL_CHUNK // max(1, int(np.prod(x.shape[1:]))))
        loss_sum = torch.zeros((), device=x.device)
        correct = torch.zeros((), device=x.device, dtype=torch.int64)
        try:
            with torch.no_grad():
                for start in range(0, x.shape[0], chunk):
                    logits = _logits(model, x[start : start + chunk])
                    yb = y[start : start + chunk]
                    loss_sum += F.cross_entropy(logits, yb, reduction="sum")
                    correct += (logits.argmax(-1) == yb).sum()
        finally:
            model.train(was_training)
        n = x.shape[0]
        return (loss_sum / n).reshape(1), (correct / n).reshape(1)

    def record(self, x: torch.Tensor, layers: list[str]) -> list[dict[str, torch.Tensor]]:
        chunk = max(1, _EVAL_CHUNK // max(1, int(np.prod(x.shape[1:]))))
        return [record_activations(self.model, x, layers, batch_size=chunk, dtype=self.dtype)]

    def state_dict(self) -> dict[str, Any]:
        return {"model": self.model.state_dict(), "opt": self.opt.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.model.load_state_dict(state["model"])
        self.opt.load_state_dict(state["opt"])

    def final_states(self) -> list[dict[str, torch.Tensor]]:
        return [{k: v.detach().cpu().clone() for k, v in self.model.state_dict().items()}]


class StackedMLP:
    """S noise-free :class:`MLP` of one architecture trained as one network.

    Layer l holds W_l of shape (S, d_in, d_out) and b_l of shape (S, 1, d_out); a batch of shape
    (S, B, d_in), seed s seeing its own samples, goes through ``act(baddbmm(b, h, W))``. The loss
    is the sum over seeds of each seed's mean cross-entropy, so each seed's gradient is its own;
    Adam/SGD update each entry from that entry's gradient and state alone, so one optimizer over
    the stacked tensors performs S independent runs (same lr, betas, eps, weight decay, step count).
    """

    def __init__(self, models: list[MLP], cfg: TrainConfig, device: torch.device, dtype: torch.dtype):
        spec = models[0].spec
        self.n_models = len(models)
        self.layer_names = list(models[0].layer_names)
        self.act = make_activation(spec["activation"])
        self.out_act = make_activation(spec["output_activation"], "output_activation")
        self.dtype = dtype
        linears = [f"{name}.linear" for name in self.layer_names[:-1]] + ["output.pre.linear"]
        self.params: list[torch.Tensor] = []
        self.state_keys: list[tuple[str, bool]] = []  # (state_dict key, stored transposed)
        self.layers_wb: list[tuple[torch.Tensor, torch.Tensor | None]] = []
        for lin in linears:
            w = torch.stack([m.get_submodule(lin).weight.detach().T for m in models]).contiguous()
            w = w.to(device).requires_grad_()
            self.params.append(w)
            self.state_keys.append((f"{lin}.weight", True))
            b = None
            if spec["bias"]:
                b = torch.stack([m.get_submodule(lin).bias.detach()[None, :] for m in models]).contiguous()
                b = b.to(device).requires_grad_()
                self.params.append(b)
                self.state_keys.append((f"{lin}.bias", False))
            self.layers_wb.append((w, b))
        self.opt = _make_optimizer(cfg, self.params)
        self.ortho = float(cfg.orthonormal_penalty)
        self.parseval = float(cfg.parseval_alpha)

    def _forward(self, h: torch.Tensor, keep: bool = False) -> tuple[torch.Tensor, list[torch.Tensor]]:
        outs = []
        for w, b in self.layers_wb[:-1]:
            h = self.act(torch.baddbmm(b, h, w) if b is not None else torch.bmm(h, w))
            if keep:
                outs.append(h)
        w, b = self.layers_wb[-1]
        logits = torch.baddbmm(b, h, w) if b is not None else torch.bmm(h, w)
        if keep:
            outs.append(self.out_act(logits))
        return logits, outs

    def train_epoch(
        self, x: torch.Tensor, y: torch.Tensor, perms: list[torch.Tensor], batch_size: int
    ) -> tuple[torch.Tensor, torch.Tensor]:
        s = self.n_models
        perm = torch.stack(perms)
        loss_sum = torch.zeros(s, device=x.device)
        correct = torch.zeros(s, device=x.device, dtype=torch.int64)
        for start in range(0, x.shape[0], batch_size):
            idx = perm[:, start : start + batch_size]
            xb, yb = x[idx], y[idx]
            logits, _ = self._forward(xb)
            per_seed = (
                F.cross_entropy(logits.reshape(-1, logits.shape[-1]), yb.reshape(-1), reduction="none")
                .view(s, -1)
                .mean(1)
            )
            objective = per_seed.sum()
            if self.ortho > 0:  # W_l is stored as (S, d_in, d_out): the Linear weight is its transpose
                pen = orthonormality([w.transpose(-1, -2) for w, _ in self.layers_wb])
                objective = objective + self.ortho * pen.sum()
            self.opt.zero_grad(set_to_none=True)
            objective.backward()
            self.opt.step()
            if self.parseval > 0:  # stored transposed: the retraction commutes with the transpose
                parseval_retraction([w for w, _ in self.layers_wb[:-1]], self.parseval)
            loss_sum += per_seed.detach() * idx.shape[1]
            correct += (logits.detach().argmax(-1) == yb).sum(1)
        n = x.shape[0]
        return loss_sum / n, correct / n

    def _chunk(self, x: torch.Tensor) -> int:
        widest = max(w.shape[-1] for w, _ in self.layers_wb)
        widest = max(widest, x.shape[-1])
        return max(1, _EVAL_CHUNK // (self.n_models * widest))

    def evaluate(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        s, chunk = self.n_models, self._chunk(x)
        loss_sum = torch.zeros(s, device=x.device)
        correct = torch.zeros(s, device=x.device, dtype=torch.int64)
        with torch.no_grad():
            for start in range(0, x.shape[0], chunk):
                xb, yb = x[start : start + chunk], y[start : start + chunk]
                logits, _ = self._forward(xb.expand(s, *xb.shape))
                loss_sum += (
                    F.cross_entropy(logits.reshape(-1, logits.shape[-1]), yb.repeat(s), reduction="none")
                    .view(s, -1)
                    .sum(1)
                )
                correct += (logits.argmax(-1) == yb).sum(1)
        n = x.shape[0]
        return loss_sum / n, correct / n

    def record(self, x: torch.Tensor, layers: list[str]) -> list[dict[str, torch.Tensor]]:
        s, chunk = self.n_models, self._chunk(x)
        parts: dict[str, list[torch.Tensor]] = {name: [] for name in layers}
        with torch.no_grad():
            for start in range(0, x.shape[0], chunk):
                xb = x[start : start + chunk]
                _, outs = self._forward(xb.expand(s, *xb.shape), keep=True)
                for name, out in zip(self.layer_names, outs, strict=False):
                    if name in parts:
                        parts[name].append(out.to(self.dtype).cpu())
        full = {name: torch.cat(p, dim=1) for name, p in parts.items()}
        order = [name for name in self.layer_names if name in parts]
        return [{name: full[name][i].clone() for name in order} for i in range(s)]

    def state_dict(self) -> dict[str, Any]:
        return {"params": [p.detach().clone() for p in self.params], "opt": self.opt.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        saved_params = state["params"]
        if len(saved_params) != len(self.params) or any(
            tuple(p.shape) != tuple(q.shape) for p, q in zip(self.params, saved_params, strict=True)
        ):
            raise ValueError("the saved parameters do not fit this stacked network")
        with torch.no_grad():
            for p, saved in zip(self.params, saved_params, strict=True):
                p.copy_(saved)
        self.opt.load_state_dict(state["opt"])

    def final_states(self) -> list[dict[str, torch.Tensor]]:
        out = []
        for i in range(self.n_models):
            state = {}
            for p, (key, transposed) in zip(self.params, self.state_keys, strict=False):
                t = p.detach()[i]
                state[key] = (t.T if transposed else t[0]).cpu().contiguous().clone()
            out.append(state)
        return out
