"""Small networks whose layers can be watched: the MLPs and conv-nets of the information-plane papers.

Every model here is a :class:`LayeredNet`: an :class:`torch.nn.Module` whose top-level submodules
``layer1``, ..., ``layerK`` and ``output`` are its layers in input -> output order
(:attr:`LayeredNet.layer_names`). ``forward_layers(x)`` returns all of them in an ordered dict, and a
forward hook on ``model.get_submodule("layer2")`` sees exactly what ``forward_layers`` reports for
``"layer2"``, so :func:`ibcore.training.record_activations` works on these models and on any other.

Three calls matter to the trainer:

* ``model.logits(x)``: the pre-activation of the output layer, which the cross-entropy loss takes;
* ``model(x)``: ``output_activation(logits)`` (the logits themselves by default), the ``output``
  layer that gets recorded (``"softmax"`` gives Shwartz-Ziv & Tishby's softmax layer);
* ``model.spec``: a JSON-serializable dict with which :func:`build_model` rebuilds the model.

Noise (Goldfeld et al. 2019) is a :class:`GaussianNoise` submodule: it adds N(0, std^2) in training
*and* in evaluation, so a noisy network stays a stochastic map when its activations are recorded
(turn it off with ``noise_std=0``, ``noise_in_eval=False`` or :func:`set_noise`).
``noise_mode="multiplicative"`` scales the noise by the signal instead, ``S (1 + std Z)`` (the
noise-to-signal-ratio noise of Butakov et al.'s released classifier).
"""

from __future__ import annotations

import inspect
import json
from collections import OrderedDict
from typing import Any

import torch
from torch import nn

from ibcore._validation import check_choice, check_int, check_positive

__all__ = [
    "ACTIVATIONS",
    "OUTPUT_ACTIVATIONS",
    "NOISE_MODES",
    "GaussianNoise",
    "LayeredNet",
    "MLP",
    "mlp",
    "MNISTCNN",
    "CIFAR10ConvNet",
    "MODEL_KINDS",
    "build_model",
    "normalize_spec",
    "set_noise",
    "make_activation",
]

ACTIVATIONS = ("tanh", "relu", "sigmoid", "elu", "linear", "leaky_relu")
OUTPUT_ACTIVATIONS = (None, "softmax", "log_softmax", *ACTIVATIONS)
NOISE_MODES = ("additive", "multiplicative")
# Spec options added after the cache format was fixed: a spec holds them only when they differ from
# these defaults, so the cache keys of runs that leave them alone do not change (as TrainConfig does).
_SPEC_OPTIONAL_DEFAULTS: dict[str, Any] = {"noise_mode": "additive"}


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
      through both terms. Sample propagation (:mod:`ibcore.noisy`) assumes the additive kind and
      refuses this one.

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


def _drop_late_defaults(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` without the late options of :data:`_SPEC_OPTIONAL_DEFAULTS` that are at their default."""
    return {
        k: v for k, v in spec.items() if k not in _SPEC_OPTIONAL_DEFAULTS or v != _SPEC_OPTIONAL_DEFAULTS[k]
    }


class _Head(nn.Module):
    """The output layer: ``act(pre(h))``; ``pre`` ends in the linear map that gives the logits."""

    def __init__(self, pre: nn.Sequential, act: nn.Module):
        super().__init__()
        self.pre = pre
        self.act = act

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.act(self.pre(h))

    def logits(self, h: torch.Tensor) -> torch.Tensor:
        return self.pre(h)


class LayeredNet(nn.Module):
    """Base class: a chain of named top-level layers ``layer1 .. layerK, output``.

    Subclasses register their hidden layers as ``layer1``, ``layer2``, ... and the output layer as
    a ``_Head`` named ``output``, and set :attr:`layer_names` and :attr:`input_shape`.
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
        self._spec = _drop_late_defaults(
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
        self.output = _Head(
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


class _ConvNet(LayeredNet):
    """Three conv blocks (dropout, noise, conv 3x3, max-pool 2, act) and two dense layers.

    Noise and dropout act on each layer's *input* (the image included) and the recorded layer is
    the clean block output, as in Butakov et al.'s released classifier; the stochastic map
    X -> layer_i then has finite mutual information through the upstream noise.
    """

    _kind = ""

    def __init__(
        self,
        in_channels: int,
        side: int,
        padding: int | str,
        *,
        channels: tuple[int, ...],
        hidden: int,
        n_classes: int,
        activation: str,
        output_activation: str | None,
        noise_std: float,
        dropout: float,
        noise_in_eval: bool,
        noise_mode: str,
    ):
        super().__init__()
        channels = tuple(check_int(c, "channels[i]", minimum=1) for c in channels)
        if len(channels) != 3:
            raise ValueError(f"channels must give the widths of the 3 conv layers, got {channels}")
        hidden = check_int(hidden, "hidden", minimum=1)
        n_classes = check_int(n_classes, "n_classes", minimum=2)
        check_choice(activation, "activation", ACTIVATIONS)
        check_choice(output_activation, "output_activation", OUTPUT_ACTIVATIONS)
        noise_std = check_positive(noise_std, "noise_std", allow_zero=True)
        dropout = check_positive(dropout, "dropout", allow_zero=True)
        if dropout >= 1:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        check_choice(noise_mode, "noise_mode", NOISE_MODES)
        self._spec = _drop_late_defaults(
            {
                "kind": self._kind,
                "channels": list(channels),
                "hidden": hidden,
                "n_classes": n_classes,
                "activation": activation,
                "output_activation": output_activation,
                "noise_std": noise_std,
                "dropout": dropout,
                "noise_in_eval": bool(noise_in_eval),
                "noise_mode": noise_mode,
            }
        )
        self.input_shape = (in_channels, side, side)
        c_in = in_channels
        for i, c in enumerate(channels, start=1):
            self.add_module(
                f"layer{i}",
                nn.Sequential(
                    OrderedDict(
                        dropout=nn.Dropout(dropout),
                        noise=GaussianNoise(noise_std, mode=noise_mode, in_eval=noise_in_eval),
                        conv=nn.Conv2d(c_in, c, kernel_size=3, padding=padding),
                        pool=nn.MaxPool2d(2),
                        act=make_activation(activation),
                    )
                ),
            )
            side = (side - (2 if padding == 0 else 0)) // 2
            c_in = c
        self.layer4 = nn.Sequential(
            OrderedDict(
                flatten=nn.Flatten(),
                noise=GaussianNoise(noise_std, mode=noise_mode, in_eval=noise_in_eval),
                linear=nn.Linear(c_in * side * side, hidden),
                act=make_activation(activation),
            )
        )
        self.output = _Head(
            nn.Sequential(
                OrderedDict(
                    noise=GaussianNoise(noise_std, mode=noise_mode, in_eval=noise_in_eval),
                    linear=nn.Linear(hidden, n_classes),
                )
            ),
            make_activation(output_activation, "output_activation"),
        )
        self.layer_names = ("layer1", "layer2", "layer3", "layer4", "output")

    @property
    def spec(self) -> dict[str, Any]:
        return json.loads(json.dumps(self._spec))


class MNISTCNN(_ConvNet):
    """Small conv-net for MNIST (1, 28, 28), after Butakov et al. (2024).

    ``layer1..3``: [dropout, noise] -> Conv2d(3x3, no padding) -> MaxPool2d(2) -> LeakyReLU with
    8, 16, 32 channels (28 -> 13 -> 5 -> 1 pixels); ``layer4``: [noise] -> Linear(32, 32) ->
    LeakyReLU; ``output``: [noise] -> Linear(32, 10). Recorded shapes: (8, 13, 13), (16, 5, 5),
    (32, 1, 1), (32,), (10,).

    Parameters
    ----------
    noise_std : float, default 0.1
        Gaussian noise on every layer's input (on in eval too unless ``noise_in_eval=False``).
    dropout : float, default 0.1
        Dropout on the inputs of the conv layers (training only).
    activation : str, default "leaky_relu"
    output_activation : None or str, default None
        Butakov et al. record ``"log_softmax"``; ``None`` records the logits.
    channels : tuple of 3 int, default (8, 16, 32)
    hidden : int, default 32
    n_classes : int, default 10
    noise_in_eval : bool, default True
    noise_mode : {"additive", "multiplicative"}, default "additive"
        ``"multiplicative"``: ``S (1 + noise_std Z)`` (:class:`GaussianNoise`), the paper's noise.

    Notes
    -----
    The paper (arXiv 2305.08013, Sec. 6) describes the classifier as a small conv-net made
    stochastic by dropout and a small multiplicative Gaussian noise. The layer sizes and the
    placement of noise and dropout (p = 0.1) follow the authors' released code
    (``VanessB/Information-v3``, ``misc/classifier.py``, read, not copied): its noise module scales
    the noise by the signal (a noise-to-signal ratio sigma), and its MNIST notebook sets sigma to
    1e-3, i.e. ``MNISTCNN(noise_std=1e-3, noise_mode="multiplicative")`` (chapter 3 uses that).
    The defaults here (additive, sigma = 0.1) came first and are kept so that the cache keys of
    existing runs stay valid.

    References
    ----------
    Butakov, Tolmachev, Malanchuk, Neopryatnaya, Frolov, Andreev, "Information Bottleneck
    Analysis of Deep Neural Networks via Lossy Compression", ICLR 2024 (arXiv 2305.08013), Sec. 5.
    """

    _kind = "mnist_cnn"

    def __init__(
        self,
        *,
        noise_std: float = 0.1,
        dropout: float = 0.1,
        activation: str = "leaky_relu",
        output_activation: str | None = None,
        channels: tuple[int, ...] = (8, 16, 32),
        hidden: int = 32,
        n_classes: int = 10,
        noise_in_eval: bool = True,
        noise_mode: str = "additive",
    ):
        super().__init__(
            1,
            28,
            0,
            channels=tuple(channels),
            hidden=hidden,
            n_classes=n_classes,
            activation=activation,
            output_activation=output_activation,
            noise_std=noise_std,
            dropout=dropout,
            noise_in_eval=noise_in_eval,
            noise_mode=noise_mode,
        )


class CIFAR10ConvNet(_ConvNet):
    """Small conv-net for CIFAR-10 (3, 32, 32): the :class:`MNISTCNN` design with 'same' padding.

    ``layer1..3``: [dropout, noise] -> Conv2d(3x3, padding 1) -> MaxPool2d(2) -> LeakyReLU with
    8, 16, 32 channels (32 -> 16 -> 8 -> 4 pixels); ``layer4``: [noise] -> Linear(512, 32) ->
    LeakyReLU; ``output``: [noise] -> Linear(32, 10).

    Parameters are those of :class:`MNISTCNN`, with ``noise_std=0`` and ``dropout=0`` by default
    (a deterministic net, as in Elad et al.'s CE baseline).

    Notes
    -----
    Elad et al. (2019, Table 1) and the CNNs reviewed by Geiger (2021, Sec. III) are "small" or
    "deep" conv-nets whose exact layers are in supplements we do not reproduce; this is the
    CIFAR-10 variant of Butakov et al.'s classifier in their released code, a standard small
    3-conv + 2-dense net (about 23k parameters) that trains in minutes on a CPU.

    References
    ----------
    Elad, Haviv, Blau, Michaeli, "Direct Validation of the Information Bottleneck Principle for
    Deep Nets", ICCV workshops 2019, Table 1; Butakov et al. (2024), Sec. 5.
    """

    _kind = "cifar10_convnet"

    def __init__(
        self,
        *,
        noise_std: float = 0.0,
        dropout: float = 0.0,
        activation: str = "leaky_relu",
        output_activation: str | None = None,
        channels: tuple[int, ...] = (8, 16, 32),
        hidden: int = 32,
        n_classes: int = 10,
        noise_in_eval: bool = True,
        noise_mode: str = "additive",
    ):
        super().__init__(
            3,
            32,
            1,
            channels=tuple(channels),
            hidden=hidden,
            n_classes=n_classes,
            activation=activation,
            output_activation=output_activation,
            noise_std=noise_std,
            dropout=dropout,
            noise_in_eval=noise_in_eval,
            noise_mode=noise_mode,
        )


MODEL_KINDS: dict[str, type[LayeredNet]] = {
    "mlp": MLP,
    "mnist_cnn": MNISTCNN,
    "cifar10_convnet": CIFAR10ConvNet,
}


def _spec_options(spec: Any) -> tuple[type[LayeredNet], dict[str, Any]]:
    """Validate a spec's shape (not its values) and return the class and its keyword options."""
    if not isinstance(spec, dict):
        raise TypeError(
            f"spec must be a dict such as {{'kind': 'mlp', 'widths': [12, 2]}}, got {type(spec).__name__}"
        )
    if "kind" not in spec:
        raise ValueError(f"spec needs a 'kind', one of {', '.join(map(repr, MODEL_KINDS))}; got {spec}")
    kind = check_choice(spec["kind"], "kind", tuple(MODEL_KINDS))
    cls = MODEL_KINDS[kind]
    options = {k: v for k, v in spec.items() if k != "kind"}
    params = inspect.signature(cls.__init__).parameters
    allowed = [p for p in params if p != "self"]
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise ValueError(f"unknown option(s) {unknown} for kind={kind!r}; accepted: {allowed}")
    try:
        json.dumps(spec)
    except TypeError as err:
        raise TypeError(f"spec must be JSON-serializable (lists, numbers, strings): {err}") from None
    return cls, options


def normalize_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """Return ``spec`` with every default filled in (without building the model or touching RNGs).

    Options added later (``noise_mode``) are left out at their default, as ``model.spec`` does, so
    the cache key of a spec that leaves them alone is what it was before they existed.
    """
    cls, options = _spec_options(spec)
    full: dict[str, Any] = {"kind": spec["kind"]}
    for name, p in inspect.signature(cls.__init__).parameters.items():
        if name == "self":
            continue
        if name in options:
            full[name] = options[name]
        elif p.default is inspect.Parameter.empty:
            raise ValueError(f"spec for kind={spec['kind']!r} needs {name!r}")
        else:
            full[name] = p.default
    # late options at their default stay out, so old cache keys still hold; tuples -> lists, so
    # equal specs hash equally
    return json.loads(json.dumps(_drop_late_defaults(full)))


def build_model(spec: dict[str, Any]) -> LayeredNet:
    """Build a model from a JSON-serializable spec, e.g. ``{"kind": "mlp", "widths": [12, 10, 2]}``.

    Parameters
    ----------
    spec : dict
        ``kind`` (``"mlp"``, ``"mnist_cnn"`` or ``"cifar10_convnet"``) plus the keyword options of
        :class:`MLP`, :class:`MNISTCNN` or :class:`CIFAR10ConvNet`. ``model.spec`` gives it back.

    Returns
    -------
    LayeredNet
        Initialised from torch's global RNG: call :func:`torch.manual_seed` first to fix it.
    """
    cls, options = _spec_options(spec)
    if cls is MLP:
        if "widths" not in options:
            raise ValueError("spec for kind='mlp' needs 'widths', e.g. [12, 10, 7, 5, 4, 3, 2]")
        widths = options.pop("widths")
        return MLP(widths, **options)
    return cls(**options)


def set_noise(
    model: nn.Module,
    *,
    enabled: bool | None = None,
    in_eval: bool | None = None,
    generator: torch.Generator | None = None,
) -> int:
    """Switch every :class:`GaussianNoise` in ``model`` on/off, set ``in_eval`` or a generator.

    Returns the number of noise modules found. Arguments left at ``None`` are not changed.
    """
    n = 0
    for module in model.modules():
        if isinstance(module, GaussianNoise):
            n += 1
            if enabled is not None:
                module.enabled = bool(enabled)
            if in_eval is not None:
                module.in_eval = bool(in_eval)
            if generator is not None:
                module.generator = generator
    return n
