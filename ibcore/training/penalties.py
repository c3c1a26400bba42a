"""Weight penalties added to the training loss: the orthonormality penalty of Parseval-style nets.

Goldfeld et al. (ICML 2019, Sec. 5) train the SZT network with a regulariser that keeps the weight
matrices close to orthonormal and show that it prevents the clustering of hidden representations
- and with it the compression of I(X;T). :func:`orthonormality` is that penalty; the trainer adds
``TrainConfig.orthonormal_penalty`` times it to the loss.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn

__all__ = ["orthonormality", "linear_weights"]


def orthonormality(weights: Iterable[torch.Tensor]) -> torch.Tensor:
    r"""Sum over weight matrices of :math:`\|W W^\top - I\|_F^2` (the smaller Gram matrix).

    .. math::

        P(W_1, \dots, W_L) = \sum_{\ell=1}^L \big\| G_\ell - I \big\|_F^2, \qquad
        G_\ell = \begin{cases} W_\ell W_\ell^\top & d_\text{out} \le d_\text{in} \\
        W_\ell^\top W_\ell & d_\text{out} > d_\text{in} \end{cases}

    for :math:`W_\ell` of shape (d_out, d_in) as :class:`torch.nn.Linear` stores it: zero exactly
    when the rows (or, for a widening layer, the columns) are orthonormal.

    Parameters
    ----------
    weights : iterable of torch.Tensor, each of shape (..., d_out, d_in)
        Weight matrices; leading axes are batch axes (e.g. stacked seeds), kept in the result.

    Returns
    -------
    torch.Tensor
        Shape ``(...)`` (a scalar for plain matrices), differentiable.

    Notes
    -----
    The gradient is :math:`4 (W W^\top - I) W` for the :math:`W W^\top` case. Goldfeld et al.
    describe their regulariser as keeping the weights orthonormal; its exact form and weight we
    could not check in the paper's text available to us, so the book states which one it uses.

    Examples
    --------
    >>> float(orthonormality([torch.eye(3)])), float(orthonormality([2 * torch.eye(2)]))
    (0.0, 18.0)
    """
    total = None
    for w in weights:
        if w.ndim < 2:
            raise ValueError(f"weights must be matrices (..., d_out, d_in), got shape {tuple(w.shape)}")
        d_out, d_in = w.shape[-2], w.shape[-1]
        wt = w.transpose(-1, -2)
        gram = w @ wt if d_out <= d_in else wt @ w
        eye = torch.eye(gram.shape[-1], dtype=w.dtype, device=w.device)
        p = (gram - eye).square().sum(dim=(-2, -1))
        total = p if total is None else total + p
    if total is None:
        raise ValueError("weights is empty")
    return total


def linear_weights(model: nn.Module) -> list[torch.Tensor]:
    """The ``weight`` of every :class:`torch.nn.Linear` in ``model``, in module order."""
    return [m.weight for m in model.modules() if isinstance(m, nn.Linear)]
