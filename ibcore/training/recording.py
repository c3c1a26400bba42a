"""Recording hooks: the outputs of named submodules of any :class:`torch.nn.Module`, one row per sample.

:class:`ActivationRecorder` registers forward hooks on submodules named as in
``model.named_modules()`` (``model.get_submodule(name)``) and collects their outputs, flattened to
(N, d) by default, detached and on the CPU; :func:`record_activations` runs a model in eval mode on
any number of inputs, in batches, through such a recorder. :func:`check_layer_names` (the
validation of a list of submodule names) is shared with the training drivers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import torch
from torch import nn

from ibcore._device import resolve_device
from ibcore._validation import check_bool, check_int
from ibcore.training.checks import wrap_tensor

__all__ = ["ActivationRecorder", "record_activations", "check_layer_names"]


class ActivationRecorder:
    """Context manager that collects the outputs of named submodules through forward hooks.

    >>> net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    >>> with ActivationRecorder(net, ["1", "2"]) as rec:
    ...     _ = net(torch.zeros(5, 3))
    >>> {k: tuple(v.shape) for k, v in rec.result().items()}
    {'1': (5, 4), '2': (5, 2)}

    Parameters
    ----------
    model : torch.nn.Module
    layers : list of str
        Names as in ``model.named_modules()`` (``"layer1"``, ``"features.3"``, ...).
    flatten : bool, default True
        Reshape each output to (batch, -1); ``False`` keeps e.g. (batch, C, H, W).
    dtype : torch.dtype, optional
        Cast the stored outputs (e.g. ``torch.float16``); ``None`` keeps the module's dtype.
    to_cpu : bool, default True
        Move stored outputs to the CPU as they arrive (bounded device memory).

    Notes
    -----
    Outputs are detached. Hooks are removed on exit, also when the body raises. A module that
    returns something other than a tensor raises ``TypeError``. :meth:`result` orders the layers
    as the forward pass first reached them, i.e. input -> output for a feed-forward net.
    """

    def __init__(
        self,
        model: nn.Module,
        layers: Sequence[str],
        *,
        flatten: bool = True,
        dtype: torch.dtype | None = None,
        to_cpu: bool = True,
    ):
        if not isinstance(model, nn.Module):
            raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
        self.layers = check_layer_names(model, layers)
        self.model = model
        self.flatten = check_bool(flatten, "flatten")
        self.dtype = dtype
        self.to_cpu = check_bool(to_cpu, "to_cpu")
        self._chunks: dict[str, list[torch.Tensor]] = {name: [] for name in self.layers}
        self._order: list[str] = []
        self._handles: list[Any] = []

    def _hook(self, name: str) -> Callable[..., None]:
        def hook(module: nn.Module, inputs: Any, output: Any) -> None:
            if not isinstance(output, torch.Tensor):
                raise TypeError(
                    f"layer {name!r} returned {type(output).__name__}, not a tensor; "
                    "hook a submodule that returns a tensor"
                )
            t = output.detach()
            if self.flatten:
                t = t.reshape(t.shape[0], -1) if t.ndim > 1 else t.reshape(-1, 1)
            if self.dtype is not None:
                t = t.to(self.dtype)
            if self.to_cpu:
                t = t.cpu()
            self._chunks[name].append(t)
            if name not in self._order:
                self._order.append(name)

        return hook

    def __enter__(self) -> ActivationRecorder:
        try:
            for name in self.layers:
                module = self.model.get_submodule(name)
                self._handles.append(module.register_forward_hook(self._hook(name)))
        except BaseException:
            self.remove()
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()

    def remove(self) -> None:
        """Remove the hooks (idempotent)."""
        for handle in self._handles:
            handle.remove()
        self._handles.clear()

    def counts(self) -> dict[str, int]:
        """How many outputs each layer has produced so far."""
        return {name: len(chunks) for name, chunks in self._chunks.items()}

    def clear(self) -> None:
        """Forget the collected outputs (the hooks stay)."""
        for chunks in self._chunks.values():
            chunks.clear()

    def result(self) -> dict[str, torch.Tensor]:
        """Concatenate the collected outputs along the batch axis, layers in forward order."""
        missing = [name for name in self.layers if not self._chunks[name]]
        if missing:
            raise ValueError(f"layer(s) {missing} were never reached by the forward pass")
        return {name: torch.cat(self._chunks[name]) for name in self._order}


def check_layer_names(model: nn.Module, layers: Any) -> list[str]:
    """``layers`` as a list of distinct submodule names of ``model``; an unknown name lists the available."""
    if isinstance(layers, str) or not isinstance(layers, Iterable):
        raise TypeError(f"layers must be a list of submodule names, got {type(layers).__name__}")
    layers = list(layers)
    if not layers:
        raise ValueError("layers is empty: name at least one submodule to record")
    if not all(isinstance(name, str) for name in layers):
        raise TypeError(f"layers must hold strings, got {layers!r}")
    if len(set(layers)) != len(layers):
        raise ValueError(f"layers holds duplicates: {layers}")
    available = [name for name, _ in model.named_modules() if name]
    unknown = [name for name in layers if name not in set(available)]
    if unknown:
        raise ValueError(
            f"unknown layer name(s) {unknown} for {type(model).__name__}; available: {available}"
        )
    return layers


def _model_device(model: nn.Module) -> torch.device:
    for t in model.parameters():
        return t.device
    for t in model.buffers():
        return t.device
    return torch.device("cpu")


def _model_float_dtype(model: nn.Module) -> torch.dtype:
    for t in model.parameters():
        if t.is_floating_point():
            return t.dtype
    return torch.float32


def record_activations(
    model: nn.Module,
    x: Any,
    layers: Sequence[str],
    *,
    batch_size: int = 1024,
    device: str | torch.device | None = None,
    flatten: bool = True,
    dtype: torch.dtype | None = None,
) -> dict[str, torch.Tensor]:
    """Run ``model`` on ``x`` and return the outputs of the named submodules, one row per sample.

    Parameters
    ----------
    model : torch.nn.Module
        Any module; it is put in ``eval()`` mode and run under :func:`torch.no_grad`, and its
        previous train/eval mode is restored afterwards (also on error).
    x : torch.Tensor or numpy.ndarray, shape (N, ...)
        Inputs; floating inputs are cast to the model's parameter dtype.
    layers : list of str
        Submodule names as in ``model.named_modules()``. An unknown name raises ``ValueError``
        listing the available ones.
    batch_size : int, default 1024
        Samples per forward pass (memory stays bounded for any N).
    device : str or torch.device, optional
        Where to run; ``None``: the model's device. The model is not moved.
    flatten : bool, default True
        Return (N, d) with d the number of entries per sample; ``False`` keeps (N, C, H, W) etc.
    dtype : torch.dtype, optional
        Store the activations in this dtype (e.g. ``torch.float16``).

    Returns
    -------
    dict of str to torch.Tensor
        CPU tensors of shape (N, d_layer), in the order the forward pass reached the layers.

    Raises
    ------
    ValueError
        Unknown or duplicate layer names, empty ``x``, or a submodule called more than once per
        forward pass (a shared module: its outputs would not be one row per sample).
    """
    layers = check_layer_names(model, layers)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    xt = wrap_tensor(x, "x")
    if xt.ndim == 0 or xt.shape[0] == 0:
        raise ValueError(f"x must hold at least one sample along its first axis, got shape {tuple(xt.shape)}")
    dev = _model_device(model) if device is None else resolve_device(device)
    in_dtype = _model_float_dtype(model) if xt.is_floating_point() else xt.dtype
    was_training = model.training
    try:
        model.eval()
        with ActivationRecorder(model, layers, flatten=flatten, dtype=dtype) as rec, torch.no_grad():
            for i, start in enumerate(range(0, xt.shape[0], batch_size), start=1):
                model(xt[start : start + batch_size].to(device=dev, dtype=in_dtype))
                wrong = {name: c for name, c in rec.counts().items() if c != i}
                if wrong:
                    raise ValueError(
                        f"each recorded layer must run exactly once per forward pass; after "
                        f"{i} batch(es) the hooks fired {wrong} times"
                    )
            return rec.result()
    finally:
        model.train(was_training)
