"""Weight initialisations a :class:`~ibcore.training.TrainConfig` can name (``init=``).

Each scheme is the one of a code base the book follows; :data:`DESCRIPTIONS` says it in words.

``"torch"``
    torch's default :class:`~torch.nn.Linear` initialisation (uniform on
    :math:`\\pm 1/\\sqrt{\\text{fan-in}}`); nothing is changed.
``"saxe"``
    Saxe et al.'s SZT model (``artemyk/ibsgd``, ``IBnet_SaveActivations.ipynb``): every hidden
    dense layer of width n draws its weights from a normal of standard deviation
    :math:`1/\\sqrt{n}` truncated at two standard deviations (Keras
    ``truncated_normal(stddev=1/sqrt(n))``, n the layer's *output* width), biases zero; the softmax
    layer keeps Keras' default Glorot-uniform weights with zero biases.
``"idnns"``
    Shwartz-Ziv & Tishby's code (``ravidziv/IDNNs``, ``idnns/networks/model.py``,
    ``Model.initilizae_layer``): *every* layer, the softmax layer included, draws its weights from
    ``tf.truncated_normal_initializer(stddev=1/sqrt(row_size))`` - a normal of standard deviation
    :math:`1/\\sqrt{\\text{fan-in}}` truncated at two standard deviations - and its biases are zero.
``"glorot"``
    Keras' ``Dense`` defaults, which Saxe et al.'s MNIST model keeps (``artemyk/ibsgd``,
    ``MNIST_SaveActivations.ipynb``: no initializer given): every layer Glorot-uniform,
    :math:`U(\\pm\\sqrt{6/(\\text{fan-in} + \\text{fan-out})})`, biases zero.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ibcore._validation import check_choice

__all__ = ["INITS", "DESCRIPTIONS", "initialize"]

INITS = ("torch", "saxe", "idnns", "glorot")
DESCRIPTIONS = {
    "torch": "torch default (uniform, +-1/sqrt(fan-in))",
    "saxe": "truncated normal, std 1/sqrt(fan-out), Glorot-uniform output layer, zero biases",
    "idnns": "truncated normal, std 1/sqrt(fan-in), every layer, zero biases",
    "glorot": "Glorot uniform, every layer, zero biases",
}


def _hidden_and_output_linears(model: nn.Module, init: str) -> tuple[list[nn.Linear], nn.Linear]:
    names = list(getattr(model, "layer_names", ()))
    if not names or names[-1] != "output":
        raise ValueError(
            f"init={init!r} needs an ibcore MLP (hidden layers 'layer1'.. and 'output'), got "
            f"{type(model).__name__}"
        )
    try:
        hidden = [model.get_submodule(f"{name}.linear") for name in names[:-1]]
        out = model.get_submodule("output.pre.linear")
    except AttributeError:
        raise ValueError(
            f"init={init!r} is defined for ibcore MLPs only, got {type(model).__name__}"
        ) from None
    return hidden, out


def _truncated_normal(lin: nn.Linear, std: float) -> None:
    nn.init.trunc_normal_(lin.weight, mean=0.0, std=std, a=-2 * std, b=2 * std)


def initialize(model: nn.Module, init: str) -> nn.Module:
    r"""Re-initialise ``model``'s weights in place by the named scheme, from torch's global RNG.

    With :math:`n_\ell` the output and :math:`m_\ell` the input width of layer :math:`\ell`, and
    :math:`\mathcal{TN}(0, s^2)` a normal truncated to :math:`\pm 2s`:

    * ``"saxe"``: hidden :math:`W_\ell \sim \mathcal{TN}(0, 1/n_\ell)`; output
      :math:`W \sim U(\pm\sqrt{6/(m + n)})`; biases 0 (Saxe et al. 2018, code ``ibsgd``).
    * ``"idnns"``: every :math:`W_\ell \sim \mathcal{TN}(0, 1/m_\ell)`; biases 0 (Shwartz-Ziv &
      Tishby 2017, code ``IDNNs``).
    * ``"glorot"``: every :math:`W_\ell \sim U(\pm\sqrt{6/(m_\ell + n_\ell)})`; biases 0 (Keras'
      default, Saxe et al.'s MNIST model).
    * ``"torch"``: nothing changes.

    Parameters
    ----------
    model : torch.nn.Module
        An :class:`ibcore.models.MLP` for every scheme but ``"torch"``.
    init : {"torch", "saxe", "idnns", "glorot"}

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
    hidden, out = _hidden_and_output_linears(model, init)
    with torch.no_grad():
        for lin in hidden:
            if init == "saxe":
                _truncated_normal(lin, 1.0 / math.sqrt(lin.out_features))
            elif init == "idnns":
                _truncated_normal(lin, 1.0 / math.sqrt(lin.in_features))
            else:
                nn.init.xavier_uniform_(lin.weight)
        if init == "idnns":
            _truncated_normal(out, 1.0 / math.sqrt(out.in_features))
        else:
            nn.init.xavier_uniform_(out.weight)
        for lin in (*hidden, out):
            if lin.bias is not None:
                lin.bias.zero_()
    return model
