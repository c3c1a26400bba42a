"""k-nearest-neighbour estimators of differential entropy and mutual information (nats).

* :func:`entropy_kl`, :func:`mi_kl`: Kozachenko-Leonenko (1987) entropy from the distance to the k-th
  neighbour; MI as H(X) + H(Y) - H(X, Y).
* :func:`entropy_wkl`, :func:`mi_wkl`: the weighted Kozachenko-Leonenko estimator of Berrett,
  Samworth & Yuan (2019), a weighted sum of the KL estimators for j = 1..k whose weights cancel the
  leading bias terms; the estimator Butakov et al. (2024) apply to compressed representations.
* :func:`mi_ksg`: Kraskov, Stoegbauer & Grassberger (2004), algorithm 1 (max-norm).

Modules, one idea each: ``_neighbours`` (the neighbour engine: ``method``, how each one searches
exactly with one answer for every method, threads and chunks), ``_ties`` (the tie check, the
:class:`TiedSamplesWarning` text, the jitter), ``entropy`` (:func:`entropy_kl`, :func:`entropy_wkl`,
the weights :func:`wkl_weights` and whitening) and ``mi`` (:func:`mi_kl`, :func:`mi_wkl`, :func:`mi_ksg`).

Ties. Max-norm distances are computed as max_c |a_c - b_c| by every method, so all methods see the
same floating-point numbers and agree exactly on ties; the KSG counts are strict (``<``), trees
query the radius ``nextafter(eps, 0)`` with ``<=``, which is the same set. Euclidean distances
(KL, WKL) may differ in the last bit between methods (summation order), far below any test
tolerance. Duplicate points give zero distances, for which the estimators are undefined (log 0, or
a KSG radius of 0): they raise a ``ValueError``; ``jitter`` adds a little Gaussian noise instead.

Tied samples, one rule for every estimator here. The estimators assume continuous densities
(Kozachenko & Leonenko 1987; Kraskov, Stoegbauer & Grassberger 2004), yet tied values are common
in information-plane data: exact zeros of ReLU units, saturated tanh units, quantized or float16
activations, binary inputs. On them the estimate depends on how the ties fall (KSG's neighbour
counts jump at tied distances): on 2000 pairs with correlation 0.9, ``mi_ksg(relu(x), y)`` gives
0.598 nats and 0.577 with ``jitter=1e-10``; on the 4096 distinct 12-bit inputs of the SZT task
and a tanh layer of them, 3.19 and 0.78. So, when no jitter is asked for (``jitter=0``, the
default), each sample (x, y) is checked for ties: if in some non-constant coordinate at least 1 %
of the samples share their value with another sample, a :class:`TiedSamplesWarning` gives that
fraction (and, for two samples, how many rows of (x, y) occur more than once) and the remedies:
``jitter=1e-10`` (or larger) breaks the ties with seeded Gaussian noise of ``jitter * std`` per
coordinate (scikit-learn's ``mutual_info_regression`` adds 1e-10 on coordinates scaled to unit
variance), removing repeated rows, or a discrete estimator for discrete data. With ``jitter > 0``
nothing is checked (the caller chose) and the estimate is that of the jittered samples, the same
for a given ``seed``. Zero distances the formula needs still raise the ``ValueError`` above, with
no warning. The check sorts each coordinate once, O(d N log N), little next to the neighbour
search. Constant coordinates are not ties (they add 0 to every distance); below 1 % (e.g. float32
round-off collisions in large samples) nothing is said.
"""

# METHODS, TIE_WARN_FRACTION and WKL_MAX_NORM are not in __all__ but are read as knn.NAME.
from ibcore.estimators.knn._neighbours import METHODS as METHODS
from ibcore.estimators.knn._ties import TIE_WARN_FRACTION as TIE_WARN_FRACTION
from ibcore.estimators.knn._ties import TiedSamplesWarning
from ibcore.estimators.knn.entropy import WKL_MAX_NORM as WKL_MAX_NORM
from ibcore.estimators.knn.entropy import entropy_kl, entropy_wkl, wkl_weight_norm, wkl_weights
from ibcore.estimators.knn.mi import mi_kl, mi_ksg, mi_wkl

__all__ = [
    "TiedSamplesWarning",
    "entropy_kl",
    "entropy_wkl",
    "mi_kl",
    "mi_ksg",
    "mi_wkl",
    "wkl_weights",
    "wkl_weight_norm",
]
