"""Plug-in statistics of discrete symbols, shared by the binning, decision-rule and EDGE estimators.

Rows of integer codes are reduced to int64 keys (exactly when the codes fit in 62 bits, else by
two independent splitmix64 hashes), and plug-in entropies are computed from the counts of equal
keys, batched over a leading epoch axis. Also: relabelling symbols as 0..K-1.

Plug-in entropies are computed as :math:`\\log N - \\frac1N \\sum_q n_q \\log n_q`; the exact value
lies in [0, log N], and the rounding-level negatives this form gives for a single symbol are
clamped to +0.0 here, once, for every estimator that uses it.
"""

from __future__ import annotations

import math

import torch

__all__ = [
    "mix64",
    "row_keys",
    "entropy_of_keys",
    "row_entropy",
    "code_entropy",
    "label_entropy",
    "dense_labels",
]

# splitmix64 constants (Steele, Lea & Flood 2014), written as signed int64 because torch has no
# uint64 arithmetic; int64 multiplication and addition wrap modulo 2**64 in torch as in C.
_GOLDEN = 0x9E3779B97F4A7C15 - (1 << 64)
_MIX1 = 0xBF58476D1CE4E5B9 - (1 << 64)
_MIX2 = 0x94D049BB133111EB - (1 << 64)
_SEEDS = (0x243F6A8885A308D3, 0x13198A2E03707344)  # two fixed, independent hash seeds


def _srl(z: torch.Tensor, s: int) -> torch.Tensor:
    """Logical right shift of int64 (torch's ``>>`` is arithmetic)."""
    return (z >> s) & ((1 << (64 - s)) - 1)


def mix64(z: torch.Tensor) -> torch.Tensor:
    """splitmix64 finalizer: a bijection of 64-bit words that scrambles every input bit.

    Written by hand because torch has no row-hashing primitive; ``torch.unique(dim=0)`` would
    need a Python loop over epochs.
    """
    z = z + _GOLDEN
    z = (z ^ _srl(z, 30)) * _MIX1
    z = (z ^ _srl(z, 27)) * _MIX2
    return z ^ _srl(z, 31)


def row_keys(codes: torch.Tensor) -> list[torch.Tensor]:
    """Turn each row of integer codes (B, N, k) into one or two int64 keys of shape (B, N).

    If the mixed-radix number of the row fits in 62 bits the key is exact (one key, no
    collisions). Otherwise each row is hashed twice with independent seeds,
    ``h = sum_j mix64(code_j + salt_j)``, and rows are compared on the pair (h1, h2).
    """
    lo = codes.amin(dim=(0, 1))
    hi = codes.amax(dim=(0, 1))
    radix = (hi - lo + 1).tolist()
    if sum(math.log2(r) for r in radix) < 62:
        strides, s = [], 1
        for r in radix:
            strides.append(s)
            s *= r
        stride_t = torch.tensor(strides, dtype=torch.int64, device=codes.device)
        return [((codes - lo) * stride_t).sum(dim=-1)]
    cols = torch.arange(codes.shape[-1], dtype=torch.int64, device=codes.device)
    keys = []
    for seed in _SEEDS:
        salt = mix64(mix64(cols + seed))
        keys.append(mix64(codes + salt).sum(dim=-1))
    return keys


def _entropy_from_counts(counts: torch.Tensor, n: int) -> torch.Tensor:
    """log n - sum xlogy(c, c) / n along the last axis, clamped to [0, log n] (float64)."""
    counts = counts.to(torch.float64)
    h = math.log(n) - torch.special.xlogy(counts, counts).sum(dim=-1) / n
    return h.clamp_(min=0.0, max=math.log(n))


def entropy_of_keys(keys: list[torch.Tensor]) -> torch.Tensor:
    """Plug-in entropy (nats) of the rows of each epoch, from their keys; returns (B,) float64."""
    k1 = keys[0]
    b, n = k1.shape
    if len(keys) == 1:
        s1, _ = torch.sort(k1, dim=1)
        change = s1[:, 1:] != s1[:, :-1]
    else:
        # lexicographic sort on (k1, k2): stable sort by the minor key, then by the major key
        k2 = keys[1]
        _, order = torch.sort(k2, dim=1, stable=True)
        _, order2 = torch.sort(torch.gather(k1, 1, order), dim=1, stable=True)
        order = torch.gather(order, 1, order2)
        s1, s2 = torch.gather(k1, 1, order), torch.gather(k2, 1, order)
        change = (s1[:, 1:] != s1[:, :-1]) | (s2[:, 1:] != s2[:, :-1])
    new_run = torch.cat([torch.ones(b, 1, dtype=torch.bool, device=k1.device), change], dim=1)
    run_id = new_run.cumsum(dim=1) - 1 + n * torch.arange(b, device=k1.device)[:, None]
    counts = torch.bincount(run_id.reshape(-1), minlength=b * n).view(b, n)
    return _entropy_from_counts(counts, n)


def row_entropy(codes: torch.Tensor) -> torch.Tensor:
    """Plug-in entropy (nats) of the rows of integer codes (B, N, k), per epoch; (B,) float64."""
    return entropy_of_keys(row_keys(codes))


def code_entropy(codes: torch.Tensor, n_sym: int) -> torch.Tensor:
    """Plug-in entropy (nats) of each row of small integer codes (B, N) in 0..n_sym-1; (B,) float64."""
    b, n = codes.shape
    flat = codes + n_sym * torch.arange(b, device=codes.device)[:, None]
    counts = torch.bincount(flat.reshape(-1), minlength=b * n_sym).view(b, n_sym)
    return _entropy_from_counts(counts, n)


def label_entropy(labels: torch.Tensor) -> float:
    """Plug-in entropy (nats) of labels coded 0..K-1."""
    return float(_entropy_from_counts(torch.bincount(labels), labels.numel()))


def dense_labels(labels: torch.Tensor) -> torch.Tensor:
    """Relabel arbitrary integer labels as 0..K-1 (so they take little room in a row key)."""
    return torch.unique(labels, return_inverse=True)[1]
