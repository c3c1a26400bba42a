"""Donsker-Varadhan training shared by MINE and AA-MINE: options, split, bound, loop, failure rule.

The option checks and their documentation (:data:`OPTION_DOC`), the seeded train / held-out
split, the held-out DV bound, the training loop with MINE's moving-average gradient correction,
the rule that flags a failed fit (:func:`failure`, :data:`DIVERGED_BELOW`) and the
:class:`MINEResult` it is reported in.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from ibcore._validation import check_bool, check_choice, check_int, check_positive
from ibcore.estimators.neural._critics import ACTIVATIONS

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


def check_options(o: dict) -> dict:
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
        activation=check_choice(o["activation"], "activation", tuple(ACTIVATIONS)),
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


def split(n: int, eval_fraction: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Seeded train / held-out split of range(n) (CPU generator: same split on every device)."""
    n_eval = int(round(eval_fraction * n))
    if n_eval < 2 or n - n_eval < 2:
        raise ValueError(
            f"eval_fraction={eval_fraction} with N={n} leaves {n - n_eval} training and "
            f"{n_eval} held-out samples; each part needs at least 2"
        )
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return perm[n_eval:], perm[:n_eval]


def log_mean_exp(v: torch.Tensor) -> torch.Tensor:
    return torch.logsumexp(v, dim=0) - math.log(v.shape[0])


def heldout_dv(critic: Callable, pairs: Callable, n_shuffles: int, gen: torch.Generator) -> float:
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
    return float(torch.cat(joint).mean() - log_mean_exp(torch.cat(marg)))


def train(
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
        lme = log_mean_exp(t_marg)
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
            evals.append(heldout_dv(score, eval_pairs, opt["n_eval_shuffles"], eval_gen))
    return train_dv.cpu().double().numpy(), np.asarray(steps, dtype=np.int64), np.asarray(evals)


def failure(train_curve: np.ndarray, evals: np.ndarray) -> str | None:
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


def result(name: str, train_curve: np.ndarray, steps: np.ndarray, evals: np.ndarray, cfg: dict) -> MINEResult:
    """The MINEResult of a fit, flagged (with a warning) when its curves show that training failed."""
    why = failure(train_curve, evals)
    if why is not None:
        warnings.warn(
            f"{name} training diverged: {why}, so the estimate {float(evals[-1]):.4g} is not a "
            f"usable lower bound (result.diverged is True). Lower lr (now {cfg['lr']:g}), train "
            "longer (n_iter), or check the inputs' scale.",
            RuntimeWarning,
            stacklevel=3,
        )
    return MINEResult(float(evals[-1]), train_curve, steps, evals, cfg, why is not None)


def generators(seed: int, dev: torch.device) -> tuple[torch.Generator, torch.Generator, torch.Generator]:
    """Critic init (CPU, so the initial critic is the same on every device), batches, held-out."""
    return (
        torch.Generator().manual_seed(seed),
        torch.Generator(device=dev).manual_seed(seed + 1),
        torch.Generator(device=dev).manual_seed(seed + 2),
    )


OPTION_DOC = """
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


def opts(**kw: Any) -> dict:
    return check_options(kw)
