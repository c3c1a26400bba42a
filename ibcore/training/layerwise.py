"""Layer-by-layer training with the noise-regularised IB loss (Elad et al. 2019), and its baselines.

Elad, Haviv, Blau & Michaeli train each layer of a deterministic net *alone* to maximise

.. math::

    \\mathcal L_i = I(Y; L_i) - \\beta\\, I(X; L_i + \\varepsilon), \\qquad
    \\varepsilon \\sim \\mathcal N(0, \\sigma^2 I)

(their Eq. 2), freeze it and move to the next; then a linear read-out is trained on the last layer
with cross-entropy (Sec. 4). Both MI terms are Donsker-Varadhan bounds (Eq. 6) with neural critics
trained *simultaneously* with the layer, "alternating between updating the discriminators D_x, D_y
and updating the layer's parameters" as in adversarial training (Sec. 4):

* :math:`I(Y; L_i)` by a MINE critic :math:`D_y(y, l)` on (one-hot label, layer);
* :math:`I(X; L_i + \\varepsilon)` by an architecture-aware critic (AA-MINE, Sec. 3) that holds the
  layer map :math:`F_i` itself: :math:`D_x(x, t) = g([F_i(x),\\ t,\\ (t - F_i(x))/\\sigma])`, as in
  :class:`ibcore.AAMINE`. Here the copy of :math:`F_i` inside the critic is *tied* to the layer being
  trained (the same parameters): for any critic head g the DV value is a lower bound on the MI at
  every parameter value and equals it at the optimal head, so by the envelope argument its
  gradient with respect to the layer is the gradient of the MI.

This module provides the layer-by-layer trainer (:func:`train_layerwise`, with ``beta=0`` the
"I(Y;L) only" method of Table 1, and an optional L2 penalty in place of the MI penalty for the
weight-decay comparison of Sec. 2), the end-to-end cross-entropy baseline (:func:`train_end_to_end`),
the linear read-out (:func:`train_readout`) and :func:`accuracy` / :func:`weight_norms`, for the
nets of :mod:`ibcore.models.layerwise` (:func:`~ibcore.models.elad_mlp`,
:func:`~ibcore.models.elad_convnet`, a :class:`~ibcore.models.LayerwiseNet` of blocks).

The paper's supplement (training algorithm, widths, activations, beta, sigma, steps) was not
available to us; every such choice here is ours and is a parameter.

References
----------
.. [1] A. Elad, D. Haviv, Y. Blau, T. Michaeli, "Direct validation of the information bottleneck
   principle for deep nets", ICCV Workshops (SDL-CV) 2019, Secs. 2-4, Eqs. (2)-(6), Table 1, Fig. 3.
.. [2] M. I. Belghazi et al., "Mutual information neural estimation", ICML 2018.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from ibcore._device import resolve_device
from ibcore._progress import progress_bar
from ibcore._validation import check_bool, check_int, check_positive
from ibcore.estimators.neural import DIVERGED_BELOW
from ibcore.estimators.neural._critics import critic_mlp
from ibcore.estimators.neural._dv import log_mean_exp
from ibcore.models.layerwise import LayerwiseNet

__all__ = [
    "LayerwiseResult",
    "train_layerwise",
    "train_readout",
    "train_end_to_end",
    "features",
    "accuracy",
    "weight_norms",
]


def _check_data(net: Any, x: Any, y: Any, device: Any) -> tuple[torch.Tensor, torch.Tensor, torch.device]:
    if not isinstance(net, LayerwiseNet):
        raise TypeError(f"net must be a LayerwiseNet (elad_mlp, elad_convnet), got {type(net).__name__}")
    x = torch.as_tensor(x)
    y = torch.as_tensor(y)
    if x.ndim < 2:
        raise ValueError(f"x must be (N, ...) with one row per sample, got shape {tuple(x.shape)}")
    if y.ndim != 1 or y.shape[0] != x.shape[0]:
        raise ValueError(f"x has {x.shape[0]} rows, y has shape {tuple(y.shape)}: y must be (N,) labels")
    if x.shape[0] < 2:
        raise ValueError(f"need at least 2 samples, got N={x.shape[0]}")
    if y.dtype.is_floating_point or y.dtype == torch.bool:
        raise TypeError(f"y must hold integer class labels, got dtype {y.dtype}")
    n_classes = net.readout.out_features
    if int(y.min()) < 0 or int(y.max()) >= n_classes:
        raise ValueError(f"labels must lie in 0..{n_classes - 1}, got {int(y.min())}..{int(y.max())}")
    if not x.dtype.is_floating_point:
        raise TypeError(f"x must be floating point, got dtype {x.dtype}")
    if x.numel() and not bool(torch.isfinite(x.abs().amax())):  # one reduction: NaN propagates through amax
        raise ValueError("x holds NaN or infinite values")
    dev = resolve_device(device) if device is not None else x.device
    return x.to(dev, torch.float32), y.to(dev, torch.int64), dev


def features(net: LayerwiseNet, x: torch.Tensor, i: int | None = None, *, chunk: int = 4096) -> torch.Tensor:
    """Layer i (1-based; all blocks when None) on x, (N, d), computed in chunks without gradients."""
    dev = next(net.parameters()).device
    with torch.no_grad():
        return torch.cat([net.layer(x[s : s + chunk].to(dev), i) for s in range(0, x.shape[0], chunk)])


def _prefix(net: LayerwiseNet, x: torch.Tensor, i: int, chunk: int = 4096) -> torch.Tensor:
    """Input of block i (1-based): x through the frozen blocks 1..i-1, unflattened, no gradients."""
    if i == 1:
        return x
    with torch.no_grad():
        out = []
        for s in range(0, x.shape[0], chunk):
            h = x[s : s + chunk]
            for block in net.blocks[: i - 1]:
                h = block(h)
            out.append(h)
        return torch.cat(out)


def accuracy(net: LayerwiseNet, x: Any, y: Any, *, chunk: int = 4096) -> float:
    """Fraction of samples whose arg-max logit is the label."""
    dev = next(net.parameters()).device
    x, y = torch.as_tensor(x), torch.as_tensor(y)
    net.eval()
    with torch.no_grad():
        hits = sum(
            int((net(x[s : s + chunk].to(dev)).argmax(1) == y[s : s + chunk].to(dev)).sum())
            for s in range(0, x.shape[0], chunk)
        )
    return hits / max(int(x.shape[0]), 1)


def weight_norms(net: LayerwiseNet) -> list[float]:
    """Frobenius norm of each block's weights (biases excluded), in block order."""
    return [
        float(torch.sqrt(sum((m.weight.detach() ** 2).sum() for m in b.modules() if hasattr(m, "weight"))))
        for b in net.blocks
    ]


def _dv(t_joint: torch.Tensor, t_marg: torch.Tensor) -> torch.Tensor:
    """Donsker-Varadhan bound mean T(joint) - log mean e^T(marginal) (Elad et al. Eq. 6), nats."""
    return t_joint.mean() - log_mean_exp(t_marg)


class _YCritic(nn.Module):
    """MINE critic D_y(y, l) = MLP([onehot(y), l])."""

    def __init__(self, n_classes: int, dim: int, hidden: tuple[int, ...], gen: torch.Generator):
        super().__init__()
        self.body = critic_mlp(n_classes + dim, hidden, "elu", gen)

    def forward(self, onehot: torch.Tensor, layer: torch.Tensor) -> torch.Tensor:
        return self.body(torch.cat([onehot, layer], 1)).squeeze(1)


class _XCritic(nn.Module):
    """AA-MINE critic head g([F(x), t, (t - F(x)) / sigma]); F(x) is the (tied) layer output."""

    def __init__(self, dim: int, hidden: tuple[int, ...], sigma: float, gen: torch.Generator):
        super().__init__()
        self.body, self.sigma = critic_mlp(3 * dim, hidden, "elu", gen), sigma

    def forward(self, f: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return self.body(torch.cat([f, t, (t - f) / self.sigma], 1)).squeeze(1)


# ------------------------------------------------------------------------------- layerwise IB


@dataclass
class LayerwiseResult:
    """What :func:`train_layerwise` did.

    Attributes
    ----------
    curves : list of dict
        Per layer: ``step`` (logged steps), ``iyl`` and ``ixl`` (the critics' DV values on the
        training mini-batch, nats; ``ixl`` is NaN when beta = 0 and no X-critic was trained).
    final : list of dict
        Per layer: ``iyl``, ``ixl`` (mean of the last logged tenth of the curve, nats) and
        ``weight_norm`` when the layer was frozen.
    config : dict
        The settings used.
    wall_time_s : float
    """

    curves: list[dict[str, np.ndarray]] = field(default_factory=list)
    final: list[dict[str, float]] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)
    wall_time_s: float = 0.0


def train_layerwise(
    net: LayerwiseNet,
    x: Any,
    y: Any,
    *,
    beta: float,
    sigma: float = 0.1,
    n_steps: int = 1000,
    batch_size: int = 256,
    lr: float = 1e-3,
    critic_lr: float = 1e-3,
    critic_steps: int = 1,
    critic_hidden: tuple[int, ...] = (128,),
    l2: float = 0.0,
    layers: tuple[int, ...] | None = None,
    log_every: int = 25,
    seed: int = 0,
    device: str | torch.device | None = None,
    progress: bool = True,
) -> LayerwiseResult:
    r"""Train ``net``'s blocks one at a time on :math:`I(Y;L_i) - \beta I(X;L_i+\varepsilon)`, freezing each.

    For block i = 1..k: its input (blocks 1..i-1, frozen) is computed once for the training set;
    then for ``n_steps`` mini-batches of ``batch_size``, ``critic_steps`` Adam updates of the two
    critics (maximising their DV bounds on the current layer, held fixed) alternate with one Adam
    update of block i that maximises

    .. math::

        \hat I_{D_y}(Y; L_i) - \beta\, \hat I_{D_x}(X; L_i + \varepsilon) - \lambda \|W_i\|_F^2,

    each :math:`\hat I` the DV bound (Elad et al. Eq. 6) of its critic on the mini-batch, the
    product-of-marginals pairs made by pairing each sample with the next one's label / noisy layer;
    :math:`\lambda` is ``l2`` (0 by default; > 0 with ``beta=0`` is the weight-decay comparison of
    Sec. 2). Block i is then frozen (``requires_grad=False``). With ``beta=0`` no X-critic is
    trained (the "I(Y;L) only" row of Table 1). The read-out is not touched: train it afterwards
    with :func:`train_readout`.

    Parameters
    ----------
    net : LayerwiseNet
        Trained in place (moved to ``device``).
    x : tensor (N, ...), float
    y : tensor (N,), int labels in 0..n_classes-1
    beta : float >= 0
        Trade-off of Eq. (2).
    sigma : float > 0, default 0.1
        Std of the noise :math:`\varepsilon` that only the MI penalty sees (the net stays deterministic).
    n_steps : int
        Layer updates per block.
    batch_size, lr, critic_lr, critic_steps, critic_hidden
        Mini-batch size; Adam rates of the block and of the critics; critic updates per block
        update; critic hidden widths (ELU MLPs).
    l2 : float >= 0
        Weight-decay coefficient on the block's weights (Frobenius norm squared).
    layers : tuple of int, optional
        Which blocks to train (1-based, in order); default all. Blocks before the first one are
        used as they are (frozen).
    log_every : int
        Log the critics' DV values every this many steps.
    seed : int
        Seeds the critics' initialisation, the mini-batches and the noise.
    device : str or torch.device, optional
        Default: the device of x.
    progress : bool
        A progress bar per block (off under ``IBCORE_PROGRESS=0``).

    Returns
    -------
    LayerwiseResult

    References
    ----------
    Elad et al. 2019, Sec. 4 (layer-by-layer training, alternating updates), Eq. (2), Fig. 2.
    """
    beta = check_positive(beta, "beta", allow_zero=True)
    sigma = check_positive(sigma, "sigma")
    l2 = check_positive(l2, "l2", allow_zero=True)
    n_steps = check_int(n_steps, "n_steps", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=2)
    critic_steps = check_int(critic_steps, "critic_steps", minimum=1)
    log_every = check_int(log_every, "log_every", minimum=1)
    lr, critic_lr = check_positive(lr, "lr"), check_positive(critic_lr, "critic_lr")
    seed = check_int(seed, "seed")
    progress = check_bool(progress, "progress")
    x, y, dev = _check_data(net, x, y, device)
    k = net.n_layers
    layers = tuple(range(1, k + 1)) if layers is None else tuple(check_int(i, "layer") for i in layers)
    if any(not 1 <= i <= k for i in layers) or list(layers) != sorted(set(layers)):
        raise ValueError(f"layers must be increasing block numbers in 1..{k}, got {layers}")
    net.to(dev)
    n, n_classes = x.shape[0], net.readout.out_features
    bs = min(batch_size, n)
    onehot_all = torch.nn.functional.one_hot(y, n_classes).float()
    gen = torch.Generator(device=dev).manual_seed(seed + 1)
    result = LayerwiseResult(
        config=dict(
            beta=beta,
            sigma=sigma,
            n_steps=n_steps,
            batch_size=bs,
            lr=lr,
            critic_lr=critic_lr,
            critic_steps=critic_steps,
            critic_hidden=tuple(critic_hidden),
            l2=l2,
            layers=layers,
            seed=seed,
            device=str(dev),
            n_train=n,
        )
    )
    t0 = time.perf_counter()
    net.requires_grad_(False)
    for i in layers:
        block = net.blocks[i - 1]
        block.train()
        block.requires_grad_(True)
        h_in = _prefix(net, x, i)
        with torch.no_grad():
            dim = block(h_in[:2]).reshape(2, -1).shape[1]
        g_init = torch.Generator().manual_seed(seed + 1000 * i)
        cy = _YCritic(n_classes, dim, tuple(critic_hidden), g_init).to(dev)
        cx = _XCritic(dim, tuple(critic_hidden), sigma, g_init).to(dev) if beta > 0 else None
        critic_params = [*cy.parameters(), *(cx.parameters() if cx is not None else [])]
        opt_c = torch.optim.Adam(critic_params, lr=critic_lr)
        opt_l = torch.optim.Adam(block.parameters(), lr=lr)
        weights = [m.weight for m in block.modules() if isinstance(m, (nn.Linear, nn.Conv2d))]
        steps, iyl, ixl = [], [], []
        bar = progress_bar(range(n_steps), enabled=progress, desc=f"layer {i} (beta={beta:g})")
        for step in bar:
            idx = torch.randperm(n, generator=gen, device=dev)[:bs]
            oh = onehot_all[idx]
            f = block(h_in[idx]).reshape(bs, -1)
            t = f + sigma * torch.randn(f.shape, generator=gen, device=dev)
            fd, td = f.detach(), t.detach()
            for _ in range(critic_steps):
                loss_c = -_dv(cy(oh, fd), cy(oh, fd.roll(1, 0)))
                if cx is not None:
                    loss_c = loss_c - _dv(cx(fd, td), cx(fd, td.roll(1, 0)))
                opt_c.zero_grad(set_to_none=True)
                loss_c.backward()
                opt_c.step()
            iy = _dv(cy(oh, f), cy(oh, f.roll(1, 0)))
            objective = iy
            ix = torch.tensor(float("nan"))
            if cx is not None:
                ix = _dv(cx(f, t), cx(f, t.roll(1, 0)))
                objective = objective - beta * ix
            if l2 > 0:
                objective = objective - l2 * sum((w**2).sum() for w in weights)
            opt_l.zero_grad(set_to_none=True)
            (-objective).backward()
            opt_l.step()
            if (step + 1) % log_every == 0 or step == n_steps - 1:
                steps.append(step + 1)
                iyl.append(float(iy.detach()))
                ixl.append(float(ix.detach()))
        block.requires_grad_(False)
        block.eval()
        iyl_a, ixl_a = np.asarray(iyl), np.asarray(ixl)
        tail = max(1, len(steps) // 10)
        ends = [iyl_a[-tail:].mean(), *([ixl_a[-tail:].mean()] if cx is not None else [])]
        finite = np.isfinite(iyl_a).all() and (cx is None or np.isfinite(ixl_a).all())
        if not finite or min(ends) < DIVERGED_BELOW:
            # a DV value below -1 nat: the critic does worse than a constant one (bound 0), so its
            # gradient is no estimate of the MI's (as in MINEResult.diverged)
            raise FloatingPointError(
                f"layer {i}: training diverged: the critics' DV values ended at "
                f"{', '.join(f'{v:.3g}' for v in ends)} nats (NaN/inf or below {DIVERGED_BELOW:g}, worse "
                f"than a constant critic) with lr={lr:g}, critic_lr={critic_lr:g}, sigma={sigma:g}; "
                "lower the learning rates or raise sigma"
            )
        result.curves.append({"step": np.asarray(steps), "iyl": iyl_a, "ixl": ixl_a})
        result.final.append(
            {
                "iyl": float(iyl_a[-tail:].mean()),
                "ixl": float(ixl_a[-tail:].mean()),
                "weight_norm": weight_norms(net)[i - 1],
            }
        )
    result.wall_time_s = time.perf_counter() - t0
    return result


def train_readout(
    net: LayerwiseNet,
    x: Any,
    y: Any,
    *,
    n_steps: int = 500,
    batch_size: int = 256,
    lr: float = 1e-2,
    seed: int = 0,
    device: str | torch.device | None = None,
) -> float:
    """Train only the linear read-out on the (frozen) last layer with cross-entropy; return the final loss.

    The blocks are not changed (their features are computed once, without gradients). This is
    the post-training of Elad et al. Sec. 4: the best linear map from the last layer to the labels.
    """
    n_steps = check_int(n_steps, "n_steps", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    lr = check_positive(lr, "lr")
    x, y, dev = _check_data(net, x, y, device)
    net.to(dev)
    feats = features(net, x)
    gen = torch.Generator(device=dev).manual_seed(check_int(seed, "seed") + 7)
    opt = torch.optim.Adam(net.readout.parameters(), lr=lr)
    net.readout.requires_grad_(True)
    bs = min(batch_size, x.shape[0])
    loss = torch.tensor(float("nan"))
    for _ in range(n_steps):
        idx = torch.randperm(x.shape[0], generator=gen, device=dev)[:bs]
        loss = nn.functional.cross_entropy(net.readout(feats[idx]), y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return float(loss.detach())


def train_end_to_end(
    net: LayerwiseNet,
    x: Any,
    y: Any,
    *,
    n_steps: int = 2000,
    batch_size: int = 256,
    lr: float = 1e-3,
    weight_decay: float = 0.0,
    seed: int = 0,
    device: str | torch.device | None = None,
    progress: bool = True,
) -> float:
    r"""The cross-entropy baseline of Table 1: all blocks and the read-out trained together by Adam.

    ``weight_decay`` adds :math:`\lambda \sum_i \|W_i\|_F^2` over the blocks' weights to the loss.
    Returns the last mini-batch loss.
    """
    n_steps = check_int(n_steps, "n_steps", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    lr = check_positive(lr, "lr")
    weight_decay = check_positive(weight_decay, "weight_decay", allow_zero=True)
    x, y, dev = _check_data(net, x, y, device)
    net.to(dev).train()
    net.requires_grad_(True)
    gen = torch.Generator(device=dev).manual_seed(check_int(seed, "seed") + 3)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    weights = [m.weight for m in net.blocks.modules() if isinstance(m, (nn.Linear, nn.Conv2d))]
    bs = min(batch_size, x.shape[0])
    loss = torch.tensor(float("nan"))
    for _ in progress_bar(range(n_steps), enabled=check_bool(progress, "progress"), desc="cross-entropy"):
        idx = torch.randperm(x.shape[0], generator=gen, device=dev)[:bs]
        loss = nn.functional.cross_entropy(net(x[idx]), y[idx])
        if weight_decay > 0:
            loss = loss + weight_decay * sum((w**2).sum() for w in weights)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    net.eval()
    if not math.isfinite(float(loss.detach())):
        raise FloatingPointError(f"cross-entropy training diverged (loss {float(loss)}); lower lr={lr:g}")
    return float(loss.detach())
