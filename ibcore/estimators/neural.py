"""Neural (Donsker-Varadhan) mutual-information estimators: MINE and architecture-aware MINE.

MINE (Belghazi et al. 2018) trains a critic network T(x, y) to maximise the Donsker-Varadhan
lower bound on I(X;Y). AA-MINE (Elad et al. 2019) estimates I(X; F(X) + eps) for a known
deterministic sub-network F by giving the critic a frozen copy of F, so that it can compare F(x)
with the noisy layer sample directly; plain MINE has to learn F itself and saturates as the noise
vanishes, while the true value grows without bound.
"""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from ibcore._validation import (
    as_2d,
    as_groups,
    as_tensor,
    check_bool,
    check_choice,
    check_int,
    check_labels,
    check_positive,
    check_xy,
    scale_safe_moments,
)
from ibcore.interface import IXL, IYL

__all__ = ["MINEResult", "MINE", "AAMINE", "mi_mine", "mi_noisy_layer"]

_ACTIVATIONS = {"elu": nn.ELU, "relu": nn.ReLU}
# A held-out DV bound below this (nats) means the critic does worse than a constant one (bound 0)
# by more than sampling noise: training failed or blew up (see MINEResult.diverged).
DIVERGED_BELOW = -1.0


@dataclass(frozen=True)
class MINEResult:
    """Result of one MINE / AA-MINE fit, in nats.

    Attributes
    ----------
    estimate : float
        Donsker-Varadhan bound of the final critic on the held-out samples (= ``eval_curve[-1]``).
    train_curve : numpy.ndarray, shape (n_iter,)
        DV bound on each training mini-batch (before that iteration's update).
    eval_steps : numpy.ndarray of int, shape (n_log,)
        Iterations (1-based, after the update) at which the held-out bound was evaluated.
    eval_curve : numpy.ndarray, shape (n_log,)
        Held-out DV bound at ``eval_steps``.
    config : dict
        The settings used (sizes, hyper-parameters, seed, device, sample counts).
    diverged : bool
        True when training blew up or failed, and the estimate is not a usable lower bound: a
        curve holds NaN/inf; or the held-out bound fell, at some evaluation, more than 1 nat
        (``DIVERGED_BELOW``) below both 0 (a constant critic) and the untrained critic's bound
        (``train_curve[0]``); or it ended below -1 nat. ``fit`` warns (``RuntimeWarning``)
        whenever it sets this. A too large ``lr`` is the usual cause (``lr=1e6`` gives
        -1e13 nats).
    """

    estimate: float
    train_curve: np.ndarray
    eval_steps: np.ndarray
    eval_curve: np.ndarray
    config: dict = field(default_factory=dict)
    diverged: bool = False

    def __float__(self) -> float:
        return self.estimate


# --------------------------------------------------------------------------------- critic parts


def _mlp(in_dim: int, hidden: tuple[int, ...], activation: str, gen: torch.Generator) -> nn.Sequential:
    """MLP in_dim -> hidden... -> 1, initialised like nn.Linear's default but from ``gen``."""
    layers: list[nn.Module] = []
    dims = (in_dim, *hidden, 1)
    for i, (a, b) in enumerate(zip(dims[:-1], dims[1:], strict=False)):
        lin = nn.Linear(a, b)
        with torch.no_grad():
            nn.init.kaiming_uniform_(lin.weight, a=math.sqrt(5), generator=gen)
            nn.init.uniform_(lin.bias, -1.0 / math.sqrt(a), 1.0 / math.sqrt(a), generator=gen)
        layers.append(lin)
        if i < len(dims) - 2:
            layers.append(_ACTIVATIONS[activation]())
    return nn.Sequential(*layers)


class _Scale(nn.Module):
    """Fixed per-coordinate standardisation (an invertible map, so it leaves the MI unchanged)."""

    def __init__(self, mean: torch.Tensor, std: torch.Tensor):
        super().__init__()
        self.register_buffer("mean", mean.detach().clone())
        self.register_buffer("std", torch.where(std > 0, std, torch.ones_like(std)).detach().clone())

    def forward(self, v: torch.Tensor) -> torch.Tensor:
        return (v - self.mean) / self.std


class _PairCritic(nn.Module):
    """MINE critic T(x, y) = MLP([std(x), std(y)])."""

    def __init__(self, body: nn.Module, sx: _Scale, sy: _Scale):
        super().__init__()
        self.body, self.sx, self.sy = body, sx, sy

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.body(torch.cat([self.sx(x), self.sy(y)], dim=1)).squeeze(1)


def _conv_encoder(shape: tuple[int, int, int], gen: torch.Generator) -> nn.Sequential:
    """Two conv blocks (3x3 'same' conv, ELU, 2x2 max-pool; 8 then 16 channels) and a flatten.

    The encoder half of the critic for images (Butakov et al. 2024 give their MINE baseline a
    critic shaped like their convolutional encoder); initialised like torch's default from ``gen``.
    """
    c, h, w = shape
    layers: list[nn.Module] = []
    for c_in, c_out in ((c, 8), (8, 16)):
        conv = nn.Conv2d(c_in, c_out, kernel_size=3, padding=1)
        with torch.no_grad():
            nn.init.kaiming_uniform_(conv.weight, a=math.sqrt(5), generator=gen)
            bound = 1.0 / math.sqrt(c_in * 9)
            nn.init.uniform_(conv.bias, -bound, bound, generator=gen)
        layers += [conv, nn.ELU(), nn.MaxPool2d(2)]
    return nn.Sequential(*layers, nn.Flatten())


def _encoded_width(shape: tuple[int, int, int]) -> int:
    _, h, w = shape
    return 16 * (h // 4) * (w // 4)


class _ImagePairCritic(nn.Module):
    """MINE critic on images: T(x, y) = MLP([E_x(std(x)), E_y(std(y))]) with conv encoders E."""

    def __init__(
        self,
        enc_x: nn.Module,
        enc_y: nn.Module,
        body: nn.Module,
        sx: _Scale,
        sy: _Scale,
        shapes: tuple[tuple[int, ...], tuple[int, ...]],
    ):
        super().__init__()
        self.enc_x, self.enc_y, self.body, self.sx, self.sy = enc_x, enc_y, body, sx, sy
        self.shapes = shapes

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        fx = self.enc_x(self.sx(x).reshape(x.shape[0], *self.shapes[0]))
        fy = self.enc_y(self.sy(y).reshape(y.shape[0], *self.shapes[1]))
        return self.body(torch.cat([fx, fy], dim=1)).squeeze(1)


def _check_image_shapes(shapes: Any) -> tuple[tuple[int, int, int], tuple[int, int, int]] | None:
    """``None`` or two (C, H, W) shapes with H, W >= 4 (the encoder pools twice)."""
    if shapes is None:
        return None
    try:
        pair = tuple(tuple(s) for s in shapes)
    except TypeError:
        raise TypeError(f"image_shapes must be two (C, H, W) tuples, got {shapes!r}") from None
    if len(pair) != 2 or any(len(s) != 3 for s in pair):
        raise ValueError(f"image_shapes must be two (C, H, W) tuples, got {shapes!r}")
    out = tuple(tuple(check_int(v, "image_shapes entry", minimum=1) for v in s) for s in pair)
    for s in out:
        if min(s[1], s[2]) < 4:
            raise ValueError(f"image_shapes: images must be at least 4x4 (the encoder pools twice), got {s}")
    return out  # type: ignore[return-value]


class _AACritic(nn.Module):
    """AA-MINE critic T(x, t) = MLP([std(F(x)), std(t), (t - F(x)) / sigma]) with F frozen inside.

    ``residual="log"`` feeds sign(r) log(1 + |r|) of the residual r = (t - F(x)) / sigma instead (an
    invertible map of r, so the critic family can express the same functions).
    """

    def __init__(
        self,
        subnet: nn.Module,
        body: nn.Module,
        sf: _Scale,
        st: _Scale,
        sigma: float,
        residual: str = "linear",
    ):
        super().__init__()
        self.subnet, self.body, self.sf, self.st, self.sigma = subnet, body, sf, st, sigma
        self.residual = residual

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.subnet(x).reshape(x.shape[0], -1)

    def head(self, f: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        r = (t - f) / self.sigma
        if self.residual == "log":
            r = torch.sign(r) * torch.log1p(r.abs())
        return self.body(torch.cat([self.sf(f), self.st(t), r], dim=1)).squeeze(1)

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x), t)


# ----------------------------------------------------------------------------------- training


def _check_options(o: dict) -> dict:
    """Validate the shared MINE options (raises ValueError/TypeError naming the option)."""
    hidden = o["hidden"]
    if isinstance(hidden, (int, np.integer)):
        hidden = (hidden,)
    try:
        hidden = tuple(hidden)
    except TypeError:
        got = type(o["hidden"]).__name__
        raise TypeError(f"hidden must be a sequence of layer widths, got {got}") from None
    if len(hidden) == 0:
        raise ValueError("hidden must hold at least one layer width, got ()")
    hidden = tuple(check_int(h, "hidden width", minimum=1) for h in hidden)
    ef = check_positive(o["eval_fraction"], "eval_fraction")
    if not 0.0 < ef < 1.0:
        raise ValueError(f"eval_fraction must be in (0, 1), got {o['eval_fraction']!r}")
    rate = check_positive(o["ema_rate"], "ema_rate")
    if rate > 1.0:
        raise ValueError(f"ema_rate must be in (0, 1], got {o['ema_rate']!r}")
    return dict(
        hidden=hidden,
        activation=check_choice(o["activation"], "activation", tuple(_ACTIVATIONS)),
        n_iter=check_int(o["n_iter"], "n_iter", minimum=1),
        batch_size=check_int(o["batch_size"], "batch_size", minimum=2),
        lr=check_positive(o["lr"], "lr"),
        ema_rate=rate,
        eval_fraction=ef,
        n_eval_shuffles=check_int(o["n_eval_shuffles"], "n_eval_shuffles", minimum=1),
        log_every=check_int(o["log_every"], "log_every", minimum=1),
        seed=check_int(o["seed"], "seed"),
        device=o["device"],
        progress=check_bool(o["progress"], "progress"),
    )


def _split(n: int, eval_fraction: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Seeded train / held-out split of range(n) (CPU generator: same split on every device)."""
    n_eval = int(round(eval_fraction * n))
    if n_eval < 2 or n - n_eval < 2:
        raise ValueError(
            f"eval_fraction={eval_fraction} with N={n} leaves {n - n_eval} training and "
            f"{n_eval} held-out samples; each part needs at least 2"
        )
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return perm[n_eval:], perm[:n_eval]


def _log_mean_exp(v: torch.Tensor) -> torch.Tensor:
    return torch.logsumexp(v, dim=0) - math.log(v.shape[0])


def _heldout_dv(critic: Callable, pairs: Callable, n_shuffles: int, gen: torch.Generator) -> float:
    """DV bound on held-out pairs: mean T over joint pairs - log mean e^T over shuffled pairs.

    ``pairs()`` returns (a, b) for the held-out set (fresh layer noise for the noisy-layer case).
    Each of the ``n_shuffles`` rounds pairs a[p_k] with b[p_{k+1}] for a random permutation p (a
    derangement: no sample is paired with itself); the joint and marginal terms are pooled.
    """
    joint, marg = [], []
    with torch.no_grad():
        for _ in range(n_shuffles):
            a, b = pairs()
            joint.append(critic(a, b))
            p = torch.randperm(a.shape[0], generator=gen, device=a.device)
            marg.append(critic(a[p], b[p.roll(-1)]))
    return float(torch.cat(joint).mean() - _log_mean_exp(torch.cat(marg)))


def _train(
    critic: nn.Module,
    score: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    batch: Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]],
    eval_pairs: Callable[[], tuple[torch.Tensor, torch.Tensor]],
    n_train: int,
    opt: dict,
    gen: torch.Generator,
    eval_gen: torch.Generator,
    desc: str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Maximise the DV bound with MINE's moving-average gradient correction; return the curves.

    Per iteration: a random mini-batch of B training pairs (the joint sample) and the same
    batch with b rolled by one (pairs of different samples: the product-of-marginals sample).
    The gradient of log E[e^T] is E[grad T e^T] / E[e^T]; MINE (Sec. 3.2) replaces the
    mini-batch denominator by an exponential moving average to reduce its bias. We keep the
    average in log space, log m <- log((1 - a) m + a * mean e^T), and minimise the surrogate
    -(mean T_joint - mean e^{T_marg} / m) with m held fixed, whose gradient is exactly that.
    """
    params = [p for p in critic.parameters() if p.requires_grad]
    optim = torch.optim.Adam(params, lr=opt["lr"])
    dev = next(iter(params)).device
    bs = min(opt["batch_size"], n_train)
    a_rate = opt["ema_rate"]
    log_keep, log_rate = math.log1p(-a_rate) if a_rate < 1 else -math.inf, math.log(a_rate)
    n_iter, log_every = opt["n_iter"], opt["log_every"]
    train_dv = torch.empty(n_iter, dtype=torch.float32, device=dev)
    steps, evals = [], []
    log_ema = None
    it_range = range(n_iter)
    if opt["progress"]:
        from ibcore._progress import progress_bar

        it_range = progress_bar(it_range, desc=desc)
    for it in it_range:
        idx = torch.randperm(n_train, generator=gen, device=dev)[:bs]
        a, b = batch(idx)
        t_joint = score(a, b)
        t_marg = score(a, b.roll(1, dims=0))
        lme = _log_mean_exp(t_marg)
        if log_ema is None:
            log_ema = lme.detach()
        else:
            log_ema = torch.logaddexp(log_ema + log_keep, lme.detach() + log_rate)
        loss = -(t_joint.mean() - torch.exp(lme - log_ema))
        optim.zero_grad(set_to_none=True)
        loss.backward()
        optim.step()
        train_dv[it] = (t_joint.mean() - lme).detach()
        if (it + 1) % log_every == 0 or it == n_iter - 1:
            # The critic MLP has no dropout/batch-norm, so no train/eval mode switch is needed (and
            # a frozen sub-network inside stays in eval mode).
            steps.append(it + 1)
            evals.append(_heldout_dv(score, eval_pairs, opt["n_eval_shuffles"], eval_gen))
    return train_dv.cpu().double().numpy(), np.asarray(steps, dtype=np.int64), np.asarray(evals)


def _failure(train_curve: np.ndarray, evals: np.ndarray) -> str | None:
    """Why a fit's curves show that training failed (see :attr:`MINEResult.diverged`), or None."""
    if not (np.isfinite(train_curve).all() and np.isfinite(evals).all()):
        return "its curves hold NaN or inf"
    # the untrained critic's bound (first mini-batch, before any update), or 0 for a constant critic
    reference = min(0.0, float(train_curve[0]))
    low = float(evals.min())
    if low < reference + DIVERGED_BELOW:
        return (
            f"the held-out bound fell to {low:.4g} nats, more than {-DIVERGED_BELOW:g} nat below "
            f"both a constant critic (0) and the untrained one ({float(train_curve[0]):.4g})"
        )
    if float(evals[-1]) < DIVERGED_BELOW:
        return f"the held-out bound ended at {float(evals[-1]):.4g} nats, worse than a constant critic (0)"
    return None


def _result(
    name: str, train_curve: np.ndarray, steps: np.ndarray, evals: np.ndarray, cfg: dict
) -> MINEResult:
    """The MINEResult of a fit, flagged (with a warning) when its curves show that training failed."""
    why = _failure(train_curve, evals)
    if why is not None:
        warnings.warn(
            f"{name} training diverged: {why}, so the estimate {float(evals[-1]):.4g} is not a "
            f"usable lower bound (result.diverged is True). Lower lr (now {cfg['lr']:g}), train "
            "longer (n_iter), or check the inputs' scale.",
            RuntimeWarning,
            stacklevel=3,
        )
    return MINEResult(float(evals[-1]), train_curve, steps, evals, cfg, why is not None)


def _scale_of(v: torch.Tensor) -> _Scale:
    """Standardisation of the columns of v, with moments that are right at any finite scale."""
    mean, std = scale_safe_moments(v)
    return _Scale(mean, std)


def _check_sigma_resolution(sigma: float, f: torch.Tensor) -> None:
    """Refuse a noise level that float32 (in which the critic computes) cannot add to the layer.

    F(x) + sigma * eps is formed in float32: when sigma is below a few float32 spacings of the
    layer's values the noise is rounded away (t == F(x)), and the DV bound degenerates (NaN or
    a huge negative number) instead of approaching the true, large I(X; F(X) + eps).
    """
    fi = torch.finfo(torch.float32)
    big = float(f.abs().max()) if f.numel() else 0.0
    smallest = max(fi.tiny, 16.0 * fi.eps * big)
    if sigma < smallest:
        raise ValueError(
            f"sigma={sigma:.3g} is too small for float32, in which AA-MINE adds the noise: the layer's "
            f"values reach {big:.3g}, where float32 resolves only about {fi.eps * big:.2g}, so the noise "
            f"would be rounded away. Use sigma >= {smallest:.2g} (or rescale the layer and sigma together)"
        )


def _generators(seed: int, dev: torch.device) -> tuple[torch.Generator, torch.Generator, torch.Generator]:
    """Critic init (CPU, so the initial critic is the same on every device), batches, held-out."""
    return (
        torch.Generator().manual_seed(seed),
        torch.Generator(device=dev).manual_seed(seed + 1),
        torch.Generator(device=dev).manual_seed(seed + 2),
    )


_OPTION_DOC = """
    hidden : sequence of int, default (64, 64)
        Widths of the critic's hidden layers.
    activation : {"elu", "relu"}, default "elu"
        Hidden-layer non-linearity.
    n_iter : int, default 2000
        Adam steps.
    batch_size : int, default 256
        Mini-batch size B (capped at the number of training samples); at least 2.
    lr : float, default 1e-3
        Adam learning rate.
    ema_rate : float in (0, 1], default 0.01
        Weight a of the newest mini-batch in the moving average of E[e^T] used in the gradient
        (MINE Sec. 3.2; a = 1 is the plain, biased mini-batch gradient).
    eval_fraction : float in (0, 1), default 0.2
        Fraction of the samples held out (seeded split) for the reported bound.
    n_eval_shuffles : int, default 5
        Random derangements of the held-out set pooled in its marginal term.
    log_every : int, default 50
        Held-out evaluation every this many iterations (and at the last one).
    seed : int, default 0
        Seeds the critic initialisation, the split, the mini-batches, the noise and the
        shuffles (torch.Generator objects; the same seed gives the same result on the CPU).
    device : str or torch.device, optional
        Default: the input tensor's device (numpy: CUDA if available).
    progress : bool, default False
        Show a tqdm progress bar."""


def _opts(**kw: Any) -> dict:
    return _check_options(kw)


class MINE:
    r"""Mutual information neural estimator (Belghazi et al. 2018) with held-out evaluation.

    Trains a critic :math:`T_\theta(x, y)` (an MLP on the standardised, concatenated pair) to
    maximise the Donsker-Varadhan bound

    .. math::

        I(X;Y) \ge \mathbb E_{P_{XY}}[T_\theta] - \log \mathbb E_{P_X \otimes P_Y}[e^{T_\theta}],

    with product-of-marginals samples made by shuffling y within the batch, and reports the
    bound of the trained critic on a held-out part of the samples.

    Parameters
    ----------%s
    image_shapes : pair of (C, H, W), optional
        x and y are images, passed flattened to (N, C*H*W): the critic then encodes each with a
        small conv net (two 3x3 conv + ELU + 2x2 max-pool blocks, 8 and 16 channels) before the
        MLP on the concatenated features - the critic "shaped like the encoder" of Butakov et al.
        (2024), instead of an MLP on the pixels. ``None`` (default): the MLP critic.

    Attributes
    ----------
    result_ : MINEResult
        Set by :meth:`fit`.
    critic_ : torch.nn.Module
        The trained critic, ``critic_(x, y)`` -> (N,) scores (input standardisation included).

    Notes
    -----
    MINE is a *noisy lower bound*: the supremum over critics is I(X;Y), a finite network and
    finite training give less, and the sample means add noise of either sign (the held-out
    estimate can exceed the truth by sampling error, which grows with I because e^T is heavy
    tailed). It is not consistent for large MI at fixed sample size (McAllester & Stratos
    2020: any such bound is O(log N)). The reported value is the final critic's held-out bound;
    taking the maximum of the curve instead would bias it upwards. Departures from the paper:
    inputs are standardised with training-set statistics (an invertible map, MI unchanged),
    the product sample pairs x_i with a *different* sample's y (a derangement, so a perfectly
    matching critic is not capped at log B), and the bound is evaluated on held-out data.

    A fit whose curves blow up (too large ``lr``: ``lr=1e6`` gave -6e13 nats) or end below
    -1 nat is flagged: ``result_.diverged`` is True and a ``RuntimeWarning`` says why. Inputs
    are standardised with moments computed without overflow at any scale float32 holds; values
    beyond float32's range are refused.

    References
    ----------
    .. [1] M. I. Belghazi et al., "Mutual information neural estimation", ICML 2018,
       arXiv:1801.04062, Sec. 3 (DV bound I_Theta), Sec. 3.2 and Algorithm 1 (moving-average
       gradient correction).
    .. [2] M. D. Donsker and S. R. S. Varadhan, Comm. Pure Appl. Math. 36(2), 1983.
    .. [3] D. McAllester and K. Stratos, "Formal limitations on the measurement of mutual
       information", AISTATS 2020.

    Examples
    --------
    >>> from ibcore.ground_truth import gaussian_pair
    >>> x, y, mi = gaussian_pair(2000, 0.8, seed=0)
    >>> est = MINE(hidden=(32,), n_iter=300, batch_size=250, lr=5e-3).fit(x, y).result_.estimate
    >>> abs(est - mi) < 0.15
    True
    """

    def __init__(
        self,
        *,
        hidden: tuple[int, ...] = (64, 64),
        activation: str = "elu",
        n_iter: int = 2000,
        batch_size: int = 256,
        lr: float = 1e-3,
        ema_rate: float = 0.01,
        eval_fraction: float = 0.2,
        n_eval_shuffles: int = 5,
        log_every: int = 50,
        seed: int = 0,
        device: str | torch.device | None = None,
        progress: bool = False,
        image_shapes: Any = None,
    ):
        self.options = _opts(
            hidden=hidden,
            activation=activation,
            n_iter=n_iter,
            batch_size=batch_size,
            lr=lr,
            ema_rate=ema_rate,
            eval_fraction=eval_fraction,
            n_eval_shuffles=n_eval_shuffles,
            log_every=log_every,
            seed=seed,
            device=device,
            progress=progress,
        )
        self.image_shapes = _check_image_shapes(image_shapes)
        self.result_: MINEResult | None = None
        self.critic_: nn.Module | None = None

    def _critic(self, xtr: torch.Tensor, ytr: torch.Tensor, gen: torch.Generator) -> nn.Module:
        o, shapes = self.options, self.image_shapes
        if shapes is None:
            body = _mlp(xtr.shape[1] + ytr.shape[1], o["hidden"], o["activation"], gen)
            return _PairCritic(body, _scale_of(xtr), _scale_of(ytr))
        for name, t, shape in (("x", xtr, shapes[0]), ("y", ytr, shapes[1])):
            if t.shape[1] != math.prod(shape):
                raise ValueError(
                    f"image_shapes gives {name} the shape {shape} ({math.prod(shape)} values) but {name} "
                    f"has {t.shape[1]} columns: pass images flattened to (N, C*H*W)"
                )
        enc_x, enc_y = _conv_encoder(shapes[0], gen), _conv_encoder(shapes[1], gen)
        body = _mlp(_encoded_width(shapes[0]) + _encoded_width(shapes[1]), o["hidden"], o["activation"], gen)
        return _ImagePairCritic(enc_x, enc_y, body, _scale_of(xtr), _scale_of(ytr), shapes)

    def fit(self, x: Any, y: Any) -> MINE:
        """Train on (x, y), shapes (N, dx), (N, dy) (1-D accepted), and store :attr:`result_`."""
        o = self.options
        xt, yt = check_xy(x, y, min_samples=4, device=o["device"], dtype=torch.float32)
        dev = xt.device
        tr, ev = _split(xt.shape[0], o["eval_fraction"], o["seed"])
        tr, ev = tr.to(dev), ev.to(dev)
        g_init, g_batch, g_eval = _generators(o["seed"], dev)
        xtr, ytr = xt[tr], yt[tr]
        critic = self._critic(xtr, ytr, g_init).to(dev)
        xev, yev = xt[ev], yt[ev]
        train_curve, steps, evals = _train(
            critic,
            critic,
            lambda idx: (xtr[idx], ytr[idx]),
            lambda: (xev, yev),
            tr.numel(),
            o,
            g_batch,
            g_eval,
            "MINE",
        )
        critic.eval()
        self.critic_ = critic
        cfg = {k: v for k, v in o.items() if k != "progress"}
        cfg.update(
            device=str(dev),
            n_train=int(tr.numel()),
            n_eval=int(ev.numel()),
            dim_x=int(xt.shape[1]),
            dim_y=int(yt.shape[1]),
            image_shapes=self.image_shapes,
        )
        self.result_ = _result("MINE", train_curve, steps, evals, cfg)
        return self

    def estimate(self, x: Any, y: Any) -> float:
        """Fit on (x, y) and return the held-out DV bound in nats (the :class:`MIEstimator` protocol)."""
        return self.fit(x, y).result_.estimate

    def evaluate(self, x: Any, y: Any, *, n_shuffles: int | None = None, seed: int = 0) -> float:
        """DV bound of the fitted critic on new samples (x, y), nats; no training."""
        if self.critic_ is None:
            raise RuntimeError("call fit before evaluate")
        dev = self.critic_.sx.mean.device
        xt, yt = check_xy(x, y, min_samples=2, device=dev, dtype=torch.float32)
        k = (
            self.options["n_eval_shuffles"]
            if n_shuffles is None
            else check_int(n_shuffles, "n_shuffles", minimum=1)
        )
        gen = torch.Generator(device=dev).manual_seed(check_int(seed, "seed"))
        return _heldout_dv(self.critic_, lambda: (xt, yt), k, gen)


if MINE.__doc__:  # None under python -OO
    MINE.__doc__ = MINE.__doc__ % _OPTION_DOC


def mi_mine(
    x: Any,
    y: Any,
    *,
    hidden: tuple[int, ...] = (64, 64),
    activation: str = "elu",
    n_iter: int = 2000,
    batch_size: int = 256,
    lr: float = 1e-3,
    ema_rate: float = 0.01,
    eval_fraction: float = 0.2,
    n_eval_shuffles: int = 5,
    log_every: int = 50,
    seed: int = 0,
    device: str | torch.device | None = None,
    progress: bool = False,
    image_shapes: Any = None,
) -> MINEResult:
    r"""One-shot MINE estimate of I(X;Y): fit a :class:`MINE` and return its :class:`MINEResult`.

    .. math::

        \hat I = \frac1{n}\sum_{i \in \text{held-out}} T(x_i, y_i)
        - \log \frac1{K n}\sum_{k=1}^K \sum_{i} e^{T(x_{\pi_k(i)}, y_{\pi_k(i+1)})}

    for the trained critic T, n held-out samples and K random cyclic shuffles :math:`\pi_k`.

    Parameters
    ----------
    x, y : array or tensor, shapes (N, dx) and (N, dy)
        Paired samples (1-D accepted as (N, 1)); N >= 4.%s
    image_shapes : pair of (C, H, W), optional
        A convolutional critic for flattened images (see :class:`MINE`).

    Returns
    -------
    MINEResult
        ``estimate`` (held-out DV bound, nats), ``train_curve``, ``eval_steps``,
        ``eval_curve``, ``config``.

    Raises
    ------
    ValueError
        Mismatched N, NaN/inf, wrong ndim, empty input, an option out of range
        (``eval_fraction`` not in (0, 1), ``batch_size < 2``, ...).

    Notes
    -----
    See :class:`MINE`: a noisy lower bound, saturating well below large true MIs.

    References
    ----------
    .. [1] M. I. Belghazi et al., "Mutual information neural estimation", ICML 2018,
       arXiv:1801.04062, Sec. 3 and Sec. 3.2.
    """
    return (
        MINE(
            hidden=hidden,
            activation=activation,
            n_iter=n_iter,
            batch_size=batch_size,
            lr=lr,
            ema_rate=ema_rate,
            eval_fraction=eval_fraction,
            n_eval_shuffles=n_eval_shuffles,
            log_every=log_every,
            seed=seed,
            device=device,
            progress=progress,
            image_shapes=image_shapes,
        )
        .fit(x, y)
        .result_
    )


if mi_mine.__doc__:  # None under python -OO
    mi_mine.__doc__ = mi_mine.__doc__ % _OPTION_DOC


class AAMINE:
    r"""Architecture-aware MINE (Elad et al. 2019) for :math:`I(X; F(X) + \varepsilon)`.

    The layer of interest is a known deterministic function :math:`L = F(X)` of the input (the
    first i layers of a net), observed through Gaussian noise :math:`\varepsilon \sim
    \mathcal N(0, \sigma^2 I)`. Elad et al. note that the critic then only has to tell pairs
    :math:`(x_1, F(x_1) + \varepsilon)` from pairs :math:`(x_1, F(x_2) + \varepsilon)`, and "the
    easiest way to achieve this is by applying the function F_i on the first argument, and
    checking whether the result is close to the second argument, up to noise. To assist the
    MINE in doing so, we implement a copy of the sub-net F_i within the discriminator D"
    (Sec. 3, Fig. 2). Here the critic is

    .. math::

        T(x, t) = \mathrm{MLP}\big([\,\mathrm{std}(F(x)),\ \mathrm{std}(t),\ (t - F(x))/\sigma\,]\big)

    with F a frozen deep copy of ``subnetwork``, trained on the DV bound exactly as
    :class:`MINE` (fresh noise every mini-batch: :math:`t = F(x) + \sigma\varepsilon`). With
    ``architecture_aware=False`` the critic is plain MINE's MLP on :math:`[x, t]`, for the
    comparison the paper makes (Fig. 1).

    Parameters
    ----------
    subnetwork : torch.nn.Module
        F, mapping a batch of inputs (N, dx) to the layer (N, ...) (flattened to (N, d)). It is
        deep-copied, cast to float32, moved to the device, set to eval mode and frozen; the
        caller's module is not changed.
    sigma : float
        Noise standard deviation :math:`\sigma > 0`.
    architecture_aware : bool, default True
        ``True``: AA-MINE critic above. ``False``: plain MINE critic on [x, t].
    residual : {"linear", "log"}, default "linear"
        How the AA-MINE critic sees the residual :math:`r = (t - F(x))/\sigma`: as it is, or as
        :math:`\operatorname{sign}(r)\log(1 + |r|)`, an invertible map (the MI and the critic family
        are unchanged) that keeps the product pairs' residuals, of size
        :math:`|F(x) - F(x')|/\sigma`, from reaching 1e4-1e6 at tiny sigma, where the linear input
        makes the DV bound blow up (``diverged``). Ignored by plain MINE.%s

    Attributes
    ----------
    result_ : MINEResult
    critic_ : torch.nn.Module
        ``critic_(x, t)`` -> (N,) scores; for AA-MINE it applies the frozen F copy to x.

    Notes
    -----
    :math:`h(F(X)+\varepsilon \mid X) = \tfrac d2 \log(2\pi e\sigma^2)` (Elad et al. Eq. 4), so
    for a continuous F(X) with a density the MI grows like :math:`\tfrac d2\log(1/\sigma^2)`
    as :math:`\sigma \to 0`. Feeding the residual divided by the *known* sigma is our reading
    of "close ... up to noise": under the joint law it is exactly N(0, I) at every sigma,
    under the product it is of size |F(x) - F(x')|/sigma, so the critic's task does not get
    harder as sigma shrinks. The paper's supplement (training algorithm) was not available to
    us. The noise is added in float32, so sigma must exceed 16 float32 spacings of the layer's
    largest value (about 2e-6 for a tanh layer); a smaller one is refused, as the noise would be
    rounded away. The estimate is still a finite-sample DV bound: beyond roughly log(held-out size) it
    becomes noisy and can overshoot the truth (the marginal term log mean e^T is then decided by
    the few product pairs that happen to be close, and is biased low when none are).

    References
    ----------
    .. [1] A. Elad, D. Haviv, Y. Blau, T. Michaeli, "Direct validation of the information
       bottleneck principle for deep nets", ICCV Workshops (SDL-CV) 2019, Secs. 2-3, Eqs. (3)-(6),
       Figs. 1-2.
    .. [2] M. I. Belghazi et al., "Mutual information neural estimation", ICML 2018.
    """

    def __init__(
        self,
        subnetwork: nn.Module | None = None,
        sigma: float | None = None,
        *,
        architecture_aware: bool = True,
        residual: str = "linear",
        hidden: tuple[int, ...] = (64, 64),
        activation: str = "elu",
        n_iter: int = 2000,
        batch_size: int = 256,
        lr: float = 1e-3,
        ema_rate: float = 0.01,
        eval_fraction: float = 0.2,
        n_eval_shuffles: int = 5,
        log_every: int = 50,
        seed: int = 0,
        device: str | torch.device | None = None,
        progress: bool = False,
    ):
        if subnetwork is not None and not isinstance(subnetwork, nn.Module):
            raise TypeError(f"subnetwork must be a torch.nn.Module or None, got {type(subnetwork).__name__}")
        architecture_aware = check_bool(architecture_aware, "architecture_aware")
        if sigma is None:
            raise TypeError("sigma (the noise standard deviation) is required, e.g. AAMINE(net, 0.1)")
        self.subnetwork = subnetwork
        self.sigma = check_positive(sigma, "sigma")
        self.residual = check_choice(residual, "residual", ("linear", "log"))
        self.architecture_aware = architecture_aware
        self.options = _opts(
            hidden=hidden,
            activation=activation,
            n_iter=n_iter,
            batch_size=batch_size,
            lr=lr,
            ema_rate=ema_rate,
            eval_fraction=eval_fraction,
            n_eval_shuffles=n_eval_shuffles,
            log_every=log_every,
            seed=seed,
            device=device,
            progress=progress,
        )
        self.result_: MINEResult | None = None
        self.critic_: nn.Module | None = None

    @property
    def name(self) -> str:
        return f"{'AA-MINE' if self.architecture_aware else 'MINE'} (sigma {self.sigma:g})"

    def _frozen_copy(self, dev: torch.device) -> nn.Module:
        f = copy.deepcopy(self.subnetwork).to(device=dev, dtype=torch.float32).eval()
        f.requires_grad_(False)
        return f

    def _layer(self, xt: torch.Tensor, features: Any) -> tuple[nn.Module, torch.Tensor]:
        """The frozen F (identity when only features are given) and F(x) as (N, d) float32."""
        n, dev = xt.shape[0], xt.device
        subnet = self._frozen_copy(dev) if self.subnetwork is not None else nn.Identity()
        f_all = None
        if self.subnetwork is not None:
            with torch.no_grad():
                try:
                    f_all = subnet(xt)
                except RuntimeError as err:  # e.g. "mat1 and mat2 shapes cannot be multiplied"
                    lin = next((m for m in subnet.modules() if isinstance(m, nn.Linear)), None)
                    takes = "" if lin is None else f"; its first Linear layer takes width {lin.in_features}"
                    raise ValueError(
                        f"subnetwork failed on x of shape {tuple(xt.shape)} (width {xt.shape[1]})"
                        f"{takes}: {err}"
                    ) from err
            if not isinstance(f_all, torch.Tensor) or f_all.ndim == 0 or f_all.shape[0] != n:
                shape = tuple(f_all.shape) if isinstance(f_all, torch.Tensor) else type(f_all).__name__
                raise ValueError(
                    f"subnetwork returned {shape} for {n} input rows; it must keep the sample axis first"
                )
            f_all = f_all.reshape(n, -1).float()
            if not bool(torch.isfinite(f_all).all()):
                raise ValueError("subnetwork produced NaN or infinite values on x")
        if features is None:
            if f_all is None:
                raise ValueError("AAMINE needs the layer: give a subnetwork F, or features = F(x)")
            return subnet, f_all
        ft = as_2d(
            features
            if not (isinstance(features, torch.Tensor) and features.ndim > 2)
            else features.reshape(features.shape[0], -1),
            "features",
            device=dev,
            dtype=torch.float32,
        )
        if ft.shape[0] != n:
            raise ValueError(f"x has {n} rows, features has {ft.shape[0]}: they must hold the same samples")
        if f_all is not None:
            if f_all.shape != ft.shape or not torch.allclose(f_all, ft, rtol=1e-4, atol=1e-5):
                raise ValueError(
                    "features differ from subnetwork(x): give one of them, or features that "
                    "are the subnetwork's output on x"
                )
            return subnet, f_all
        # F is known only through its values: it must be a function of x (equal inputs, equal layer)
        groups = as_groups(xt, "x")
        first = torch.full((int(groups.max()) + 1,), n, dtype=torch.int64, device=dev)
        first.scatter_reduce_(
            0, groups, torch.arange(n, device=dev), reduce="amin"
        )  # first row of each group
        if not torch.equal(ft, ft[first[groups]]):
            raise ValueError(
                "AA-MINE estimates I(X; F(X) + eps) for a layer that is a function of x, but "
                "rows of x that are equal have different features (are x labels? use MINE "
                "for I(Y; L))"
            )
        return subnet, ft

    def fit(self, x: Any, features: Any = None) -> AAMINE:
        """Train on inputs x (N, dx) and store :attr:`result_`.

        The layer is ``subnetwork(x)``; without a subnetwork give ``features`` = F(x), shape
        (N, d), the layer's values on x (e.g. recorded activations; they must be a function of
        x). The critic then uses those values where it would apply its copy of F, which is the
        same on the N samples it trains and evaluates on; ``critic_`` then takes (F(x), t).
        """
        o = self.options
        xt = as_2d(
            x if not (isinstance(x, torch.Tensor) and x.ndim > 2) else x.reshape(x.shape[0], -1),
            "x",
            device=o["device"],
            dtype=torch.float32,
        )
        n = xt.shape[0]
        if n < 4:
            raise ValueError(f"need at least 4 samples, got N={n}")
        dev = xt.device
        subnet, f_all = self._layer(xt, features)
        _check_sigma_resolution(self.sigma, f_all)
        tr, ev = _split(n, o["eval_fraction"], o["seed"])
        tr, ev = tr.to(dev), ev.to(dev)
        g_init, g_batch, g_eval = _generators(o["seed"], dev)
        sigma = self.sigma
        ftr = f_all[tr]
        # t = F(x) + sigma eps has mean E F and variance Var F + sigma^2 per coordinate.
        f_mean, f_std = scale_safe_moments(ftr)
        t_scale = _Scale(f_mean, torch.sqrt(ftr.var(0) + sigma**2))
        if not bool(torch.isfinite(t_scale.std).all()):  # var overflowed float32: hypot does not
            t_scale = _Scale(f_mean, torch.hypot(f_std, torch.tensor(sigma, dtype=f_std.dtype)))
        d_t = f_all.shape[1]
        if self.architecture_aware:
            critic = _AACritic(
                subnet,
                _mlp(3 * d_t, o["hidden"], o["activation"], g_init),
                _Scale(f_mean, f_std),
                t_scale,
                sigma,
                self.residual,
            ).to(dev)
            first = f_all  # the frozen F is applied once up front: the same as inside the critic
            score = critic.head
        else:
            xtr = xt[tr]
            critic = _PairCritic(
                _mlp(xt.shape[1] + d_t, o["hidden"], o["activation"], g_init),
                _scale_of(xtr),
                t_scale,
            ).to(dev)
            first = xt
            score = critic

        def noisy(f: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
            return f + sigma * torch.randn(f.shape, generator=gen, dtype=f.dtype, device=f.device)

        a_tr, f_tr, a_ev, f_ev = first[tr], f_all[tr], first[ev], f_all[ev]
        train_curve, steps, evals = _train(
            critic,
            score,
            lambda idx: (a_tr[idx], noisy(f_tr[idx], g_batch)),
            lambda: (a_ev, noisy(f_ev, g_eval)),
            tr.numel(),
            o,
            g_batch,
            g_eval,
            "AA-MINE" if self.architecture_aware else "MINE",
        )
        critic.eval()
        self.critic_ = critic
        cfg = {k: v for k, v in o.items() if k != "progress"}
        cfg.update(
            device=str(dev),
            n_train=int(tr.numel()),
            n_eval=int(ev.numel()),
            dim_x=int(xt.shape[1]),
            dim_t=int(d_t),
            sigma=sigma,
            architecture_aware=self.architecture_aware,
            residual=self.residual,
        )
        self.result_ = _result(
            "AA-MINE" if self.architecture_aware else "MINE", train_curve, steps, evals, cfg
        )
        return self

    def estimate(self, x: Any, y: Any = None) -> float:
        """Fit and return the held-out DV bound on I(X; F(X) + eps), nats.

        ``y``, if given, is the layer F(x) (see :meth:`fit`'s ``features``), so that an AAMINE
        without a subnetwork is an :class:`~ibcore.interface.MIEstimator` of I(X; Y + eps).
        """
        return self.fit(x, y).result_.estimate

    def estimate_layer(self, acts: Any, *, x: Any, y: Any) -> dict[str, np.ndarray]:
        """Elad et al.'s pair for a recorded layer at each of E epochs, arrays (E,) in nats.

        I(X; L + eps) by this AA-MINE with the recorded activations as F(x), and I(Y; L) by a
        plain :class:`MINE` with the same options on (one-hot labels, L) - the estimators of
        Elad et al. (Fig. 2). Two critics are trained per epoch.
        """
        acts = as_tensor(acts, "acts")
        if acts.ndim != 3:
            raise ValueError(f"acts must be (E, N, d), got shape {tuple(acts.shape)}")
        labels = check_labels(y, "y", n=acts.shape[1])
        onehot = torch.nn.functional.one_hot(torch.unique(labels, return_inverse=True)[1]).float()
        mine = MINE(**self.options)
        # the recorded activations are the layer at each epoch; a subnetwork (one epoch's F) is not used
        aa = AAMINE(
            None,
            self.sigma,
            architecture_aware=self.architecture_aware,
            residual=self.residual,
            **self.options,
        )
        ixl = [aa.estimate(x, a) for a in acts]
        iyl = [mine.estimate(onehot, a) for a in acts]
        return {IXL: np.array(ixl), IYL: np.array(iyl)}


if AAMINE.__doc__:  # None under python -OO
    AAMINE.__doc__ = AAMINE.__doc__ % _OPTION_DOC


def mi_noisy_layer(
    x: Any,
    subnetwork: nn.Module,
    sigma: float,
    *,
    architecture_aware: bool = True,
    **options: Any,
) -> MINEResult:
    r"""One-shot MINE or AA-MINE estimate of :math:`I(X; F(X) + \varepsilon)`, Gaussian noise.

    ``architecture_aware=True`` is AA-MINE (Elad et al. 2019), ``False`` plain MINE on
    :math:`[x, F(x) + \varepsilon]`; both maximise the DV bound

    .. math::

        I(X; T) \ge \mathbb E[D(X, T)] - \log \mathbb E_{P_X \otimes P_T}[e^{D(X, T)}],
        \qquad T = F(X) + \varepsilon

    (Elad et al. Eq. 6). See :class:`AAMINE` for the critic and every option (``hidden``,
    ``n_iter``, ``batch_size``, ``lr``, ``ema_rate``, ``eval_fraction``, ``n_eval_shuffles``,
    ``log_every``, ``seed``, ``device``, ``progress``).

    Parameters
    ----------
    x : array or tensor, shape (N, dx)
        Input samples.
    subnetwork : torch.nn.Module
        F (copied and frozen).
    sigma : float
        Noise standard deviation > 0.
    architecture_aware : bool, default True

    Returns
    -------
    MINEResult
        Held-out DV bound (nats) and the training curves.

    References
    ----------
    .. [1] A. Elad, D. Haviv, Y. Blau, T. Michaeli, "Direct validation of the information
       bottleneck principle for deep nets", ICCVW 2019, Sec. 3, Fig. 1.
    """
    return AAMINE(subnetwork, sigma, architecture_aware=architecture_aware, **options).fit(x).result_
