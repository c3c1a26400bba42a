"""The pieces of the layers: activations by name, the Gaussian noise module and the output head.

Noise (Goldfeld et al. 2019) is a :class:`GaussianNoise` submodule: it adds N(0, std^2) in training
*and* in evaluation, so a noisy network stays a stochastic map when its activations are recorded
(turn it off with ``noise_std=0``, ``noise_in_eval=False`` or :func:`set_noise`).
``noise_mode="multiplicative"`` scales the noise by the signal instead, ``S (1 + std Z)`` (the
noise-to-signal-ratio noise of Butakov et al.'s released classifier).
"""

from __future__ import annotations

import torch
from torch import nn

from ibcore._validation import check_choice, check_positive

__all__ = ["ACTIVATIONS", "OUTPUT_ACTIVATIONS", "NOISE_MODES", "make_activation", "GaussianNoise", "Head"]

ACTIVATIONS = ("tanh", "relu", "sigmoid", "elu", "linear", "leaky_relu")
OUTPUT_ACTIVATIONS = (None, "softmax", "log_softmax", *ACTIVATIONS)
NOISE_MODES = ("additive", "multiplicative")


def make_activation(name: str | None, argname: str = "activation") -> nn.Module:
    """Return a fresh module for an activation name (``None`` and ``"linear"``: identity).

    Parameters
    ----------
    name : str or None
        One of :data:`ACTIVATIONS`, or of :data:`OUTPUT_ACTIVATIONS` when ``argname`` is
        ``"output_activation"`` (which adds ``None``, ``"softmax"`` and ``"log_softmax"``).
    argname : str, default "activation"
        The argument name the caller exposes, used in the error message and to pick the list.

    Returns
    -------
    torch.nn.Module
        A new module (``nn.Identity`` for ``None`` and ``"linear"``; softmaxes act on the last axis).

    Raises
    ------
    ValueError
        Unknown name.

    Examples
    --------
    >>> make_activation("tanh")
    Tanh()
    >>> make_activation(None, "output_activation")
    Identity()
    """
    check_choice(name, argname, OUTPUT_ACTIVATIONS if argname == "output_activation" else ACTIVATIONS)
    table = {
        None: nn.Identity,
        "linear": nn.Identity,
        "tanh": nn.Tanh,
        "relu": nn.ReLU,
        "sigmoid": nn.Sigmoid,
        "elu": nn.ELU,
        "leaky_relu": nn.LeakyReLU,  # slope 0.01, torch's and Butakov et al.'s default
        "softmax": lambda: nn.Softmax(dim=-1),
        "log_softmax": lambda: nn.LogSoftmax(dim=-1),
    }
    return table[name]()


class GaussianNoise(nn.Module):
    r"""Add independent Gaussian noise to every entry, additive or scaled by the signal.

    * ``mode="additive"``: :math:`T = S + \sigma Z`, :math:`Z \sim N(0, I)`: the noise of the noisy
      DNNs of Goldfeld et al. (2019), which makes ``I(X; T)`` finite.
    * ``mode="multiplicative"``: :math:`T = S + \sigma\, S \odot Z = S \odot (1 + \sigma Z)`: each
      entry keeps its noise-to-signal ratio sigma (an entry equal to 0 stays 0), the
      "noise-to-signal ratio" noise of Butakov et al.'s released classifier. The gradient flows
      through both terms. Sample propagation (:mod:`ibcore.analysis.propagation`) assumes the
      additive kind and refuses this one.

    Unlike dropout it stays on in evaluation mode by default (``in_eval=True``), so recorded
    activations are draws of the stochastic layer; set ``in_eval=False`` to have it only while
    training.

    Parameters
    ----------
    std : float
        Standard deviation sigma >= 0 (0: the module is the identity).
    mode : {"additive", "multiplicative"}, default "additive"
    in_eval : bool, default True
        Whether the noise is added in ``eval()`` mode too.
    generator : torch.Generator, optional
        Source of the noise (must live on the activations' device). ``None``: torch's global RNG,
        which :func:`torch.manual_seed` seeds and the trainer's checkpoints save and restore.

    References
    ----------
    Goldfeld, van den Berg, Greenewald, Melnyk, Nguyen, Kingsbury, Polyanskiy, "Estimating
    Information Flow in Deep Neural Networks", ICML 2019, Sec. 2 (noisy DNN, eq. (1)).
    Butakov et al., "Information Bottleneck Analysis of Deep Neural Networks via Lossy
    Compression", ICLR 2024 (arXiv 2305.08013), Sec. 6 (the MNIST classifier's noise).

    Examples
    --------
    >>> noise = GaussianNoise(0.1, mode="multiplicative")
    >>> noise(torch.zeros(3)).tolist()
    [0.0, 0.0, 0.0]
    """

    def __init__(
        self,
        std: float,
        *,
        mode: str = "additive",
        in_eval: bool = True,
        generator: torch.Generator | None = None,
    ):
        super().__init__()
        self.std = check_positive(std, "noise_std", allow_zero=True)
        self.mode = check_choice(mode, "noise_mode", NOISE_MODES)
        self.in_eval = bool(in_eval)
        self.enabled = True
        self.generator = generator

    @property
    def active(self) -> bool:
        """Whether a forward call adds noise right now (enabled, std > 0, training or in_eval)."""
        return self.enabled and self.std > 0 and (self.training or self.in_eval)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.active:
            return x
        z = torch.randn(x.shape, generator=self.generator, device=x.device, dtype=x.dtype)
        if self.mode == "multiplicative":
            return x + self.std * x * z
        return x + self.std * z

    def extra_repr(self) -> str:
        return f"std={self.std}, mode={self.mode}, in_eval={self.in_eval}"


class Head(nn.Module):
    """The output layer: ``act(pre(h))``; ``pre`` ends in the linear map that gives the logits."""

    def __init__(self, pre: nn.Sequential, act: nn.Module):
        super().__init__()
        self.pre = pre
        self.act = act

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.act(self.pre(h))

    def logits(self, h: torch.Tensor) -> torch.Tensor:
        return self.pre(h)
