"""Architecture-aware MINE (Elad et al. 2019) for I(X; F(X) + eps).

AA-MINE estimates I(X; F(X) + eps) for a known deterministic sub-network F by giving the critic a
frozen copy of F, so that it can compare F(x) with the noisy layer sample directly; plain MINE has
to learn F itself and saturates as the noise vanishes, while the true value grows without bound.
"""

from __future__ import annotations

import copy
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
    check_labels,
    check_positive,
    scale_safe_moments,
)
from ibcore.estimators.neural._critics import AACritic, PairCritic, Scale, critic_mlp, scale_of
from ibcore.estimators.neural._dv import OPTION_DOC, MINEResult, generators, opts, result, split, train
from ibcore.estimators.neural.mine import MINE
from ibcore.interface import IXL, IYL

__all__ = ["AAMINE", "mi_noisy_layer"]


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
        tr, ev = split(n, o["eval_fraction"], o["seed"])
        tr, ev = tr.to(dev), ev.to(dev)
        g_init, g_batch, g_eval = generators(o["seed"], dev)
        sigma = self.sigma
        ftr = f_all[tr]
        # t = F(x) + sigma eps has mean E F and variance Var F + sigma^2 per coordinate.
        f_mean, f_std = scale_safe_moments(ftr)
        t_scale = Scale(f_mean, torch.sqrt(ftr.var(0) + sigma**2))
        if not bool(torch.isfinite(t_scale.std).all()):  # var overflowed float32: hypot does not
            t_scale = Scale(f_mean, torch.hypot(f_std, torch.tensor(sigma, dtype=f_std.dtype)))
        d_t = f_all.shape[1]
        if self.architecture_aware:
            critic = AACritic(
                subnet,
                critic_mlp(3 * d_t, o["hidden"], o["activation"], g_init),
                Scale(f_mean, f_std),
                t_scale,
                sigma,
                self.residual,
            ).to(dev)
            first = f_all  # the frozen F is applied once up front: the same as inside the critic
            score = critic.head
        else:
            xtr = xt[tr]
            critic = PairCritic(
                critic_mlp(xt.shape[1] + d_t, o["hidden"], o["activation"], g_init),
                scale_of(xtr),
                t_scale,
            ).to(dev)
            first = xt
            score = critic

        def noisy(f: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
            return f + sigma * torch.randn(f.shape, generator=gen, dtype=f.dtype, device=f.device)

        a_tr, f_tr, a_ev, f_ev = first[tr], f_all[tr], first[ev], f_all[ev]
        train_curve, steps, evals = train(
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
        self.result_ = result(
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
    AAMINE.__doc__ = AAMINE.__doc__ % OPTION_DOC


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
