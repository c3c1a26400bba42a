"""The base class of the watched nets, :class:`LayeredNet`, and the fully connected :class:`MLP`.

Every MLP and conv-net of :mod:`ibcore.models` is a :class:`LayeredNet`: an :class:`torch.nn.Module`
whose top-level submodules ``layer1``, ..., ``layerK`` and ``output`` are its layers in input -> output
order (:attr:`LayeredNet.layer_names`). ``forward_layers(x)`` returns all of them in an ordered dict, and a
forward hook on ``model.get_submodule("layer2")`` sees exactly what ``forward_layers`` reports for
``"layer2"``, so :func:`ibcore.training.record_activations` works on these models and on any other.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

import torch
from torch import nn

from ibcore._validation import check_choice, check_int, check_positive
from ibcore.models._spec import drop_late_defaults
from ibcore.models.layers import (
    ACTIVATIONS,
    NOISE_MODES,
    OUTPUT_ACTIVATIONS,
    GaussianNoise,
    Head,
    make_activation,
)

__all__ = ["LayeredNet", "MLP", "mlp"]


class LayeredNet(nn.Module):
    """Base class: a chain of named top-level layers ``layer1 .. layerK, output``.

    Subclasses register their hidden layers as ``layer1``, ``layer2``, ... and the output layer as
    a ``Head`` named ``output``, and set :attr:`layer_names` and :attr:`input_shape`.
    """

    layer_names: tuple[str, ...] = ()
    input_shape: tuple[int, ...] = ()

    def _hidden(self, x: torch.Tensor) -> torch.Tensor:
        for name in self.layer_names[:-1]:
            x = getattr(self, name)(x)
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return the ``output`` layer, ``output_activation(logits)``, of shape (N, n_classes)."""
        return self.output(self._hidden(x))

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """Return the pre-activation of the output layer (what the cross-entropy loss takes)."""
        return self.output.logits(self._hidden(x))

    def forward_layers(self, x: torch.Tensor) -> OrderedDict[str, torch.Tensor]:
        """Return every layer's output, input -> output order, keyed by :attr:`layer_names`.

        The values are exactly what forward hooks on ``self.get_submodule(name)`` see, unflattened
        (a conv layer gives (N, C, H, W)). Noise modules draw fresh noise on each call.
        """
        out: OrderedDict[str, torch.Tensor] = OrderedDict()
        for name in self.layer_names:
            x = getattr(self, name)(x)
            out[name] = x
        return out

    @property
    def spec(self) -> dict[str, Any]:  # pragma: no cover - overridden
        raise NotImplementedError


def _check_widths(widths: Any) -> list[int]:
    if isinstance(widths, (str, bytes)) or not hasattr(widths, "__iter__"):
        raise TypeError(f"widths must be a list of layer widths, got {type(widths).__name__}")
    out = [check_int(w, "widths[i]", minimum=1) for w in widths]
    if len(out) < 2:
        raise ValueError(f"widths needs at least the input and the output width, got {out}")
    return out


class MLP(LayeredNet):
    r"""Fully connected network: :math:`T_\ell = \phi(W_\ell T_{\ell-1} + b_\ell) + Z_\ell`.

    ``widths = [d_in, h_1, ..., h_K, n_out]`` gives hidden layers ``layer1 .. layerK`` (each a
    ``Sequential(linear, act, noise)``, recorded after the activation and the noise) and the
    ``output`` layer ``output_activation(W T_K + b)``. Weights use torch's default
    :class:`~torch.nn.Linear` initialisation, so ``torch.manual_seed(s); MLP(...)`` is reproducible.

    Parameters
    ----------
    widths : list of int
        Input width first, output (number of classes) last, e.g. ``[12, 10, 7, 5, 4, 3, 2]``.
    activation : {"tanh", "relu", "sigmoid", "elu", "linear", "leaky_relu"}, default "tanh"
    output_activation : None or str, default None
        Applied by ``forward`` and recorded as ``output``: ``None`` (logits), ``"softmax"``,
        ``"log_softmax"`` or a hidden activation. The loss always takes :meth:`logits`.
    noise_std : float, default 0.0
        Standard deviation of the Gaussian noise added after each *hidden* activation.
    bias : bool, default True
    noise_in_eval : bool, default True
        Keep the noise on in ``eval()`` mode (Goldfeld et al.'s noisy DNN is stochastic at test time).
    noise_mode : {"additive", "multiplicative"}, default "additive"
        See :class:`GaussianNoise`; the spec holds it only when it is not ``"additive"``.

    References
    ----------
    Shwartz-Ziv & Tishby (2017), Sec. 3 (12-10-7-5-4-3-2 tanh net); Saxe et al. (2018), Sec. 2;
    Goldfeld et al. (2019), Sec. 2 (noisy DNNs).

    Examples
    --------
    >>> net = MLP([12, 10, 7, 2])
    >>> [k for k in net.forward_layers(torch.zeros(5, 12))]
    ['layer1', 'layer2', 'output']
    """

    def __init__(
        self,
        widths: list[int],
        *,
        activation: str = "tanh",
        output_activation: str | None = None,
        noise_std: float = 0.0,
        bias: bool = True,
        noise_in_eval: bool = True,
        noise_mode: str = "additive",
    ):
        super().__init__()
        widths = _check_widths(widths)
        check_choice(activation, "activation", ACTIVATIONS)
        check_choice(output_activation, "output_activation", OUTPUT_ACTIVATIONS)
        noise_std = check_positive(noise_std, "noise_std", allow_zero=True)
        check_choice(noise_mode, "noise_mode", NOISE_MODES)
        self._spec = drop_late_defaults(
            {
                "kind": "mlp",
                "widths": widths,
                "activation": activation,
                "output_activation": output_activation,
                "noise_std": noise_std,
                "bias": bool(bias),
                "noise_in_eval": bool(noise_in_eval),
                "noise_mode": noise_mode,
            }
        )
        self.input_shape = (widths[0],)
        names = []
        for i, (w_in, w_out) in enumerate(zip(widths[:-2], widths[1:-1], strict=False), start=1):
            block = nn.Sequential(
                OrderedDict(
                    linear=nn.Linear(w_in, w_out, bias=bias),
                    act=make_activation(activation),
                    noise=GaussianNoise(noise_std, mode=noise_mode, in_eval=noise_in_eval),
                )
            )
            self.add_module(f"layer{i}", block)
            names.append(f"layer{i}")
        self.output = Head(
            nn.Sequential(OrderedDict(linear=nn.Linear(widths[-2], widths[-1], bias=bias))),
            make_activation(output_activation, "output_activation"),
        )
        self.layer_names = (*names, "output")

    @property
    def spec(self) -> dict[str, Any]:
        """The JSON-serializable spec that :func:`build_model` turns back into this architecture."""
        return json.loads(json.dumps(self._spec))

    @property
    def widths(self) -> list[int]:
        return list(self._spec["widths"])


def mlp(
    widths: list[int],
    *,
    activation: str = "tanh",
    output_activation: str | None = None,
    noise_std: float = 0.0,
    bias: bool = True,
    noise_in_eval: bool = True,
    noise_mode: str = "additive",
) -> MLP:
    """Build an :class:`MLP` (see there), e.g. ``mlp([12, 10, 7, 5, 4, 3, 2])`` for the SZT net."""
    return MLP(
        widths,
        activation=activation,
        output_activation=output_activation,
        noise_std=noise_std,
        bias=bias,
        noise_in_eval=noise_in_eval,
        noise_mode=noise_mode,
    )
