"""Lossy compression of high-dimensional samples before MI estimation (Butakov et al. 2024).

Butakov et al. estimate I(X;Y) between high-dimensional vectors by compressing each with an
autoencoder and running a kNN estimator on the codes. The step is justified when the encoder is
injective on the support of the data (MI is invariant under injective piecewise-smooth maps,
their Statement 1) - the manifold hypothesis: the data lie on a manifold of dimension <= the
code dimension. Reconstruction error is the check that a code kept (nearly) everything.

* :func:`fit_compressor` trains a compressor on held-out samples: a dense autoencoder
  (``"dense"``), a small convolutional one for images (``"conv"``), or principal components
  (``"pca"``, scikit-learn), the linear baseline;
* :class:`Compressor` encodes, decodes and reports the relative reconstruction error
  (fraction of variance unexplained),

  .. math:: \\varepsilon = \\frac{\\sum_i \\|x_i - \\hat x_i\\|^2}{\\sum_i \\|x_i - \\bar x\\|^2};

* :func:`compress` is the one-call entry point ``compress(x, dim)``.

Inputs are scaled by one scalar mean and standard deviation of the fitting samples before
training (an invertible affine map; keeps the relative scale of pixels or units), and every
autoencoder is trained with Adam on the mean squared reconstruction error, seeded, on ``device``.

References
----------
I. Butakov et al., "Information Bottleneck Analysis of Deep Neural Networks via Lossy
Compression", ICLR 2024 (arXiv 2305.08013), Sec. 3 (compression step, Statement 1), Sec. 5.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from ibcore._device import resolve_device
from ibcore._progress import progress_bar
from ibcore._validation import as_tensor, check_choice, check_int, check_positive

__all__ = ["METHODS", "DenseAutoencoder", "ConvAutoencoder", "Compressor", "fit_compressor", "compress"]

METHODS = ("dense", "conv", "pca")


class DenseAutoencoder(nn.Module):
    """Fully connected autoencoder: flatten -> Linear/LeakyReLU x len(hidden) -> Linear(dim), mirrored.

    Parameters
    ----------
    shape : tuple of int
        Shape of one sample (e.g. ``(1, 16, 16)`` or ``(32,)``).
    dim : int
        Code dimension.
    hidden : tuple of int, default (256, 64)
    """

    def __init__(self, shape: tuple[int, ...], dim: int, hidden: tuple[int, ...] = (256, 64)):
        super().__init__()
        self.shape = tuple(int(s) for s in shape)
        d_in = math.prod(self.shape)
        widths = [d_in, *(check_int(h, "hidden[i]", minimum=1) for h in hidden)]
        enc: list[nn.Module] = [nn.Flatten()]
        for a, b in zip(widths[:-1], widths[1:], strict=True):
            enc += [nn.Linear(a, b), nn.LeakyReLU()]
        self.encoder = nn.Sequential(*enc, nn.Linear(widths[-1], dim))
        dec: list[nn.Module] = []
        back = [dim, *widths[::-1]]
        for i, (a, b) in enumerate(zip(back[:-1], back[1:], strict=True)):
            dec.append(nn.Linear(a, b))
            if i < len(back) - 2:
                dec.append(nn.LeakyReLU())
        self.decoder = nn.Sequential(*dec, nn.Unflatten(1, self.shape))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))


class ConvAutoencoder(nn.Module):
    """Small convolutional autoencoder for (C, H, W) images.

    Encoder: two blocks Conv2d(3x3, stride 2, padding 1) -> LeakyReLU (``channels`` wide), flatten,
    Linear -> LeakyReLU -> Linear(dim). Decoder: Linear -> LeakyReLU -> Linear, reshape, two blocks
    Upsample (to the encoder's sizes) -> Conv2d(3x3, padding 1), LeakyReLU between them.

    Parameters
    ----------
    shape : (C, H, W)
    dim : int
        Code dimension.
    channels : tuple of 2 int, default (16, 32)
    hidden : int, default 128
    """

    def __init__(
        self, shape: tuple[int, ...], dim: int, channels: tuple[int, int] = (16, 32), hidden: int = 128
    ):
        super().__init__()
        if len(shape) != 3:
            raise ValueError(f"ConvAutoencoder needs image samples of shape (C, H, W), got {tuple(shape)}")
        self.shape = c, h, w = tuple(int(s) for s in shape)
        c1, c2 = (check_int(ch, "channels[i]", minimum=1) for ch in channels)
        sizes = [(h, w), ((h + 1) // 2, (w + 1) // 2)]
        sizes.append(((sizes[1][0] + 1) // 2, (sizes[1][1] + 1) // 2))
        flat = c2 * sizes[2][0] * sizes[2][1]
        act = nn.LeakyReLU
        self.encoder = nn.Sequential(
            OrderedDict(
                conv1=nn.Conv2d(c, c1, 3, stride=2, padding=1),
                act1=act(),
                conv2=nn.Conv2d(c1, c2, 3, stride=2, padding=1),
                act2=act(),
                flatten=nn.Flatten(),
                linear1=nn.Linear(flat, hidden),
                act3=act(),
                code=nn.Linear(hidden, dim),
            )
        )
        self.decoder = nn.Sequential(
            OrderedDict(
                linear1=nn.Linear(dim, hidden),
                act1=act(),
                linear2=nn.Linear(hidden, flat),
                act2=act(),
                unflatten=nn.Unflatten(1, (c2, *sizes[2])),
                up1=nn.Upsample(size=sizes[1]),
                conv1=nn.Conv2d(c2, c1, 3, padding=1),
                act3=act(),
                up2=nn.Upsample(size=sizes[0]),
                conv2=nn.Conv2d(c1, c, 3, padding=1),
            )
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))


@dataclass
class Compressor:
    """A fitted compressor: ``encode`` (N, ...) -> (N, dim), ``decode`` back, and its errors.

    Attributes
    ----------
    method : str
        ``"dense"``, ``"conv"`` or ``"pca"``.
    dim : int
    shape : tuple of int
        Shape of one input sample.
    train_error, val_error : float
        Relative reconstruction error (fraction of variance unexplained) on the fitting samples
        and on the held-out validation part of them (``nan`` when there was none).
    history : list of float
        Training loss (MSE on scaled inputs) per epoch; empty for PCA.
    wall_time_s : float
        Seconds spent fitting.
    val_history : list of float
        Held-out relative reconstruction error after each epoch (only with ``patience``).
    best_epoch : int
        The epoch (1-based) whose weights were kept under ``patience`` (0: early stopping off).
    """

    method: str
    dim: int
    shape: tuple[int, ...]
    model: Any
    mean: float
    scale: float
    device: torch.device
    train_error: float = float("nan")
    val_error: float = float("nan")
    history: list[float] = field(default_factory=list)
    wall_time_s: float = 0.0
    val_history: list[float] = field(default_factory=list)
    best_epoch: int = 0

    def _input(self, x: Any) -> torch.Tensor:
        t = as_tensor(x, "x").to(self.device, torch.float32)
        if tuple(t.shape[1:]) != self.shape:
            raise ValueError(f"x must have samples of shape {self.shape}, got {tuple(t.shape[1:])}")
        if not torch.isfinite(t).all():
            raise ValueError("x must be finite (no NaN or inf)")
        return (t - self.mean) / self.scale

    @torch.no_grad()
    def encode(self, x: Any, *, batch_size: int = 4096) -> torch.Tensor:
        """Codes (N, dim), float32 on the compressor's device."""
        t = self._input(x)
        if self.method == "pca":
            return self.model(t.reshape(len(t), -1))
        self.model.eval()
        return torch.cat([self.model.encoder(t[i : i + batch_size]) for i in range(0, len(t), batch_size)])

    @torch.no_grad()
    def decode(self, z: Any, *, batch_size: int = 4096) -> torch.Tensor:
        """Reconstructions (N, *shape) in the input's units."""
        zt = as_tensor(z, "z").to(self.device, torch.float32)
        if zt.ndim != 2 or zt.shape[1] != self.dim:
            raise ValueError(f"z must have shape (N, {self.dim}), got {tuple(zt.shape)}")
        if self.method == "pca":
            out = self.model.inverse(zt).reshape(len(zt), *self.shape)
        else:
            self.model.eval()
            out = torch.cat(
                [self.model.decoder(zt[i : i + batch_size]) for i in range(0, len(zt), batch_size)]
            )
        return out * self.scale + self.mean

    def reconstruction_error(self, x: Any) -> float:
        r"""Relative error :math:`\sum\|x - \hat x\|^2 / \sum\|x - \bar x\|^2` on ``x`` (0: perfect)."""
        t = as_tensor(x, "x").to(self.device, torch.float32)
        return _relative_error(t, lambda b: self.decode(self.encode(b)))


class _PCA(nn.Module):
    """Principal components as a torch map (scikit-learn fits them)."""

    def __init__(self, mean: np.ndarray, components: np.ndarray, device: torch.device):
        super().__init__()
        self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float32, device=device))
        self.register_buffer("components", torch.as_tensor(components, dtype=torch.float32, device=device))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) @ self.components.T

    def inverse(self, z: torch.Tensor) -> torch.Tensor:
        return z @ self.components + self.mean


def _fit_pca(t: torch.Tensor, dim: int, seed: int, device: torch.device) -> _PCA:
    from sklearn.decomposition import PCA

    flat = t.reshape(len(t), -1).double().cpu().numpy()
    if dim > min(flat.shape):
        raise ValueError(f"dim={dim} exceeds min(N, features) = {min(flat.shape)} for PCA")
    pca = PCA(n_components=dim, random_state=seed).fit(flat)
    return _PCA(pca.mean_, pca.components_, device)


def _train_autoencoder(
    net: nn.Module,
    train: torch.Tensor,
    *,
    n_epochs: int,
    batch_size: int,
    lr: float,
    gen: torch.Generator,
    progress: bool,
    monitor: Any = None,
) -> list[float]:
    """Adam on the squared error; ``monitor(net)`` (optional) is called after each epoch and
    stops training when it returns True."""
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    history = []
    for _ in progress_bar(range(n_epochs), enabled=progress, desc="autoencoder", leave=False):
        net.train()
        order = torch.randperm(len(train), generator=gen).to(train.device)
        total = 0.0
        for i in range(0, len(train), batch_size):
            xb = train[order[i : i + batch_size]]
            loss = ((net(xb) - xb) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(xb)
        history.append(total / len(train))
        if not math.isfinite(history[-1]):
            raise FloatingPointError(
                f"autoencoder training diverged (loss {history[-1]} at epoch {len(history)}); "
                f"lower lr (now {lr})"
            )
        if monitor is not None and monitor(net):
            break
    return history


def _spread(x: torch.Tensor) -> float:
    r""":math:`\sum\|x - \bar x\|^2`, the denominator of a relative error; ``ValueError`` when it is 0."""
    den = float(((x - x.mean(dim=0)) ** 2).sum())
    if den == 0:
        raise ValueError("x is constant: its reconstruction error relative to its variance is undefined")
    return den


@torch.no_grad()
def _relative_error(x: torch.Tensor, reconstruct: Any, block: int = 4096) -> float:
    r""":math:`\sum\|x - \hat x\|^2 / \sum\|x - \bar x\|^2` with :math:`\hat x` = ``reconstruct(x)``
    taken over row blocks of ``block`` (bounded memory); ``ValueError`` for a constant ``x``."""
    den = _spread(x)
    num = sum(
        float(((reconstruct(x[i : i + block]) - x[i : i + block]) ** 2).sum())
        for i in range(0, len(x), block)
    )
    return num / den


class _EarlyStop:
    """Held-out relative error after each epoch; keeps the best weights, stops after ``patience``
    epochs without a new best."""

    def __init__(self, val: torch.Tensor, patience: int):
        _spread(val)  # a constant held-out set has no relative error: refuse it before training
        self.val, self.patience = val, patience
        self.errors: list[float] = []
        self.best, self.best_epoch, self.state = math.inf, 0, None

    def __call__(self, net: nn.Module) -> bool:
        net.eval()
        self.errors.append(_relative_error(self.val, net))
        if self.errors[-1] < self.best:
            self.best, self.best_epoch = self.errors[-1], len(self.errors)
            self.state = {k: v.detach().clone() for k, v in net.state_dict().items()}
        return len(self.errors) - self.best_epoch >= self.patience


def fit_compressor(
    x: Any,
    dim: int,
    *,
    method: str = "dense",
    n_epochs: int = 50,
    batch_size: int = 256,
    lr: float = 1e-3,
    val_fraction: float = 0.1,
    hidden: tuple[int, ...] | None = None,
    seed: int = 0,
    device: str | torch.device | None = None,
    progress: bool = False,
    patience: int | None = None,
) -> Compressor:
    """Fit a compressor to ``dim`` dimensions on the samples ``x`` (N, ...).

    Give it samples held out from the ones whose MI you will estimate (Butakov et al. train their
    autoencoders on separate data); a ``val_fraction`` of them is kept aside to report
    :attr:`Compressor.val_error`.

    Parameters
    ----------
    x : array or tensor (N, ...)
        Fitting samples: vectors (N, d) or images (N, C, H, W) (``"conv"`` needs images).
    dim : int
        Code dimension, >= 1.
    method : {"dense", "conv", "pca"}, default "dense"
    n_epochs, batch_size, lr : autoencoder training (Adam, MSE); ignored by PCA.
    val_fraction : float, default 0.1
        Part of ``x`` held out for the validation error (0: none).
    hidden : tuple of int, optional
        Hidden widths of the dense autoencoder (default (256, 64)); for ``"conv"`` one int, the
        width of its dense layer (default 128).
    seed : int, default 0
        Seeds the initialisation, the split and the batch order.
    device : str or torch.device, optional
        ``None``: CUDA when available, else CPU.
    progress : bool, default False
    patience : int, optional
        Early stopping on the held-out part: after each epoch its relative reconstruction error
        is recorded (:attr:`Compressor.val_history`); training stops once ``patience`` epochs in
        a row brought no new lowest error (``n_epochs`` is the cap) and the weights of the best
        epoch are kept (:attr:`Compressor.best_epoch`). ``None`` (default): train ``n_epochs``
        epochs. Needs ``val_fraction > 0``; ignored by PCA.

    Returns
    -------
    Compressor

    Raises
    ------
    ValueError
        Unknown method, non-finite or constant ``x``, ``dim`` out of range, too few samples.
    FloatingPointError
        The autoencoder's loss became NaN or infinite.
    """
    method = check_choice(method, "method", METHODS)
    dim = check_int(dim, "dim", minimum=1)
    n_epochs = check_int(n_epochs, "n_epochs", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    lr = check_positive(lr, "lr")
    seed = check_int(seed, "seed", minimum=0)
    if not 0.0 <= float(val_fraction) < 1.0:
        raise ValueError(f"val_fraction must be in [0, 1), got {val_fraction!r}")
    if patience is not None:
        patience = check_int(patience, "patience", minimum=1)
        if not val_fraction > 0:
            raise ValueError("patience needs held-out samples: give val_fraction > 0")
    dev = resolve_device(device)
    t = as_tensor(x, "x").to(dev, torch.float32)
    if t.ndim < 2 or len(t) < 2:
        raise ValueError(f"x must hold at least 2 samples of shape (N, ...), got shape {tuple(t.shape)}")
    if not torch.isfinite(t).all():
        raise ValueError("x must be finite (no NaN or inf)")
    features = math.prod(t.shape[1:])
    if dim > features:
        raise ValueError(f"dim={dim} exceeds the {features} features of a sample: that is not a compression")
    mean, scale = float(t.mean()), float(t.std())
    if not scale > 0:
        raise ValueError("x is constant: there is nothing to compress")
    start = time.perf_counter()
    gen = torch.Generator().manual_seed(seed)
    perm = torch.randperm(len(t), generator=gen).to(dev)
    n_val = int(round(val_fraction * len(t)))
    train, val = t[perm[n_val:]], t[perm[:n_val]]
    if len(train) < 2:
        raise ValueError(f"only {len(train)} fitting samples after holding out val_fraction={val_fraction}")
    scaled = (train - mean) / scale
    history: list[float] = []
    stop = None
    if method == "pca":
        model: Any = _fit_pca(scaled, dim, seed, dev)
    else:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            if method == "conv":
                model = ConvAutoencoder(tuple(t.shape[1:]), dim, hidden=hidden or 128).to(dev)
            else:
                model = DenseAutoencoder(tuple(t.shape[1:]), dim, hidden=tuple(hidden or (256, 64))).to(dev)
        if patience is not None:
            if len(val) < 2:
                raise ValueError(f"patience needs at least 2 held-out samples, got {len(val)}")
            stop = _EarlyStop((val - mean) / scale, patience)
        history = _train_autoencoder(
            model,
            scaled,
            n_epochs=n_epochs,
            batch_size=batch_size,
            lr=lr,
            gen=gen,
            progress=progress,
            monitor=stop,
        )
        if stop is not None:
            model.load_state_dict(stop.state)
    comp = Compressor(method, dim, tuple(t.shape[1:]), model, mean, scale, dev, history=history)
    if stop is not None:
        comp.val_history, comp.best_epoch = list(stop.errors), stop.best_epoch
    comp.train_error = comp.reconstruction_error(train)
    comp.val_error = comp.reconstruction_error(val) if n_val >= 2 else float("nan")
    comp.wall_time_s = time.perf_counter() - start
    return comp


def compress(x: Any, dim: int, *, fit_on: Any = None, method: str = "dense", **options: Any) -> torch.Tensor:
    """Codes (N, dim) of ``x`` from a compressor fitted on ``fit_on`` (default: ``x`` itself).

    ``options`` go to :func:`fit_compressor`. Pass held-out samples as ``fit_on`` to follow
    Butakov et al.; to reuse one compressor on several sets, call :func:`fit_compressor` once and
    :meth:`Compressor.encode` on each.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).standard_normal((200, 3)) @ np.ones((3, 10))
    >>> z = compress(x, 3, method="pca")
    >>> tuple(z.shape)
    (200, 3)
    """
    comp = fit_compressor(x if fit_on is None else fit_on, dim, method=method, **options)
    return comp.encode(x)
