"""Device selection: one code path for CPU and CUDA.

Every estimator and model in :mod:`ibcore` takes a ``device`` argument. With ``device=None`` an
estimator computes where its input already is: a torch tensor stays on its own device, and numpy
(or list) input goes to :func:`resolve_device` ``(None)``, i.e. CUDA when it is available and the
CPU otherwise (see :func:`ibcore._validation.as_2d`). An explicit device (``"cpu"``, ``"cuda"``,
``"cuda:1"``, ``"auto"`` or a :class:`torch.device`) moves the input there, a tensor on another
device included. Constants are created with ``device=x.device``; nothing calls ``.cuda()``.
"""

from __future__ import annotations

import contextlib
import numbers
from collections.abc import Iterator

import torch

__all__ = ["resolve_device", "torch_threads"]


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


@contextlib.contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Run the block with ``n`` torch intra-op threads, then restore the previous number.

    One thread per task is how ibcore's CPU hot loops run (tiny networks, KD-tree searches,
    tiles of kernel sums, eigendecompositions spread over Python threads): on a shared 2-core
    CPU torch's own threads wait for each other at the end of every small operation. The
    setting is process-wide while the block runs.
    """
    # the checks of _validation.check_int, written here because _validation imports this module
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"n must be an integer, got {type(n).__name__} {n!r}")
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)
