"""Mutual information through lossy compression (Butakov et al. 2024, Sec. 4).

Compress X and a layer L to a few dimensions (:mod:`ibcore.compression`), then estimate on the
codes with the weighted Kozachenko-Leonenko entropies (:func:`ibcore.estimators.knn.mi_wkl`),

.. math::

    \\hat I(X;L) = \\hat H^w(E_X(X)) + \\hat H^w(E_L(L)) - \\hat H^w(E_X(X), E_L(L)), \\qquad
    \\hat I(Y;L) = \\hat H^w(E_L(L)) - \\sum_c p_c\\, \\hat H^w(E_L(L) \\mid Y = c)

for a discrete label Y with class frequencies :math:`p_c`.

* :func:`mi_labels` - I(Z;Y) for continuous Z and a discrete label, from entropies;
* :class:`CompressedMI` - a :class:`~ibcore.interface.LayerEstimator` for
  :func:`ibcore.analysis.infoplane.information_plane`: X through a fitted compressor, each layer through
  PCA (or nothing when it is already small) at each recorded epoch, then WKL.

References
----------
I. Butakov et al., ICLR 2024 (arXiv 2305.08013), Sec. 4. T. B. Berrett, R. J. Samworth, M. Yuan,
Ann. Statist. 47(1), 2019 (WKL).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from ibcore._validation import (
    as_tensor,
    check_bool,
    check_choice,
    check_int,
    check_labels,
    check_mapping,
    labels_by_keyword,
)
from ibcore.compression import fit_compressor
from ibcore.estimators.knn import entropy_kl, entropy_wkl, mi_kl, mi_wkl
from ibcore.interface import IXL, IYL

__all__ = ["mi_labels", "CompressedMI"]


_ENTROPIES = {"wkl": entropy_wkl, "kl": entropy_kl}


_MIS = {"wkl": mi_wkl, "kl": mi_kl}


@labels_by_keyword
def mi_labels(
    z: Any, *, labels: Any, k: int = 5, entropy: str = "wkl", whiten: bool = False, device: Any = None
) -> float:
    r"""I(Z;Y) in nats for continuous Z (N, d) and integer labels Y (N,), from kNN entropies.

    .. math:: \hat I(Z;Y) = \hat H(Z) - \sum_c \frac{N_c}{N}\, \hat H(Z \mid Y = c)

    with :func:`~ibcore.estimators.knn.entropy_wkl` (``entropy="wkl"``) or
    :func:`~ibcore.estimators.knn.entropy_kl` (``"kl"``); ``whiten=True`` whitens each sample (all
    of Z, and each class) by its own covariance first (see ``entropy_kl``). The truth lies in
    [0, H(Y)]; the estimate is not clipped (its sampling error can take it outside).

    Raises
    ------
    ValueError
        Mismatched lengths, a class with k or fewer samples, an unknown ``entropy``.
    """
    fn = _ENTROPIES[check_choice(entropy, "entropy", tuple(_ENTROPIES))]
    k = check_int(k, "k", minimum=1)
    zt = as_tensor(z, "z")
    if zt.ndim == 1:
        zt = zt[:, None]
    y = check_labels(labels, "labels", n=len(zt), device="cpu").numpy()
    classes, counts = np.unique(y, return_counts=True)
    if counts.min() <= k:
        raise ValueError(f"class {classes[counts.argmin()]} has {counts.min()} samples; need more than k={k}")
    h = fn(zt, k, device=device, whiten=whiten)
    cond = sum(
        c / len(y) * fn(zt[torch.as_tensor(y == cl)], k, device=device, whiten=whiten)
        for cl, c in zip(classes, counts, strict=True)
    )
    return float(h - cond)


class CompressedMI:
    """Information-plane coordinates through lossy compression (Butakov et al. 2024, Sec. 4).

    At each recorded epoch the layer's activations on the N evaluation inputs (flattened) are
    compressed to ``dim`` coordinates by PCA fitted on those activations (``layer_method="pca"``,
    the released code's choice for layers) or by a dense autoencoder trained on them
    (``"dense"``, the paper's description) - or kept as they are when they have ``dim`` or fewer
    features - and

    * :data:`~ibcore.interface.IXL` = ``mi_wkl(x_codes, layer codes)`` (or ``mi_kl``),
    * :data:`~ibcore.interface.IYL` = :func:`mi_labels` (layer codes, labels),
    * ``"code error"``: the layer compressor's relative reconstruction error on those activations
      (squared error over their total variance; 0 when the layer is kept as it is),

    with ``x_codes = x_compressor.encode(x)`` computed once. Each entropy is estimated on its
    sample whitened by the sample's own covariance, with the log-determinant added back
    (``whiten=True``), as the authors' released estimator does (``rescale=True``): PCA codes have
    very unequal variances and an autoencoder's code any scale, and Euclidean kNN balls in the
    joint space of two badly scaled codes bias the estimate a lot (either way: KL down, WKL up in
    chapter 3's example).

    Parameters
    ----------
    x_compressor : Compressor
        Fitted on held-out inputs (:func:`ibcore.compression.fit_compressor`).
    dim : int, default 4
        Code dimension of each layer.
    k : int, default 5
    estimator : {"wkl", "kl"}, default "wkl"
    whiten : bool, default True
        ``False``: the entropies on the codes as they are.
    layer_method : {"pca", "dense"}, default "pca"
    layer_options : dict, optional
        Options of :func:`~ibcore.compression.fit_compressor` for the layers' autoencoders
        (``n_epochs``, ``batch_size``, ``lr``, ``hidden``, ``seed``); only with ``"dense"``.
    device : optional
    """

    _LAYER_OPTIONS = ("n_epochs", "batch_size", "lr", "hidden", "seed")

    def __init__(
        self,
        x_compressor: Any,
        *,
        dim: int = 4,
        k: int = 5,
        estimator: str = "wkl",
        whiten: bool = True,
        layer_method: str = "pca",
        layer_options: Mapping[str, Any] | None = None,
        device: Any = None,
    ):
        self.x_compressor = x_compressor
        self.dim = check_int(dim, "dim", minimum=1)
        self.k = check_int(k, "k", minimum=1)
        self.estimator = check_choice(estimator, "estimator", tuple(_MIS))
        self.whiten = check_bool(whiten, "whiten")
        self.layer_method = check_choice(layer_method, "layer_method", ("pca", "dense"))
        self.layer_options = dict(check_mapping(layer_options or {}, "layer_options"))
        unknown = sorted(set(self.layer_options) - set(self._LAYER_OPTIONS))
        if unknown:
            raise ValueError(f"unknown layer_options {unknown}; accepted: {list(self._LAYER_OPTIONS)}")
        if self.layer_options and self.layer_method != "dense":
            raise ValueError("layer_options configure the layers' autoencoders: give layer_method='dense'")
        self.device = device
        self.name = f"compressed {estimator.upper()} (dim {dim}, k={k})"

    def compress(self, acts: Any) -> tuple[torch.Tensor, float]:
        """Codes (N, <= dim) of one epoch's activations (N, ...) and their relative reconstruction error."""
        t = as_tensor(acts, "acts").float()
        flat = t.reshape(len(t), -1)
        if flat.shape[1] <= self.dim:
            return flat, 0.0
        comp = fit_compressor(
            flat, self.dim, method=self.layer_method, val_fraction=0.0, device=self.device,
            **self.layer_options,
        )  # fmt: skip
        return comp.encode(flat), float(comp.train_error)

    def codes(self, acts: Any) -> torch.Tensor:
        """Codes (N, <= dim) of one epoch's activations (N, ...)."""
        return self.compress(acts)[0]

    def estimate_layer(self, acts: Any, *, x: Any, y: Any) -> dict[str, np.ndarray]:
        zx = self.x_compressor.encode(x)
        a = as_tensor(acts, "acts")
        ixl, iyl, err = [], [], []
        for e in range(a.shape[0]):
            z, code_error = self.compress(a[e])
            ixl.append(_MIS[self.estimator](zx, z, self.k, device=self.device, whiten=self.whiten))
            iyl.append(
                mi_labels(
                    z, labels=y, k=self.k, entropy=self.estimator, whiten=self.whiten, device=self.device
                )
            )
            err.append(code_error)
        return {IXL: np.array(ixl), IYL: np.array(iyl), "code error": np.array(err)}
