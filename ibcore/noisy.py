"""Noisy networks over training (Goldfeld et al. 2019): I(X;T_l) by sample propagation, the
deterministic twin, and how compression lines up with clustering.

A noisy MLP (``MLP(noise_std=beta)``) trained with ``TrainConfig(record_weights=True)`` keeps its
weights at every recorded epoch. From them:

* :func:`sp_information` estimates I(X;T_l) for every hidden layer and recorded epoch by sample
  propagation (:func:`ibcore.estimators.sample_propagation.mi_sample_propagation`), noise
  propagated through layers 1..l-1 with the weights of that epoch, with its Monte Carlo standard
  error - on a fixed subsample of the inputs (:func:`input_subsample`) to bound the cost;
* :func:`deterministic_twin` records the same weights with the noise switched off
  (:func:`ibcore.models.set_noise`): a :class:`~ibcore.training.RecordedRun` that
  :func:`ibcore.analysis.infoplane.information_plane` (e.g. binning) and
  :func:`ibcore.analysis.geometry.geometry_frame` take as they take any run;
* :func:`subsample_run` keeps some inputs of a recorded run (for the O(N^2) geometry);
* :func:`compression_vs_clustering` puts a curve of I(X;T_l) beside a clustering curve (the
  within/between-class distance ratio) per layer: peak and minimum epochs, their lag, and the
  rank correlation over epochs.
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
from ibcore._validation import as_2d, check_choice, check_int
from ibcore.analysis.summary import LN2
from ibcore.estimators.renyi import subsample_index
from ibcore.estimators.sample_propagation import mi_sample_propagation
from ibcore.interface import IXL
from ibcore.models import MLP, ConvNet, GaussianNoise, set_noise

__all__ = [
    "SP_COLUMNS",
    "input_subsample",
    "layer_maps",
    "hidden_layer_index",
    "sp_information",
    "deterministic_twin",
    "subsample_run",
    "compression_vs_clustering",
    "ClassCosine",
    "class_cosine_similarity",
]

SP_COLUMNS = ("seed", "layer", "layer_index", "epoch", "beta", IXL, "stderr", "n_inputs")
"""Columns of :func:`sp_information`'s frame (values in nats)."""

_SP_KINDS = ("mlp", "mnist_cnn", "cifar10_convnet")


def input_subsample(n: int, size: int | None, *, seed: int = 0) -> torch.Tensor:
    """Sorted indices of ``size`` of ``n`` inputs drawn without replacement.

    All ``n`` when ``size`` is None or >= n.

    Examples
    --------
    >>> input_subsample(10, 4, seed=0).tolist() == sorted(input_subsample(10, 4, seed=0).tolist())
    True
    """
    n = check_int(n, "n", minimum=1)
    if size is None or size >= n:
        return torch.arange(n)
    return subsample_index(n, check_int(size, "size", minimum=1), check_int(seed, "seed", minimum=0))


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


def subsample_run(run: Any, index: Any) -> Any:
    """A copy of a recorded run keeping the evaluation inputs ``index`` (activations, x_eval, y_eval)."""
    sel = torch.as_tensor(index)
    return dataclasses.replace(
        run,
        activations={name: a[:, sel] for name, a in run.activations.items()},
        x_eval=run.x_eval[sel],
        y_eval=run.y_eval[sel],
    )


def _rank_corr(a: np.ndarray, b: np.ndarray) -> float:
    if a.size < 3 or np.all(a == a[0]) or np.all(b == b[0]):
        return float("nan")
    ra = pd.Series(a).rank().to_numpy()
    rb = pd.Series(b).rank().to_numpy()
    return float(np.corrcoef(ra, rb)[0, 1])


def compression_vs_clustering(
    information: pd.DataFrame,
    clustering: pd.DataFrame,
    *,
    quantity: str = IXL,
    measure: str = "ratio",
    method: str = "spearman",
) -> pd.DataFrame:
    r"""Per layer: the largest compression of I(X;T_l), and what the clustering measure did meanwhile.

    For each (seed, layer) present in both frames, on the epochs common to both, with
    :math:`v_t` = ``quantity`` in bits and :math:`c_t` = ``measure`` (a clustering measure where
    smaller is tighter, e.g. the within/between-class distance ratio of
    :func:`ibcore.analysis.geometry.geometry_frame`):

    * the largest dip :math:`\max_t (\max_{s \le t} v_s - v_t)`: its running peak
      (``peak epoch`` :math:`t_p`, ``peak``) and its bottom (``bottom epoch`` :math:`t_b`,
      ``bottom``), ``dip`` = peak - bottom and ``dip stderr`` (from a ``stderr`` column in nats,
      if present); ``end`` and ``drop`` = max - end;
    * ``min epoch``: where :math:`c_t` is smallest, the lag :math:`\Delta = t_{\min}(c) - t_p`
      after the peak and ``bottom lag`` :math:`t_{\min}(c) - t_b` after the bottom (0: the
      tightest clustering and the end of the compression coincide);
    * ``measure change``: :math:`(c_{t_b} - c_{t_p}) / c_{t_p}`, the relative change of the
      clustering measure over the compression (negative: clusters tightened while I(X;T) fell);
    * ``rho``: correlation of :math:`v` and :math:`c` over all epochs, and ``rho in dip`` over
      :math:`t_p \le t \le t_b` (NaN with fewer than 3 epochs or a constant curve).

    Parameters
    ----------
    information : pandas.DataFrame
        Columns ``seed, layer, epoch, quantity`` (nats), e.g. :func:`sp_information` or one
        estimator's rows of :func:`~ibcore.analysis.infoplane.information_plane`.
    clustering : pandas.DataFrame
        Columns ``seed, layer, epoch, measure``.
    quantity, measure : str
    method : {"spearman", "pearson"}, default "spearman"
        Rank (Spearman) or linear (Pearson) correlation.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``(seed, layer)`` in the order of ``information``, values in bits and epochs.
    """
    method = check_choice(method, "method", ("spearman", "pearson"))
    for name, frame, col in (("information", information, quantity), ("clustering", clustering, measure)):
        missing = [c for c in ("seed", "layer", "epoch", col) if c not in frame.columns]
        if missing:
            raise ValueError(f"{name} lacks the column(s) {missing}")
    keep = ["seed", "layer", "epoch", quantity] + (["stderr"] if "stderr" in information.columns else [])
    keys = ["seed", "layer", "epoch"]
    merged = information[keep].merge(clustering[[*keys, measure]], on=keys)
    if merged.empty:
        raise ValueError("the two frames share no (seed, layer, epoch)")
    corr = _rank_corr if method == "spearman" else _pearson
    rows = []
    for (seed, layer), g in merged.groupby(["seed", "layer"], sort=False):
        g = g.sort_values("epoch")
        ep = g["epoch"].to_numpy()
        v = g[quantity].to_numpy() / LN2
        c = g[measure].to_numpy()
        run_max = np.maximum.accumulate(v)
        b = int(np.argmax(run_max - v))  # bottom of the largest dip
        p = int(np.argmax(v[: b + 1]))  # its running peak (first epoch reaching it)
        se = g["stderr"].to_numpy() / LN2 if "stderr" in g else None
        t_min = int(ep[int(np.argmin(c))])
        rows.append(
            {
                "seed": seed,
                "layer": layer,
                "peak epoch": int(ep[p]),
                "peak": float(v[p]),
                "bottom epoch": int(ep[b]),
                "bottom": float(v[b]),
                "dip": float(v[p] - v[b]),
                "dip stderr": float(np.hypot(se[p], se[b])) if se is not None else float("nan"),
                "end": float(v[-1]),
                "drop": float(v.max() - v[-1]),
                "min epoch": t_min,
                "lag": t_min - int(ep[p]),
                "bottom lag": t_min - int(ep[b]),
                "measure change": float((c[b] - c[p]) / c[p]) if c[p] != 0 else float("nan"),
                "rho": corr(v, c),
                "rho in dip": corr(v[p : b + 1], c[p : b + 1]),
            }
        )
    return pd.DataFrame(rows).set_index(["seed", "layer"])


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    if a.size < 3 or np.all(a == a[0]) or np.all(b == b[0]):
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


@dataclasses.dataclass(frozen=True)
class ClassCosine:
    """Cosine similarities of representations ordered by class (:func:`class_cosine_similarity`)."""

    matrix: np.ndarray
    """(n, n) cosine similarities, rows and columns ordered by class."""
    labels: np.ndarray
    """(n,) class of each row."""
    index: np.ndarray
    """(n,) position of each row in the input."""
    within: float
    """Mean similarity of distinct same-class pairs."""
    between: float
    """Mean similarity of different-class pairs."""

    @property
    def gap(self) -> float:
        """``within - between``: how much closer in angle a class is to itself than to the others."""
        return self.within - self.between


def class_cosine_similarity(
    layer: Any, labels: Any, *, n_per_class: int = 20, seed: int = 0, center: bool = False
) -> ClassCosine:
    r"""Cosine similarities of a layer's representations, ``n_per_class`` inputs per class, ordered by class.

    :math:`c_{ij} = \langle a_i, a_j \rangle / (\|a_i\| \|a_j\|)` for the chosen inputs (the
    first ``n_per_class`` of each class in a seeded random order; all of a smaller class). Goldfeld
    et al. (2019, Sec. 5) show such matrices at early and late epochs of an MNIST CNN: blocks on the
    diagonal appear as same-class representations cluster. ``within`` and ``between`` summarise the
    matrix (means over distinct same-class pairs and over different-class pairs).

    With ``center=True`` the mean of the chosen representations is subtracted first, so the
    similarities are those of directions from the cloud's centre. Use it for layers whose outputs
    are mostly positive (ReLU-like): their raw cosine similarities are all close to 1, dominated by
    the common mean direction.

    Parameters
    ----------
    layer : array or tensor, shape (N, ...)
        Representations (flattened to (N, d)).
    labels : array or tensor, shape (N,)
        Integer classes.
    n_per_class : int, default 20
    seed : int, default 0
    center : bool, default False

    Raises
    ------
    ValueError
        Mismatched lengths, non-finite values, fewer than 2 classes or a class with fewer than 2
        inputs among those chosen, or a chosen representation that is the zero vector (its cosine
        similarity is undefined: a dead layer, not a similarity of 0).
    """
    a = as_2d(torch.as_tensor(layer).reshape(len(layer), -1), "layer", dtype=torch.float64)
    y = np.asarray(torch.as_tensor(labels).cpu()).reshape(-1)
    if y.shape[0] != a.shape[0]:
        raise ValueError(f"labels has {y.shape[0]} entries for {a.shape[0]} representations")
    n_per_class = check_int(n_per_class, "n_per_class", minimum=2)
    order = np.random.default_rng(seed).permutation(y.shape[0])
    picks = [order[y[order] == c][:n_per_class] for c in np.unique(y)]
    if len(picks) < 2 or min(len(p) for p in picks) < 2:
        raise ValueError("class_cosine_similarity needs at least 2 classes with at least 2 inputs each")
    index = np.concatenate(picks)
    rows = a[torch.as_tensor(index)]
    if center:
        rows = rows - rows.mean(dim=0)
    norms = rows.norm(dim=1)
    if bool((norms == 0).any()):
        raise ValueError(
            f"{int((norms == 0).sum())} chosen representations are the zero vector: "
            "their cosine similarity is undefined"
        )
    unit = rows / norms[:, None]
    c = (unit @ unit.T).clamp(-1.0, 1.0).cpu().numpy()
    lab = y[index]
    same = lab[:, None] == lab[None, :]
    off = ~np.eye(len(lab), dtype=bool)
    return ClassCosine(
        matrix=c,
        labels=lab,
        index=index,
        within=float(c[same & off].mean()),
        between=float(c[~same].mean()),
    )
