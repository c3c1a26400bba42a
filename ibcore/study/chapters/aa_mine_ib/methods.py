r"""The chapter's tools (Elad et al. 2019): Fig. 1's noise sweep, Table 1's training methods, quantisation.

:func:`noise_sweep` estimates :math:`I(X; F(X) + \varepsilon)` by MINE and AA-MINE at each noise
std (Fig. 1); :func:`run_method` trains a net by one method of Table 1 (:data:`METHODS`, labelled by
:data:`METHOD_LABELS`) and returns its test accuracy and weight norms; :func:`quantisation` measures
how quantised a (tanh) layer is (Fig. 3). The nets live in :mod:`ibcore.models.layerwise`, the
trainers in :mod:`ibcore.training.layerwise`; the page's experiments that call these tools are in
:mod:`ibcore.study.chapters.aa_mine_ib.experiments`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from ibcore._progress import progress_bar
from ibcore._validation import check_bool, check_positive
from ibcore.models import LayerwiseNet
from ibcore.training import accuracy, train_end_to_end, train_layerwise, train_readout, weight_norms

__all__ = [
    "noise_sweep",
    "MINE_FALL_NATS",
    "failed_fits",
    "METHODS",
    "METHOD_LABELS",
    "run_method",
    "quantisation",
]

MINE_FALL_NATS = 0.5
"""Nats: a MINE fit this far below the seed's largest held estimate at a larger noise variance has failed
(the truth I(X; L + eps) only rises as sigma falls): a collapsed fit, not saturation."""


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


def failed_fits(
    estimates: Sequence[float], diverged: Sequence[bool], fall: float = MINE_FALL_NATS
) -> list[bool]:
    """Per fit of one seed's curve (largest variance first), whether it failed: flagged ``diverged``, NaN,
    negative, or more than ``fall`` nats below the largest estimate of a fit at a larger variance that
    held (the truth only rises as the noise falls, so a falling estimate is a collapsing fit)."""
    best, out = -math.inf, []
    for est, bad in zip(estimates, diverged, strict=True):
        failed = bool(bad) or not np.isfinite(est) or est < 0 or est < best - fall
        out.append(failed)
        if not failed:
            best = max(best, float(est))
    return out


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
