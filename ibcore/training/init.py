"""Weight initialisations a :class:`~ibcore.training.TrainConfig` can name (``init=``).

``"torch"`` leaves torch's default :class:`~torch.nn.Linear` initialisation (uniform on
:math:`\\pm 1/\\sqrt{\\text{fan-in}}`); ``"saxe"`` is the one of Saxe et al.'s code (``artemyk/ibsgd``,
the Keras model of the SZT and MNIST experiments): every hidden dense layer of width n draws its
weights from a normal of standard deviation :math:`1/\\sqrt{n}` truncated at two standard
deviations (Keras ``truncated_normal(stddev=1/sqrt(n))``, n the layer's *output* width), biases
zero, and the softmax layer uses Keras' default Glorot-uniform weights with zero biases.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ibcore._validation import check_choice

__all__ = ["INITS", "initialize"]

INITS = ("torch", "saxe")


def _hidden_and_output_linears(model: nn.Module) -> tuple[list[nn.Linear], nn.Linear]:
    names = list(getattr(model, "layer_names", ()))
    if not names or names[-1] != "output":
        raise ValueError(
            f"init='saxe' needs an ibcore MLP (hidden layers 'layer1'.. and 'output'), got "
            f"{type(model).__name__}"
        )
    try:
        hidden = [model.get_submodule(f"{name}.linear") for name in names[:-1]]
        out = model.get_submodule("output.pre.linear")
    except AttributeError:
        raise ValueError(f"init='saxe' is defined for ibcore MLPs only, got {type(model).__name__}") from None
    return hidden, out


def initialize(model: nn.Module, init: str) -> nn.Module:
    r"""Re-initialise ``model``'s weights in place by the named scheme, from torch's global RNG.

    ``"saxe"``: hidden layer :math:`\ell` of output width :math:`n_\ell`,
    :math:`W_\ell \sim \mathcal N(0, 1/n_\ell)` truncated to :math:`\pm 2/\sqrt{n_\ell}`,
    :math:`b_\ell = 0`; output layer :math:`W \sim U(\pm\sqrt{6/(\text{fan-in} + \text{fan-out})})`,
    :math:`b = 0` (Saxe et al. 2018, code ``ibsgd``). ``"torch"``: nothing changes.

    Parameters
    ----------
    model : torch.nn.Module
        An :class:`ibcore.models.MLP` for ``"saxe"``.
    init : {"torch", "saxe"}

    Returns
    -------
    The same module.

    Examples
    --------
    >>> from ibcore.models import MLP
    >>> _ = torch.manual_seed(0)
    >>> net = initialize(MLP([12, 10, 2]), "saxe")
    >>> w, b = net.layer1.linear.weight.detach(), net.layer1.linear.bias.detach()
    >>> float(w.abs().max()) <= 2 / math.sqrt(10), float(b.abs().max())
    (True, 0.0)
    """
    check_choice(init, "init", INITS)
    if init == "torch":
        return model
    hidden, out = _hidden_and_output_linears(model)
    with torch.no_grad():
        for lin in hidden:
            std = 1.0 / math.sqrt(lin.out_features)
            nn.init.trunc_normal_(lin.weight, mean=0.0, std=std, a=-2 * std, b=2 * std)
            if lin.bias is not None:
                lin.bias.zero_()
        nn.init.xavier_uniform_(out.weight)
        if out.bias is not None:
            out.bias.zero_()
    return model
