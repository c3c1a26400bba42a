"""Chapter 4, AA-MINE and layer-by-layer IB training (Elad et al. 2019).

``PROFILE``: the sizes of ``04_aa_mine_ib.ipynb`` per profile (data only), read by
:func:`ibcore.study.profiles.setup`; the keys are identical across the three profiles.

The chapter's experiments: :func:`noise_sweep` gives Fig. 1 (MINE and AA-MINE at each noise std),
:func:`run_method` trains a net by one method of Table 1 (:data:`METHODS`, :data:`METHOD_LABELS`)
and :func:`quantisation` measures how quantised a layer is (Fig. 3). The nets live in
:mod:`ibcore.models.layerwise`, the trainers in :mod:`ibcore.training.layerwise`.

References
----------
.. [1] A. Elad, D. Haviv, Y. Blau, T. Michaeli, "Direct validation of the information bottleneck
   principle for deep nets", ICCV Workshops (SDL-CV) 2019, Secs. 2-4, Eqs. (2)-(6), Table 1, Fig. 3.
.. [2] M. I. Belghazi et al., "Mutual information neural estimation", ICML 2018.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch
from torch import nn

from ibcore._progress import progress_bar
from ibcore._validation import check_bool, check_positive
from ibcore.models import LayerwiseNet
from ibcore.training import accuracy, train_end_to_end, train_layerwise, train_readout, weight_norms

__all__ = ["PROFILE", "noise_sweep", "METHODS", "METHOD_LABELS", "run_method", "quantisation"]


PROFILE = {
    # Elad et al. 2019 (the helpers below): tanh MLP on MNIST (1 % and 100 %) and a tanh conv net
    # (3x3, stride 2) on CIFAR-10, trained layer by layer on I(Y;L_i) - beta I(X;L_i + eps) with
    # MINE / AA-MINE critics (n_steps Adam steps per block; cross-entropy 3 n_steps end to end),
    # then a linear read-out. The paper's widths, beta, sigma and steps are in its supplement,
    # which we lack: these are ours. cifar_data "partial" = the mirror's 5170 images (not the
    # benchmark); "full" needs CIFAR-10 (fails with the missing-data error where it is absent).
    "smoke": {
        "seeds": [0],
        "widths": [32, 16, 8],
        "conv_channels": [4, 8, 8],
        "sigma": 0.1,
        "beta": 3e-3,
        "n_steps": 10,
        "conv_steps": 2,
        "lr": 3e-3,
        "readout_steps": 20,
        "n_test": 500,
        "cifar_data": "partial",
        "fig1_variances": [1e-1, 1e-3, 1e-5],
        "fig1_inputs": 300,
        "mine_iter": 20,
        "tsne_betas": [100.0, 0.001],
        "tsne_points": 150,
    },
    "default": {
        "seeds": [0, 1],
        "widths": [256, 128, 64],
        "conv_channels": [8, 16, 32],
        "sigma": 0.1,
        "beta": 3e-3,
        "n_steps": 300,
        "conv_steps": 100,
        "lr": 3e-3,
        "readout_steps": 500,
        "n_test": 10000,
        "cifar_data": "partial",
        "fig1_variances": [1.0, 1e-1, 1e-2, 1e-4, 1e-6, 1e-8, 1e-10],
        "fig1_inputs": 2000,
        "mine_iter": 400,
        "tsne_betas": [100.0, 0.001],
        "tsne_points": 800,
    },
    "paper": {
        "seeds": [0, 1, 2, 3, 4],
        "widths": [256, 128, 64],
        "conv_channels": [64, 128, 256],
        "sigma": 0.1,
        "beta": 3e-3,
        "n_steps": 5000,
        "conv_steps": 5000,
        "lr": 1e-3,
        "readout_steps": 2000,
        "n_test": 10000,
        "cifar_data": "full",
        "fig1_variances": [1.0, 1e-1, 1e-2, 1e-3, 1e-4, 1e-6, 1e-8, 1e-10],
        "fig1_inputs": 10000,
        "mine_iter": 5000,
        "tsne_betas": [100.0, 0.001],
        "tsne_points": 5000,
    },
}


def noise_sweep(
    subnetwork: nn.Module,
    x: Any,
    sigmas: Any,
    *,
    architecture_aware: tuple[bool, ...] = (False, True),
    progress: bool = True,
    **mine_options: Any,
) -> Any:
    r"""Elad et al.'s Fig. 1: :math:`I(X; F(X) + \varepsilon)` by MINE and AA-MINE at each noise std.

    One :func:`ibcore.mi_noisy_layer` fit per (sigma, estimator), with the same options and seed.
    Returns a DataFrame with columns ``sigma``, ``variance`` (sigma^2), ``estimator``
    (``"MINE"``/``"AA-MINE"``), ``estimate`` (held-out DV bound, nats) and ``diverged``.
    A sigma too small for float32 is refused by the estimator (``ValueError``): the true value at
    sigma = 0 is infinite and no finite number would be right.
    """
    import pandas as pd

    from ibcore.estimators.neural import mi_noisy_layer

    sigmas = [check_positive(s, "sigma") for s in np.atleast_1d(np.asarray(sigmas, dtype=float))]
    rows = []
    jobs = [(s, aa) for s in sigmas for aa in architecture_aware]
    for s, aa in progress_bar(jobs, enabled=check_bool(progress, "progress"), desc="noise sweep"):
        r = mi_noisy_layer(x, subnetwork, s, architecture_aware=aa, **mine_options)
        rows.append(
            {
                "sigma": s,
                "variance": s * s,
                "estimator": "AA-MINE" if aa else "MINE",
                "estimate": r.estimate,
                "diverged": r.diverged,
            }
        )
    return pd.DataFrame(rows)


METHODS = ("ce", "iyl", "ib", "l2")


METHOD_LABELS = {
    "ce": "Cross-entropy (end to end)",
    "iyl": "L = I(Y;L_i)",
    "ib": "L = I(Y;L_i) - beta I(X;L_i+eps)",
    "l2": "L = I(Y;L_i) - lambda ||W_i||^2",
}


def run_method(
    method: str,
    net: LayerwiseNet,
    train: tuple[Any, Any],
    test: tuple[Any, Any],
    *,
    beta: float = 0.0,
    sigma: float = 0.1,
    l2: float = 0.0,
    n_steps: int = 1000,
    ce_steps: int | None = None,
    readout_steps: int = 500,
    batch_size: int = 256,
    lr: float = 1e-3,
    seed: int = 0,
    device: str | torch.device | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Train ``net`` by one method of Table 1 and return its test accuracy and weight norms.

    ``method``: ``"ce"`` (end-to-end cross-entropy, ``ce_steps`` steps, default
    ``n_steps * n_layers`` so that it makes as many updates as the layer-wise methods together),
    ``"iyl"`` (layer-by-layer, beta = 0), ``"ib"`` (layer-by-layer with ``beta``) or ``"l2"``
    (layer-by-layer, beta = 0, L2 penalty ``l2``); the three layer-wise methods are followed by
    the linear read-out (:func:`train_readout`, ``readout_steps``). Returns ``method``,
    ``accuracy`` (test, fraction), ``train_accuracy``, ``weight_norms`` (per block), ``final``
    (per-layer DV values for the layer-wise methods, else None) and ``wall_time_s``.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    t0 = time.perf_counter()
    final = None
    if method == "ce":
        steps = ce_steps if ce_steps is not None else n_steps * net.n_layers
        train_end_to_end(
            net,
            *train,
            n_steps=steps,
            batch_size=batch_size,
            lr=lr,
            seed=seed,
            device=device,
            progress=progress,
        )
    else:
        res = train_layerwise(
            net,
            *train,
            beta=beta if method == "ib" else 0.0,
            sigma=sigma,
            l2=l2 if method == "l2" else 0.0,
            n_steps=n_steps,
            batch_size=batch_size,
            lr=lr,
            seed=seed,
            device=device,
            progress=progress,
        )
        train_readout(net, *train, n_steps=readout_steps, batch_size=batch_size, seed=seed, device=device)
        final = res.final
    return {
        "method": method,
        "accuracy": accuracy(net, *test),
        "train_accuracy": accuracy(net, *train),
        "weight_norms": weight_norms(net),
        "final": final,
        "wall_time_s": time.perf_counter() - t0,
    }


def quantisation(layer: Any, *, saturation_eps: float = 0.01) -> dict[str, float]:
    """How quantised a (tanh) representation (N, d) is: two numbers, larger = more quantised.

    ``saturated``: fraction of entries with |a| > 1 - ``saturation_eps`` (units pinned at +-1, so
    the layer takes few distinct values; :func:`ibcore.analysis.geometry.saturated_fraction`);
    ``nn_gap``: 1 - (mean distance to the nearest other sample) / (mean distance between two
    samples) - near 1 when the samples pile up on a few points, lower for a spread-out cloud.
    """
    from ibcore.analysis.geometry import saturated_fraction

    h = torch.as_tensor(layer, dtype=torch.float64)
    if h.ndim != 2 or h.shape[0] < 3:
        raise ValueError(f"layer must be (N, d) with N >= 3, got shape {tuple(h.shape)}")
    d = torch.cdist(h, h)
    n = h.shape[0]
    mean_pair = float(d.sum() / (n * (n - 1)))
    d.fill_diagonal_(float("inf"))
    nn_mean = float(d.min(1).values.mean())
    gap = 1.0 - nn_mean / mean_pair if mean_pair > 0 else 1.0
    return {"saturated": float(saturated_fraction(h.float(), eps=saturation_eps)), "nn_gap": gap}
