"""Decision-rule estimates: I(X; L-hat) and I(Y; L-hat) for the network's predicted class.

When L is the class the network predicts, L-hat = argmax of the output, L-hat has a finite
alphabet, I(X; L-hat) = H(L-hat) is finite for a deterministic network, and both quantities can
be estimated reliably with plug-in frequencies (Balda, Behboodi & Mathar 2018; Geiger 2021,
Sec. III-E). A whole recorded run (B epochs of the same N samples) is handled in one call.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import torch

from ibcore._validation import as_2d, as_groups, as_tensor, check_choice, check_labels, labels_by_keyword
from ibcore.estimators._discrete import code_entropy, dense_labels, label_entropy
from ibcore.interface import IXL, IYL

__all__ = ["DecisionRule", "DecisionResult", "mi_decision_rule"]


class DecisionResult(NamedTuple):
    """``i_xl`` = H(L-hat) = I(X; L-hat), ``i_yl`` = I(Y; L-hat) (``None`` without labels).

    Python floats for (N, C) / (N,) input, numpy float64 arrays of shape (B,) for (B, N, C).
    """

    i_xl: Any
    i_yl: Any


def _predictions(
    outputs: Any, device: str | torch.device | None, name: str = "outputs"
) -> tuple[torch.Tensor, bool]:
    """Predicted classes as int64 (B, N) and whether the input was batched (3-D)."""
    if not isinstance(outputs, (np.ndarray, torch.Tensor)):
        # lists, pandas: the shared reading rules (no complex, strings or ragged rows), so that a
        # 1-D Series is read as class indices like a 1-D array
        outputs = as_tensor(outputs, name)
    if outputs.ndim == 1:
        t = check_labels(outputs, name, device=device)  # predicted class indices
        return t[None], False
    t = as_2d(outputs, name, device=device, dtype=None, allow_batch=True)
    batched = t.ndim == 3
    if not batched:
        t = t[None]
    if t.shape[-1] == 1:
        raise ValueError(
            f"{name} has one column (shape {tuple(outputs.shape)}): the argmax of a single score is "
            "always class 0, so both estimates would be 0. Pass scores of shape (N, C) with C >= 2 "
            "classes, or the predicted classes as a 1-D array of shape (N,); for one logit of a "
            "binary classifier, (logit > 0).astype(int)[:, 0] or np.hstack([-logit, logit])"
        )
    # argmax returns the first maximal index: ties go to the lowest class index
    return torch.argmax(t, dim=-1), batched


@labels_by_keyword
def mi_decision_rule(
    outputs: Any,
    *,
    labels: Any = None,
    unit: str = "nats",
    device: str | torch.device | None = None,
) -> DecisionResult:
    r"""Plug-in I(X; L-hat) and I(Y; L-hat) for the predicted class L-hat = argmax of the output.

    .. math::

        \hat I(X;\hat L) = H(\hat L) = -\sum_c \hat p(c)\log\hat p(c), \qquad
        \hat I(Y;\hat L) = \sum_{c,y} \hat p(c,y) \log\frac{\hat p(c,y)}{\hat p(c)\,\hat p(y)}

    with frequencies over the N samples (Geiger 2021, Eqs. 2a-2b with Q = argmax; Balda et
    al. 2018).

    Parameters
    ----------
    outputs : array or tensor, shape (N, C), (B, N, C) or (N,)
        Network outputs (logits, probabilities or any scores; only their argmax is used) for
        N samples and C classes, optionally for B epochs of a recorded run; or 1-D predicted
        class indices (integers). 2-D input is always read as scores, of C >= 2 classes (one
        column is refused: its argmax is always 0).
    labels : array or tensor, shape (N,), optional
        True integer class labels (the same for every epoch). ``None``: no I(Y; L-hat).
    unit : {"nats", "bits"}, default "nats"
    device : str or torch.device, optional
        Default: the input tensor's device (numpy: CUDA if available).

    Returns
    -------
    DecisionResult
        ``(i_xl, i_yl)``; floats, or numpy arrays of shape (B,) for 3-D input.

    Raises
    ------
    ValueError
        Wrong ndim, empty or NaN/inf outputs, scores with one column (their argmax is always
        class 0: pass 1-D predicted classes instead), non-integer 1-D predictions, labels whose
        length is not N, unknown ``unit``.

    Notes
    -----
    I(X; L-hat) = H(L-hat) because L-hat is a deterministic function of X and the N inputs are
    taken to be distinct. Both estimates lie in [0, log C]; I(Y; L-hat) <= min(H(L-hat), H(Y)).
    With few samples per (class, prediction) cell the plug-in MI is biased upwards by about
    (C_used - 1)(K - 1) / (2N) nats. Ties in the scores go to the lowest class index.

    References
    ----------
    .. [1] E. R. Balda, A. Behboodi and R. Mathar, "An information theoretic view on learning
       of artificial neural networks", ICSPCS 2018; and "On the trajectory of stochastic
       gradient descent in the information plane", OpenReview 2018.
    .. [2] B. C. Geiger, "On information plane analyses of neural network classifiers - a
       review", IEEE TNNLS 2021, Eqs. (2a)-(2b) and Sec. III-E.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([0, 1, 2, 3])
    >>> r = mi_decision_rule(np.eye(4), labels=y)               # a perfect classifier
    >>> abs(r.i_xl - math.log(4)) < 1e-12, abs(r.i_yl - math.log(4)) < 1e-12   # H(Y) = log 4 for both
    (True, True)
    """
    check_choice(unit, "unit", ("nats", "bits"))
    pred, batched = _predictions(outputs, device)
    b, n = pred.shape
    pred = dense_labels(pred.reshape(-1)).view(b, n)  # classes 0..K-1 (same map for all epochs)
    n_pred = int(pred.max()) + 1
    h_l = code_entropy(pred, n_pred)
    i_yl = None
    if labels is not None:
        y = dense_labels(check_labels(labels, "labels", n=n, device=pred.device))
        k = int(y.max()) + 1
        h_ly = code_entropy(pred * k + y[None, :], n_pred * k)
        # H(L) + H(Y) - H(L,Y) >= 0 exactly for plug-in entropies; clamp round-off (~1e-16)
        i_yl = (h_l + label_entropy(y) - h_ly).clamp_(min=0.0)
    scale = 1.0 / math.log(2.0) if unit == "bits" else 1.0

    def out(v: torch.Tensor) -> Any:
        arr = v.detach().to("cpu", torch.float64).numpy() * scale
        return arr if batched else float(arr[0])

    return DecisionResult(out(h_l), None if i_yl is None else out(i_yl))


@dataclass(frozen=True)
class DecisionRule:
    """The decision-rule estimator as an object: :class:`~ibcore.interface.MIEstimator` and layer estimator.

    ``estimate(x, y)`` is the plug-in :math:`I(X; \\hat L)` for :math:`\\hat L` = argmax of the
    scores y, with the rows of x grouped by equality (distinct inputs give
    :math:`H(\\hat L)`, labels give :math:`I(Y; \\hat L)`). ``estimate_layer`` treats a layer of
    class scores (the output layer) at all epochs in one call.

    Examples
    --------
    >>> import numpy as np
    >>> abs(DecisionRule().estimate(np.array([0, 1, 2, 3]), np.eye(4)) - math.log(4)) < 1e-12
    True
    """

    device: str | torch.device | None = None

    @property
    def name(self) -> str:
        return "decision rule"

    def estimate(self, x: Any, y: Any) -> float:
        """Plug-in I(X; argmax y) in nats, x read as discrete (rows grouped by equality)."""
        pred, _ = _predictions(y, self.device, "y")
        groups = as_groups(x, "x", n=pred.shape[1], device=pred.device)
        return float(mi_decision_rule(pred[0], labels=groups, device=self.device).i_yl)

    def estimate_layer(self, acts: Any, *, x: Any, y: Any) -> dict[str, np.ndarray]:
        """I(X; L-hat) = H(L-hat) and I(Y; L-hat) of a layer of scores (E, N, C), arrays (E,) in nats."""
        res = mi_decision_rule(acts, labels=y, device=self.device)
        return {IXL: np.atleast_1d(res.i_xl), IYL: np.atleast_1d(res.i_yl)}
