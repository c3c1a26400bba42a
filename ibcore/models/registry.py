"""The spec registry: a JSON-serializable dict names a model, :func:`build_model` builds it.

A spec holds the model's ``kind`` (a key of :data:`MODEL_KINDS`) and its keyword options; ``model.spec``
gives it back, and :func:`normalize_spec` fills in the defaults, so equal architectures hash to equal
cache keys. :func:`set_noise` switches the noise modules of a built model.
"""

from __future__ import annotations

import inspect
import json
from typing import Any

import torch
from torch import nn

from ibcore._validation import check_choice
from ibcore.models._spec import drop_late_defaults
from ibcore.models.conv import MNISTCNN, CIFAR10ConvNet, GoldfeldMNISTCNN
from ibcore.models.layers import GaussianNoise
from ibcore.models.mlp import MLP, LayeredNet

__all__ = ["MODEL_KINDS", "build_model", "normalize_spec", "set_noise"]

MODEL_KINDS: dict[str, type[LayeredNet]] = {
    "mlp": MLP,
    "mnist_cnn": MNISTCNN,
    "cifar10_convnet": CIFAR10ConvNet,
    "goldfeld_mnist_cnn": GoldfeldMNISTCNN,
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
    return json.loads(json.dumps(drop_late_defaults(full)))


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
