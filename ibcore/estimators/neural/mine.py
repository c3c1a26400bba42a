"""MINE (Belghazi et al. 2018): a critic network T(x, y) trained to maximise the Donsker-Varadhan
lower bound on I(X;Y), reported on held-out samples.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from ibcore._validation import check_int, check_xy
from ibcore.estimators.neural._critics import (
    ImagePairCritic,
    PairCritic,
    check_image_shapes,
    conv_encoder,
    critic_mlp,
    encoded_width,
    scale_of,
)
from ibcore.estimators.neural._dv import (
    OPTION_DOC,
    MINEResult,
    generators,
    heldout_dv,
    opts,
    result,
    split,
    train,
)

__all__ = ["MINE", "mi_mine"]


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
        self.options = opts(
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
        self.image_shapes = check_image_shapes(image_shapes)
        self.result_: MINEResult | None = None
        self.critic_: nn.Module | None = None

    def _critic(self, xtr: torch.Tensor, ytr: torch.Tensor, gen: torch.Generator) -> nn.Module:
        o, shapes = self.options, self.image_shapes
        if shapes is None:
            body = critic_mlp(xtr.shape[1] + ytr.shape[1], o["hidden"], o["activation"], gen)
            return PairCritic(body, scale_of(xtr), scale_of(ytr))
        for name, t, shape in (("x", xtr, shapes[0]), ("y", ytr, shapes[1])):
            if t.shape[1] != math.prod(shape):
                raise ValueError(
                    f"image_shapes gives {name} the shape {shape} ({math.prod(shape)} values) but {name} "
                    f"has {t.shape[1]} columns: pass images flattened to (N, C*H*W)"
                )
        enc_x, enc_y = conv_encoder(shapes[0], gen), conv_encoder(shapes[1], gen)
        body = critic_mlp(
            encoded_width(shapes[0]) + encoded_width(shapes[1]), o["hidden"], o["activation"], gen
        )
        return ImagePairCritic(enc_x, enc_y, body, scale_of(xtr), scale_of(ytr), shapes)

    def fit(self, x: Any, y: Any) -> MINE:
        """Train on (x, y), shapes (N, dx), (N, dy) (1-D accepted), and store :attr:`result_`."""
        o = self.options
        xt, yt = check_xy(x, y, min_samples=4, device=o["device"], dtype=torch.float32)
        dev = xt.device
        tr, ev = split(xt.shape[0], o["eval_fraction"], o["seed"])
        tr, ev = tr.to(dev), ev.to(dev)
        g_init, g_batch, g_eval = generators(o["seed"], dev)
        xtr, ytr = xt[tr], yt[tr]
        critic = self._critic(xtr, ytr, g_init).to(dev)
        xev, yev = xt[ev], yt[ev]
        train_curve, steps, evals = train(
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
        self.result_ = result("MINE", train_curve, steps, evals, cfg)
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
        return heldout_dv(self.critic_, lambda: (xt, yt), k, gen)


if MINE.__doc__:  # None under python -OO
    MINE.__doc__ = MINE.__doc__ % OPTION_DOC


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
    mi_mine.__doc__ = mi_mine.__doc__ % OPTION_DOC
