"""The neighbour engine of the k-NN estimators: k-NN distances and KSG radius counts.

Neighbour searches are exact. ``method`` picks how they are done, with one answer for every method:

``"tree"``
    scikit-learn :class:`~sklearn.neighbors.KDTree` queries on the CPU, in ``n_jobs`` threads
    (its queries release the GIL; SciPy's ``cKDTree.query`` does not, and its ``return_length``
    radius counts were 2-4x slower here). Each thread builds its own tree: threads sharing one
    tree ran no faster than one thread in our measurements (the query loop updates counters on
    the tree object). The points are queried in the joint tree's leaf order (2-4x faster than
    input order for 1e4-1e5 points), in chunks that the threads take as they free up, so that
    a thread slowed down by other jobs on the machine holds up no other. CUDA input is copied to
    the host.
``"brute"``
    torch, on the data's own device (the GPU path): ``torch.cdist`` in blocks of ``chunk_size``
    rows, then ``topk``/``kthvalue`` and counting, so memory stays O(chunk_size * N).
``"sort"``
    searches in one dimension by sorting and binary search in numpy on the CPU (the KSG marginal
    counts of a 1-D X or Y, the neighbours of 1-D data); searches in more dimensions as
    ``"auto"`` does them.
``"auto"`` (default)
    CUDA tensors: ``"brute"``. CPU: ``"sort"`` for 1-D searches and ``"tree"`` for the rest (the
    fastest exact choice in ``benchmarks/estimators.py``).
"""

from __future__ import annotations

import functools
import itertools
import math
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import torch
from sklearn.neighbors import KDTree

from ibcore._validation import check_choice, check_int, check_positive

__all__ = [
    "METHODS",
    "check_options",
    "check_n",
    "resolve_method",
    "to_numpy",
    "knn_distances",
    "knn_tree_ordered",
    "count_marginals",
    "ksg_brute",
]

METHODS = ("auto", "tree", "brute", "sort")
# KDTree leaf sizes (the answer does not depend on them). CPU time of Chebyshev queries on
# gaussian_pair data, 1e4-1e5 points, d = 4-8 per variable: k-NN fastest at 8-20 (12 % less than
# at scikit-learn's default 40 for N = 1e5), radius counts at 20-40.
_LEAF_KNN = 20
_LEAF_COUNT = 30
# Fewer rows than this per thread and the thread start-up costs more than it saves.
_MIN_ROWS_PER_THREAD = 2048
# Chunks of queries per thread, handed out as threads free up (load balance on a shared machine).
_CHUNKS_PER_THREAD = 8
# Default brute-force block: chunk_size * N distances per matrix (2**23 float64 = 64 MiB).
_BRUTE_ELEMENTS = 2**23


# --------------------------------------------------------------------------------------------
# input handling
# --------------------------------------------------------------------------------------------
def check_options(k: Any, method: Any, chunk_size: Any, n_jobs: Any, jitter: Any, seed: Any) -> dict:
    check_int(k, "k", minimum=1)
    check_choice(method, "method", METHODS)
    if chunk_size is not None:
        check_int(chunk_size, "chunk_size", minimum=1)
    if n_jobs is not None:
        check_int(n_jobs, "n_jobs", minimum=1)
    check_positive(jitter, "jitter", allow_zero=True)
    check_int(seed, "seed", minimum=0)
    return {"method": method, "chunk_size": chunk_size, "n_jobs": n_jobs}


def check_n(n: int, k: int) -> None:
    if n <= k:
        raise ValueError(f"need at least k + 1 = {k + 1} samples for k={k}, got N={n}")


def _n_threads(n_jobs: int | None) -> int:
    if n_jobs is not None:
        return n_jobs
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _chunk_rows(n: int, chunk_size: int | None) -> int:
    return chunk_size if chunk_size is not None else max(1, min(n, _BRUTE_ELEMENTS // n))


def resolve_method(method: str, t: torch.Tensor) -> str:
    """The search method for the points ``t`` (N, d): what ``"auto"`` and ``"sort"`` mean here."""
    on_cpu = t.device.type == "cpu"
    if method == "auto":
        method = "sort" if on_cpu else "brute"
    if method == "sort" and t.shape[1] > 1:
        return "tree" if on_cpu else "brute"
    return method


def _threads_for(n: int, n_jobs: int | None) -> int:
    """Threads for N queries: at most ``n_jobs`` (default: the CPUs), at least 2048 rows each."""
    return max(1, min(_n_threads(n_jobs), n // _MIN_ROWS_PER_THREAD))


def _chunks(n: int, threads: int) -> list[tuple[int, int]]:
    """Contiguous row ranges: one for one thread, else ``_CHUNKS_PER_THREAD`` per thread."""
    count = 1 if threads == 1 else threads * _CHUNKS_PER_THREAD
    bounds = np.linspace(0, n, count + 1).astype(int)
    return list(itertools.pairwise(bounds.tolist()))


def _run_tasks(tasks: list[Callable[[], np.ndarray]], threads: int) -> list[np.ndarray]:
    """Run the tasks on ``threads`` threads, each taking the next task as it frees up (so a thread
    slowed down by other work on a shared machine simply takes fewer); results in task order."""
    if threads == 1:
        return [task() for task in tasks]
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda task: task(), tasks))


class _PerThread:
    """One tree per thread, built on first use: scikit-learn's KDTree updates counters on the
    tree object while it queries, and threads sharing one tree ran no faster than one thread."""

    def __init__(self, make: Callable[[], Any], first: Any = None) -> None:
        self._make = make
        self._local = threading.local()
        if first is not None:  # already built: the creating thread's
            self._local.tree = first

    def get(self) -> Any:
        if not hasattr(self._local, "tree"):
            self._local.tree = self._make()
        return self._local.tree


def to_numpy(t: torch.Tensor) -> np.ndarray:
    return np.ascontiguousarray(t.detach().cpu().numpy())


# --------------------------------------------------------------------------------------------
# k-nearest-neighbour distances, (N, k): column j-1 holds the distance to the j-th neighbour
# --------------------------------------------------------------------------------------------
def knn_tree_ordered(
    z: torch.Tensor, k: int, metric: str, n_jobs: int | None
) -> tuple[torch.Tensor, np.ndarray]:
    """k-NN distances (N, k) by KDTree, and the order in which the points were queried.

    The points are queried in the tree's own leaf order (its ``idx_array``), not in input order:
    consecutive queries then walk the same nodes and find them in cache. The answer is the same
    (each query is independent); the time is not: 2x (N = 1e4) to 4x (N = 1e5) less for the
    Chebyshev k-NN query of 8-D Gaussian data. Contiguous chunks of that order go to the
    threads, so each also works on one region of the space.
    """
    a = to_numpy(z)
    n = a.shape[0]
    first = KDTree(a, leaf_size=_LEAF_KNN, metric=metric)
    order = np.asarray(first.get_arrays()[1])
    queries = a[order]
    threads = _threads_for(n, n_jobs)
    trees = _PerThread(lambda: KDTree(a, leaf_size=_LEAF_KNN, metric=metric), first)

    def task(start: int, stop: int) -> np.ndarray:
        # k + 1 neighbours include the point itself at distance 0; the sorted distances to all
        # points are {0} + {distances to others}, so columns 1..k are the 1st..k-th neighbours
        # even when duplicates make the returned index of column 0 another point.
        return trees.get().query(queries[start:stop], k=k + 1)[0][:, 1:]

    dist = np.empty((n, k))
    parts = _run_tasks([functools.partial(task, a_, b_) for a_, b_ in _chunks(n, threads)], threads)
    dist[order] = np.concatenate(parts)
    return torch.from_numpy(dist).to(z.device), order


def _knn_tree(z: torch.Tensor, k: int, metric: str, n_jobs: int | None) -> torch.Tensor:
    return knn_tree_ordered(z, k, metric, n_jobs)[0]


def _knn_brute(z: torch.Tensor, k: int, metric: str, chunk_size: int | None) -> torch.Tensor:
    n = z.shape[0]
    p = 2.0 if metric == "euclidean" else math.inf
    rows = _chunk_rows(n, chunk_size)
    out = []
    for start in range(0, n, rows):
        stop = min(start + rows, n)
        # 'donot_use_mm': the matrix-product shortcut loses precision for close points (it can
        # return 0 for distinct points) and would differ from the tree's distances.
        d = torch.cdist(z[start:stop], z, p=p, compute_mode="donot_use_mm_for_euclid_dist")
        i = torch.arange(stop - start, device=z.device)
        d[i, start + i] = math.inf  # exclude the point itself
        out.append(d.topk(k, dim=1, largest=False, sorted=True).values)
    return torch.cat(out)


def _knn_sort(u: torch.Tensor, k: int) -> torch.Tensor:
    """k-NN distances of 1-D data by sorting (numpy, CPU): the k nearest lie among the k left and k right.

    Rows come out in sorted order, not input order (the entropy estimators only average them).
    """
    us = np.sort(to_numpy(u)[:, 0])
    n = us.size
    pos = np.arange(n)[:, None] + np.concatenate([np.arange(-k, 0), np.arange(1, k + 1)])
    d = np.abs(us[np.clip(pos, 0, n - 1)] - us[:, None])
    d[(pos < 0) | (pos >= n)] = np.inf
    return torch.from_numpy(np.sort(d, axis=1)[:, :k]).to(u.device)


def knn_distances(
    z: torch.Tensor, k: int, metric: str, method: str, chunk_size: int | None, n_jobs: int | None
) -> torch.Tensor:
    how = resolve_method(method, z)
    if how == "sort":
        return _knn_sort(z, k)
    if how == "brute":
        return _knn_brute(z, k, metric, chunk_size)
    return _knn_tree(z, k, metric, n_jobs)


# --------------------------------------------------------------------------------------------
# KSG marginal counts: #{j != i : max-norm ||u_j - u_i|| < eps_i}
# --------------------------------------------------------------------------------------------
def _count_trees(
    us: list[torch.Tensor], eps: torch.Tensor, n_jobs: int | None, order: np.ndarray | None
) -> list[torch.Tensor]:
    """KSG counts in each of the spaces ``us`` by KDTree radius queries (``count_only``).

    Queries go in ``order`` (the joint tree's leaf order: near points, near radii). The chunks
    of all the spaces share one pool of threads, interleaved, so the x and y counts run side
    by side and no thread waits for another at the end of one space.
    """
    n = eps.shape[0]
    order = np.arange(n) if order is None else order
    radii = np.nextafter(to_numpy(eps), 0.0)[order]  # dist <= nextafter(eps, 0)  <=>  dist < eps
    threads = _threads_for(n, n_jobs)
    chunks = _chunks(n, threads)
    spaces = []
    for u in us:
        a = to_numpy(u)
        trees = _PerThread(functools.partial(KDTree, a, leaf_size=_LEAF_COUNT, metric="chebyshev"))
        spaces.append((trees, a[order]))
    tasks = [
        functools.partial(
            lambda t, q, r: t.get().query_radius(q, r, count_only=True),
            trees,
            queries[start:stop],
            radii[start:stop],
        )
        for start, stop in chunks
        for trees, queries in spaces
    ]
    results = _run_tasks(tasks, threads)
    out = []
    for m in range(len(us)):
        count = np.empty(n, dtype=np.int64)
        count[order] = np.concatenate(results[m :: len(us)])
        out.append(torch.from_numpy(count - 1).to(eps.device))  # -1: the point itself
    return out


def _first_true(us: np.ndarray, u: np.ndarray, eps: np.ndarray, upper: bool) -> np.ndarray:
    """For each i the first p with fl(us[p] - u[i]) >= eps[i] (upper) or > -eps[i] (lower).

    Both predicates are monotone in p, since fl(v - u_i) is non-decreasing in v. ``searchsorted``
    on u_i -+ eps_i (rounded differently) gives a start within a few floats of the answer; the
    loop then steps over whole runs of equal values until the predicate flips exactly there.
    """
    n = us.size
    bound = u + eps if upper else u - eps
    p = np.searchsorted(us, bound, side="left" if upper else "right")

    def pred(q: np.ndarray, idx: np.ndarray) -> np.ndarray:
        diff = us[q] - u[idx]
        return diff >= eps[idx] if upper else diff > -eps[idx]

    while True:
        i = np.flatnonzero(p > 0)
        down = i[pred(p[i] - 1, i)]
        if down.size:  # the value before p already satisfies it: go to the start of its run
            p[down] = np.searchsorted(us, us[p[down] - 1], side="left")
        i = np.flatnonzero(p < n)
        up = i[~pred(p[i], i)]
        if up.size:  # the value at p does not: go past its run
            p[up] = np.searchsorted(us, us[p[up]], side="right")
        if not down.size and not up.size:
            return p


def _count_sort(u: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """Counts for a 1-D u by binary search in the sorted values (numpy, CPU).

    {j : -eps_i < fl(u_j - u_i) < eps_i} is one run of the sorted array; searching on exactly those
    floating-point differences counts the same points as the tree and brute-force methods.
    """
    a, e = to_numpy(u)[:, 0], to_numpy(eps)
    order = np.argsort(a, kind="stable")  # queries in sorted order: faster searchsorted
    us, es = a[order], e[order]
    count = np.empty_like(order)
    count[order] = _first_true(us, us, es, upper=True) - _first_true(us, us, es, upper=False)
    return torch.from_numpy(count - 1).to(eps.device)  # -1: the point itself (difference 0 < eps)


def count_marginals(
    xt: torch.Tensor, yt: torch.Tensor, eps: torch.Tensor, method: str, n_jobs: int | None, order: np.ndarray
) -> tuple[torch.Tensor, torch.Tensor]:
    """KSG's two marginal counts: 1-D ones by sorting, the others by trees on one pool of threads."""
    tree_spaces = [u for u in (xt, yt) if resolve_method(method, u) == "tree"]
    counted = iter(_count_trees(tree_spaces, eps, n_jobs, order) if tree_spaces else [])
    return tuple(
        next(counted) if resolve_method(method, u) == "tree" else _count_sort(u, eps) for u in (xt, yt)
    )


def ksg_brute(
    x: torch.Tensor, y: torch.Tensor, k: int, chunk_size: int | None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """eps, n_x, n_y in one pass over blocks of rows: the marginal distances are reused."""
    n = x.shape[0]
    rows = _chunk_rows(n, chunk_size)
    eps, nx, ny = [], [], []
    for start in range(0, n, rows):
        stop = min(start + rows, n)
        dx = torch.cdist(x[start:stop], x, p=math.inf)
        dy = torch.cdist(y[start:stop], y, p=math.inf)
        dz = torch.maximum(dx, dy)
        i = torch.arange(stop - start, device=x.device)
        dz[i, start + i] = math.inf
        e = dz.kthvalue(k, dim=1).values[:, None]
        eps.append(e[:, 0])
        nx.append((dx < e).sum(dim=1) - 1)
        ny.append((dy < e).sum(dim=1) - 1)
    return torch.cat(eps), torch.cat(nx), torch.cat(ny)
