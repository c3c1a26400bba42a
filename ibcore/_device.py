"""Device selection: one code path for CPU and CUDA.

Every estimator and model in :mod:`ibcore` takes a ``device`` argument. With ``device=None`` an
estimator computes where its input already is: a torch tensor stays on its own device, and numpy
(or list) input goes to :func:`resolve_device` ``(None)``, i.e. CUDA when it is available and the
CPU otherwise (see :func:`ibcore._validation.as_2d`). An explicit device (``"cpu"``, ``"cuda"``,
``"cuda:1"``, ``"auto"`` or a :class:`torch.device`) moves the input there, a tensor on another
device included. Constants are created with ``device=x.device``; nothing calls ``.cuda()``.
"""

from __future__ import annotations

import torch

__all__ = ["resolve_device"]


def resolve_device(device: str | torch.device | None = None) -> torch.device:
    """Return the :class:`torch.device` to run on.

    Parameters
    ----------
    device : str, torch.device or None, default None
        ``None`` or ``"auto"``: ``cuda`` if ``torch.cuda.is_available()`` else ``cpu``.
        Any other string (``"cpu"``, ``"cuda"``, ``"cuda:1"``) or a ``torch.device`` is used as is.

    Raises
    ------
    ValueError
        If the string is not a device torch knows, or CUDA is asked for but not available.
    """
    if device is None or (isinstance(device, str) and device == "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if not isinstance(device, (str, torch.device)):
        raise TypeError(
            f"device must be None, 'auto', a string or a torch.device, got {type(device).__name__}"
        )
    try:
        dev = torch.device(device)
    except RuntimeError as err:
        raise ValueError(f"device={device!r} is not a device torch knows: {err}") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} was asked for but CUDA is not available on this machine")
    return dev
