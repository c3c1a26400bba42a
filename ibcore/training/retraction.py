"""The Parseval retraction of Goldfeld et al.'s SZT code, applied after each optimiser step.

kgreenewald/smoothMI: ``tishby_net.py`` (``Net.orthWeightUpdate``) replaces the weight matrix A of
every layer but the last by ``A - alpha (A A^T A - A)``, and ``tishby.py`` (``run_train``) calls it
after every ``optimizer.step()`` when ``--orth_udpate_alpha`` is positive (Cisse et al.'s Parseval
networks). For A with singular value decomposition U S V^T the update keeps U and V and moves each
singular value s to ``s - alpha (s^3 - s)``: orthonormal rows (or columns) are a fixed point and
small steps pull every singular value towards 1. ``(A A^T A)^T = A^T A A^T``, so the update of the
transposed matrix is the transpose of the update: :class:`~ibcore.training.engines.StackedMLP`,
which stores every layer transposed, applies the same formula to its stored tensors.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch

__all__ = ["parseval_retraction"]


@torch.no_grad()
def parseval_retraction(weights: Iterable[torch.Tensor], alpha: float) -> None:
    r"""In place, :math:`W \leftarrow W - \alpha (W W^\top W - W)` for every matrix of ``weights``.

    Parameters
    ----------
    weights : iterable of torch.Tensor, each of shape (..., m, n)
        The matrices to retract (leading axes are batch axes, e.g. stacked seeds); the hidden
        layers' weights in the training engines, never the output layer's.
    alpha : float
        Step size >= 0 (0 leaves the weights alone).

    Examples
    --------
    >>> w = torch.eye(2) * 2.0
    >>> parseval_retraction([w], 0.1)
    >>> [round(v, 6) for v in w.diagonal().tolist()]  # 2 - 0.1 * (8 - 2)
    [1.4, 1.4]
    """
    if alpha < 0:
        raise ValueError(f"alpha must be >= 0, got {alpha}")
    if alpha == 0:
        return
    for w in weights:
        if w.ndim < 2:
            raise ValueError(f"weights must be matrices (..., m, n), got shape {tuple(w.shape)}")
        w.sub_(alpha * (w @ w.transpose(-1, -2) @ w - w))
