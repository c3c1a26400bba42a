"""Noisy networks over training (Goldfeld et al. 2019): I(X;T_l) by sample propagation at every
recorded epoch of a run, and the run's deterministic twin.

A noisy MLP (``MLP(noise_std=beta)``) trained with ``TrainConfig(record_weights=True)`` keeps its
weights at every recorded epoch. From them:

* :func:`sp_information` estimates I(X;T_l) for every hidden layer and recorded epoch by sample
  propagation (:func:`ibcore.estimators.sample_propagation.mi_sample_propagation`), noise
  propagated through layers 1..l-1 with the weights of that epoch, with its Monte Carlo standard
  error - on a fixed subsample of the inputs (:func:`ibcore.analysis.subsample.input_subsample`)
  to bound the cost;
* :func:`deterministic_twin` records the same weights with the noise switched off
  (:func:`ibcore.models.set_noise`): a :class:`~ibcore.training.RecordedRun` that
  :func:`ibcore.analysis.infoplane.information_plane` (e.g. binning) and
  :func:`ibcore.analysis.geometry.geometry_frame` take as they take any run.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from ibcore._device import resolve_device
from ibcore._progress import progress_bar
from ibcore.analysis.subsample import input_subsample
from ibcore.estimators.sample_propagation import mi_sample_propagation
from ibcore.interface import IXL
from ibcore.models import MLP, ConvNet, GaussianNoise, set_noise

__all__ = ["SP_COLUMNS", "layer_maps", "hidden_layer_index", "sp_information", "deterministic_twin"]


SP_COLUMNS = ("seed", "layer", "layer_index", "epoch", "beta", IXL, "stderr", "n_inputs")
"""Columns of :func:`sp_information`'s frame (values in nats)."""


_SP_KINDS = ("mlp", "mnist_cnn", "cifar10_convnet")


def _check_weights(run: Any) -> None:
    if getattr(run, "weights", None) is None:
        raise ValueError("the run kept no weights per epoch: train it with TrainConfig(record_weights=True)")


def layer_maps(model: nn.Module) -> list[nn.Module]:
    r"""The noiseless maps :math:`f_1, f_2, \dots` of a noisy network, noise added between them by the caller.

    * :class:`~ibcore.models.MLP`: noise after each hidden activation, so the maps are the hidden
      blocks :math:`f_l = \phi(W_l \cdot + b_l)` without their
      :class:`~ibcore.models.GaussianNoise`; map ``l - 1`` gives hidden layer ``l``.
    * the conv nets (:class:`~ibcore.models.MNISTCNN`, :class:`~ibcore.models.CIFAR10ConvNet`):
      noise on each layer's *input*, the image included, so the first map is the identity
      (:math:`T_0 = X + Z_0`) and map ``l`` is block ``l`` without its dropout and noise
      (conv, pool, activation; flatten, linear, activation for the dense ``layer4``). The maps
      take flattened images (N, C H W), the form sample propagation works in. Then
      :math:`T_l = S_l + Z_l` with the recorded :math:`S_l` is exactly what block ``l + 1``
      receives in evaluation mode (dropout off), and map ``l`` gives hidden layer ``l``.

    :func:`hidden_layer_index` maps a layer name to its index in this list.

    Raises
    ------
    ValueError
        The network's noise is multiplicative (``noise_mode="multiplicative"``): then
        :math:`T_l = S_l (1 + \beta Z_l)` is not :math:`S_l` plus noise of a fixed law, and sample
        propagation's mixture of Gaussians of variance :math:`\beta^2` would be the wrong density.
    """
    modes = {m.mode for m in model.modules() if isinstance(m, GaussianNoise)}
    _check_additive({"noise_mode": sorted(modes - {"additive"})[0]} if modes - {"additive"} else {})
    if isinstance(model, MLP):
        return [nn.Sequential(block.linear, block.act) for block in _hidden_blocks(model)]
    if isinstance(model, ConvNet):
        maps: list[nn.Module] = [nn.Identity()]  # on flattened images: T_0 = X + Z_0, (N, C H W)
        for i, block in enumerate(_hidden_blocks(model)):
            kept = [m for key, m in block.named_children() if key not in ("dropout", "noise")]
            if i == 0:
                kept.insert(0, nn.Unflatten(1, tuple(model.input_shape)))
            maps.append(nn.Sequential(*kept))
        return maps
    raise TypeError(f"layer_maps needs an ibcore MLP or conv net, got {type(model).__name__}")


def _check_additive(spec: dict[str, Any]) -> None:
    mode = spec.get("noise_mode", "additive")
    if mode != "additive":
        raise ValueError(
            f"sample propagation needs additive Gaussian noise (T = S + beta Z); this network's noise is "
            f"{mode!r} (T = S (1 + beta Z)), whose conditional law given X is not a fixed Gaussian"
        )


def _hidden_blocks(model: nn.Module) -> list[nn.Module]:
    return [model.get_submodule(name) for name in model.layer_names[:-1]]


def hidden_layer_index(model: nn.Module, name: str) -> int:
    """Index into :func:`layer_maps` of the map that gives the hidden layer ``name``."""
    hidden = list(model.layer_names[:-1])
    if name not in hidden:
        raise ValueError(f"{name!r} is not a hidden layer of the model; hidden: {hidden}")
    return hidden.index(name) + (0 if isinstance(model, MLP) else 1)


def _epoch_indices(run: Any, epochs: Iterable[int] | None) -> np.ndarray:
    if epochs is None:
        return np.arange(len(run.epochs))
    return np.array([run.epoch_index(int(e)) for e in epochs], dtype=np.int64)


def sp_information(
    run: Any,
    *,
    layers: Iterable[str] | None = None,
    epochs: Iterable[int] | None = None,
    n_inputs: int | None = 256,
    input_seed: int = 0,
    n_samples_per_x: int = 10,
    n_mc: int = 10,
    seed: int = 0,
    beta: float | None = None,
    device: str | torch.device | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    r"""I(X;T_l) by sample propagation for every hidden layer and recorded epoch of a noisy network run.

    At each recorded epoch the MLP is rebuilt from :attr:`RecordedRun.weights` and
    :func:`~ibcore.estimators.sample_propagation.mi_sample_propagation` is called with the
    noiseless layer maps :math:`f_1, \dots, f_L` (:func:`layer_maps`) and the run's noise
    ``beta``: with X uniform on ``n_inputs`` of the evaluation inputs,

    .. math:: I(X; T_l) = h(S_l + Z_l) - \frac1m \sum_i h(S_l + Z_l \mid X = x_i),
              \quad S_l = f_l(T_{l-1}),

    noise propagated through layers 1..l-1 (Goldfeld et al. 2019, Secs. 2-3).

    Parameters
    ----------
    run : RecordedRun
        A run of a noisy ibcore MLP (``{"kind": "mlp", "noise_std": beta > 0}``) or conv net
        (``"mnist_cnn"``/``"cifar10_convnet"`` with ``noise_std > 0`` and ``noise_in_eval``; the
        image is noised too, see :func:`layer_maps`) trained with ``record_weights=True``.
    layers : iterable of str, optional
        Hidden layers to estimate (default: all hidden layers; the output layer has no noise).
    epochs : iterable of int, optional
        Recorded epochs (default: all).
    n_inputs : int or None, default 256
        Inputs X is uniform on (a fixed subsample, :func:`input_subsample`); ``None``: all.
        I(X;T_l) is then at most log(n_inputs).
    input_seed : int, default 0
        Seed of that subsample.
    n_samples_per_x, n_mc, seed
        As in :func:`~ibcore.estimators.sample_propagation.mi_sample_propagation`; the same
        ``seed`` at every epoch (common random numbers: curves over epochs are smoother).
    beta : float, optional
        Noise std (default: the run's ``noise_std``).
    device : str or torch.device, optional
        Where the propagation and the mixture entropies run; ``None``: CUDA when available, else
        CPU (the recorded runs live on the CPU).
    progress : bool, default False

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SP_COLUMNS`: ``seed, layer, layer_index, epoch, beta, I(X;L), stderr,
        n_inputs``; I(X;L) and its Monte Carlo standard error in nats.

    Notes
    -----
    Cost per (layer, epoch): O((m r)^2 n_mc d) for m = ``n_inputs``, r = ``n_samples_per_x``
    (O(m^2 n_mc d) for the first layer). The standard error covers the Monte Carlo integration
    only, not the plug-in error of r samples per input.
    """
    _check_weights(run)
    spec = run.config.get("model") or {}
    if spec.get("kind") not in _SP_KINDS:
        raise ValueError(
            f"sp_information needs a run of an ibcore MLP or conv net ({', '.join(_SP_KINDS)}), "
            f"got model kind {spec.get('kind')!r}"
        )
    _check_additive(spec)
    if spec.get("kind") != "mlp" and not spec.get("noise_in_eval", True):
        raise ValueError(
            "the run's conv net has noise_in_eval=False: its recorded layers are not the noisy net's"
        )
    beta = float(spec.get("noise_std", 0.0)) if beta is None else float(beta)
    if not beta > 0:
        raise ValueError(
            "the run's network has noise_std = 0: sample propagation needs beta > 0 (give beta=)"
        )
    hidden = [name for name in run.layers if name != "output"]
    use = list(layers) if layers is not None else hidden
    unknown = [name for name in use if name not in hidden]
    if unknown:
        raise ValueError(f"layers {unknown} are not hidden layers of the run; hidden: {hidden}")
    idx = _epoch_indices(run, epochs)
    sub = input_subsample(int(run.x_eval.shape[0]), n_inputs, seed=input_seed)
    dev = resolve_device(device)
    x = run.x_eval[sub].to(device=dev, dtype=torch.float64)
    m = int(x.shape[0])
    x = x.reshape(m, -1)  # images are flattened: layer_maps unflattens them for the first conv
    rows = []
    bar = progress_bar(total=len(idx) * len(use), desc="sample propagation", enabled=progress, leave=False)
    for i in idx:
        model = run.model_at(int(run.epochs[i]))
        maps = layer_maps(model)
        for name in use:
            r = mi_sample_propagation(
                x,
                maps,
                beta,
                layer_index=hidden_layer_index(model, name),
                n_samples_per_x=n_samples_per_x,
                n_mc=n_mc,
                seed=seed,
            )
            rows.append((run.seed, name, hidden.index(name) + 1, int(run.epochs[i]), beta, r.mi, r.stderr, m))
            bar.update(1)
    bar.close()
    frame = pd.DataFrame(rows, columns=list(SP_COLUMNS))
    return frame.sort_values(["layer_index", "epoch"], ignore_index=True)


def deterministic_twin(
    run: Any, *, index: Any = None, epochs: Iterable[int] | None = None, dtype: torch.dtype = torch.float32
) -> Any:
    """The run's network with the noise switched off, recorded on its evaluation inputs at each epoch.

    Same weights, :func:`~ibcore.models.set_noise` ``(enabled=False)``: every layer is the
    deterministic map of the noisy net. The result is a copy of ``run``
    (:class:`~ibcore.training.RecordedRun`) whose ``activations`` are the twin's, so estimators
    (:func:`ibcore.analysis.infoplane.information_plane`) and
    :func:`ibcore.analysis.geometry.geometry_frame` take it.

    Parameters
    ----------
    run : RecordedRun
        Trained with ``record_weights=True`` (any ibcore model with noise modules).
    index : index or tensor of int, optional
        Keep these evaluation inputs only (default: all).
    epochs : iterable of int, optional
        Recorded epochs to keep (default: all).
    dtype : torch.dtype, default float32
        Storage dtype of the twin's activations.

    Returns
    -------
    RecordedRun
        With ``info["twin"] = True``; ``weights`` and ``epochs`` restricted to ``epochs``.
    """
    _check_weights(run)
    idx = _epoch_indices(run, epochs)
    sel = torch.arange(run.x_eval.shape[0]) if index is None else torch.as_tensor(index)
    x = run.x_eval[sel]
    parts: dict[str, list[torch.Tensor]] = {name: [] for name in run.layers}
    with torch.no_grad():
        for i in idx:
            model = run.model_at(int(run.epochs[i]))
            set_noise(model, enabled=False)
            model.eval()
            out = model.forward_layers(x)
            for name in run.layers:
                parts[name].append(out[name].reshape(x.shape[0], -1).to(dtype))
    acts = {name: torch.stack(p) for name, p in parts.items()}
    return dataclasses.replace(
        run,
        epochs=np.asarray(run.epochs)[idx],
        activations=acts,
        x_eval=x.clone(),
        y_eval=run.y_eval[sel].clone(),
        weights=[run.weights[i] for i in idx],
        info={**run.info, "twin": True},
    )
