"""Time, peak memory and answer of the MI estimators of ibcore on Gaussian data, side by side.

Usage::

    python benchmarks/estimators.py [--quick] [--sizes 1000 10000 100000] [--dims 2 8 16]
                                    [--only mi_ksg,kdtree_ksg] [--timeout 150] [--all]

Data: ``gaussian_pair(N, [0.6] * d)``, i.e. x and y each d-dimensional (joint dimension 2d), made of
d independent pairs with correlation 0.6; true I(X;Y) = -d/2 log(1 - 0.36) = 0.223 d nats.

Every case (estimator, N, d) runs in its own process, forked from a server process that has
imported ibcore, torch and scikit-learn and done nothing else. In that process the data are made,
one untimed warm-up call runs on the first 64 samples (one-time library initialisation is not
counted), ``ru_maxrss`` is read (``resource.getrusage``), the estimator is called once and timed
(wall clock, ``time.perf_counter``), and ``ru_maxrss`` is read again. "peak dRSS" is the rise of
the peak resident set size during the call: memory freed and re-used below the earlier peak is
missed, so it is a lower bound on the call's own peak (exact for one large allocation), and
small for calls that stay within the ~240 MB the imports already hold.

Side by side with ``mi_ksg`` (k=5, ``method="auto"``, all CPUs) the table shows

* ``kdtree_ksg``: a plain scikit-learn KDTree KSG written below (Chebyshev metric; ``query`` for
  the k-th neighbour, then ``query_radius(count_only=True)`` with ``nextafter(eps, 0)`` for the
  marginal counts, one thread), the NPEET / mutinfo way, and the absolute difference of the
  answers (same formula: it should be ~1e-15);
* ``sklearn_mir``: ``sklearn.feature_selection.mutual_info_regression`` (1-D x and y,
  n_neighbors=3). It standardises x and y (no centring) and adds noise of standard deviation
  1e-10 * max(1, mean |.|) drawn from ``RandomState(random_state)``, x's first; we pass
  ``random_state=0`` and replay exactly that preprocessing before ``mi_ksg(k=3)``
  (row ``mi_ksg_k3_sk``), so both see the same numbers and must agree to rounding (it also
  clips negative values at 0, which does not happen at rho = 0.6).

The other estimators of the library are timed by their public names when they import
(``ibcore.mi_edge``, ``mi_renyi``, ``mi_kde``, ``mi_binning``, ``mi_mine``; "not available"
otherwise). Only ``mi_edge``, ``mi_mine`` and ours estimate I(X;Y) of these continuous data;
``mi_renyi`` is the matrix-based Renyi alpha-MI, and ``mi_kde`` / ``mi_binning`` are
information-plane estimators of a layer (here T = y + noise of variance 0.1, resp. y binned,
with labels 1[x_1 > 0]): their answers are other quantities and are shown for completeness.

Cases known to be infeasible on a 2-core CPU are skipped with the reason printed (``--all`` runs
them anyway); a case running over ``--timeout`` seconds is stopped and shown as such.
Timings are wall-clock on a machine other jobs share: they are noisy, re-run key rows with
``--only``. The load average is printed before and after.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

RHO = 0.6
SKLEARN_K = 3
WARMUP = 64  # samples of the untimed warm-up call


# --------------------------------------------------------------------------------------------
# the baseline: plain scikit-learn KDTree KSG (one thread), shared with benchmarks/speed.py
# --------------------------------------------------------------------------------------------
def kdtree_ksg(x, y, k: int = 5) -> float:
    """KSG (algorithm 1) with sklearn KDTrees, Chebyshev metric, single-threaded: the usual recipe."""
    from ibcore.evaluation.benchmark import kdtree_ksg as anchor

    return anchor(x, y, k=k)


def _sklearn_preprocess(x, y, random_state: int = 0):
    """Replay mutual_info_regression's scaling and 1e-10 noise (x first, then y) on 1-D x, y."""
    import numpy as np
    from sklearn.preprocessing import scale

    rng = np.random.RandomState(random_state)
    xs = scale(x.reshape(-1, 1), with_mean=False)
    xs += 1e-10 * np.maximum(1, np.mean(np.abs(xs), axis=0)) * rng.standard_normal(size=xs.shape)
    ys = scale(y.ravel(), with_mean=False)
    ys += 1e-10 * np.maximum(1, np.mean(np.abs(ys))) * rng.standard_normal(size=ys.shape[0])
    return xs, ys


# --------------------------------------------------------------------------------------------
# cases
# --------------------------------------------------------------------------------------------
def _lib(name: str) -> Callable[..., Any]:
    import ibcore

    return getattr(ibcore, name)  # AttributeError -> "not available"


def _answer(result: Any) -> str:
    """A short string for an estimator's result (float, Bounds-like, MINEResult, ...)."""
    if isinstance(result, (int, float)):
        return f"{float(result):.4f}"
    for attr in ("estimate", "mi"):
        if hasattr(result, attr):
            return _answer(getattr(result, attr))
    if hasattr(result, "i_xl"):  # KDE / binning results: I(X;L) (bounds)
        return "I(X;L)=" + _answer(result.i_xl)
    if hasattr(result, "lower") and hasattr(result, "upper"):
        return f"[{_answer(result.lower)}, {_answer(result.upper)}]"
    try:
        import numpy as np

        return f"{float(np.asarray(result).ravel()[0]):.4f}"
    except Exception:  # noqa: BLE001 - only for display
        return type(result).__name__


def _run(name: str, x, y) -> Any:
    """Call estimator ``name`` on (x, y) and return its result."""
    import numpy as np

    if name == "mi_ksg":
        return _lib("mi_ksg")(x, y, k=5, device="cpu")
    if name == "mi_ksg_brute":
        return _lib("mi_ksg")(x, y, k=5, method="brute", device="cpu")
    if name == "kdtree_ksg":
        return kdtree_ksg(x, y, k=5)
    if name == "mi_kl":
        return _lib("mi_kl")(x, y, k=1, device="cpu")
    if name == "mi_wkl":
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # weight-norm warning: see the note
            return _lib("mi_wkl")(x, y, k=5, device="cpu")
    if name == "sklearn_mir":
        from sklearn.feature_selection import mutual_info_regression

        return float(mutual_info_regression(x, y.ravel(), n_neighbors=SKLEARN_K, random_state=0)[0])
    if name == "mi_ksg_k3_sk":
        xs, ys = _sklearn_preprocess(x, y)
        return _lib("mi_ksg")(xs, ys, k=SKLEARN_K, device="cpu")
    if name == "mi_edge":
        return _lib("mi_edge")(x, y, device="cpu")
    if name == "mi_renyi":
        return _lib("mi_renyi")(x, y, device="cpu")
    if name == "mi_kde":
        return _lib("mi_kde")(y, None, noise_var=0.1, device="cpu")
    if name == "mi_binning":
        return _lib("mi_binning")(y, (x[:, 0] > 0).astype(np.int64))
    if name == "mi_mine":
        return _lib("mi_mine")(x, y, device="cpu")
    raise ValueError(f"unknown estimator {name!r}")


def _case(name: str, n: int, d: int, conn) -> None:
    """Child process: make the data, measure one call, send (answer, value, seconds, peak dMB)."""
    import resource

    from ibcore.ground_truth import gaussian_pair

    try:
        x, y, _ = gaussian_pair(n, [RHO] * d, seed=0)
        if name != "mi_mine":  # warm-up: one-time library initialisation is not timed
            _run(name, x[:WARMUP], y[:WARMUP])
        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0 = time.perf_counter()
        result = _run(name, x, y)
        secs = time.perf_counter() - t0
        rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        value = float(result) if isinstance(result, (int, float)) else None
        conn.send(("ok", _answer(result), value, secs, (rss1 - rss0) / 1024))  # ru_maxrss is in KiB on Linux
    except (ImportError, AttributeError) as err:
        conn.send(("n/a", f"not available ({type(err).__name__}: {err})", None, None, None))
    except Exception as err:  # noqa: BLE001 - reported in the table
        conn.send(("error", f"{type(err).__name__}: {str(err)[:90]}", None, None, None))
    finally:
        conn.close()


@dataclass
class Row:
    name: str
    n: int
    d: int
    status: str
    answer: str
    value: float | None = None
    secs: float | None = None
    mb: float | None = None
    note: str = ""


def _measure(ctx, name: str, n: int, d: int, timeout: float) -> Row:
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_case, args=(name, n, d, send))
    t0 = time.perf_counter()
    proc.start()
    send.close()
    if recv.poll(timeout):
        try:
            status, answer, value, secs, mb = recv.recv()
        except EOFError:
            status, answer, value, secs, mb = (
                "error",
                f"process died (exit {proc.exitcode})",
                None,
                None,
                None,
            )
        proc.join()
        return Row(name, n, d, status, answer, value, secs, mb)
    proc.terminate()
    proc.join()
    return Row(name, n, d, "timeout", f"stopped after {time.perf_counter() - t0:.0f} s", secs=None)


# --------------------------------------------------------------------------------------------
# which cases, and which are skipped by design
# --------------------------------------------------------------------------------------------
MAIN = [
    "mi_ksg",
    "kdtree_ksg",
    "mi_ksg_brute",
    "mi_kl",
    "mi_wkl",
    "mi_edge",
    "mi_renyi",
    "mi_kde",
    "mi_binning",
    "mi_mine",
]
SKLEARN = ["sklearn_mir", "mi_ksg_k3_sk"]


def skip_reason(name: str, n: int, d: int) -> str | None:
    """Why (estimator, N, d) is not run by default, or None. d = dim of x = dim of y."""
    knn = {"mi_ksg", "kdtree_ksg", "mi_ksg_brute", "mi_kl", "mi_wkl"}
    if name in knn and n >= 100_000 and d >= 16:
        return (
            "32-D joint space: kd-trees degrade to brute force, ~1e10 distance evaluations; "
            "> 10 min on 2 cores"
        )
    if name in ("mi_kl", "mi_wkl") and n >= 100_000 and d >= 8:
        return (
            "measured 80 s (mi_kl) and 121 s (mi_wkl) on 2 shared cores; skipped to keep the default "
            "run under 10 min"
        )
    if name == "mi_ksg_brute" and n >= 100_000:
        return "CPU brute force: N^2 = 1e10 max-norm distances (the GPU path), minutes on 2 cores"
    if name == "mi_renyi" and n >= 10_000:
        return "O(N^3) eigendecompositions of N x N Gram matrices (0.8 GB each at N=1e4)"
    if name == "mi_kde" and n >= 100_000:
        return "O(N^2 d) pairwise distances (1e10 pairs)"
    if name == "mi_mine" and n != 10_000:
        return "training cost (2000 Adam steps, batch 256) does not depend on N: timed at N=1e4 only"
    return None


def _fmt(v: float | None, spec: str) -> str:
    return "-" if v is None else format(v, spec)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="N=1000, d in {2, 8}; sklearn at 1e3, 1e4")
    parser.add_argument("--sizes", type=int, nargs="+", help="sample sizes N")
    parser.add_argument("--dims", type=int, nargs="+", help="d = dim of x = dim of y")
    parser.add_argument("--only", type=str, default=None, help="comma-separated estimator names")
    parser.add_argument("--timeout", type=float, default=None, help="seconds per case")
    parser.add_argument("--all", action="store_true", help="also run the cases skipped by design")
    args = parser.parse_args(argv)

    sizes = args.sizes or ([1000] if args.quick else [1000, 10_000, 100_000])
    dims = args.dims or ([2, 8] if args.quick else [2, 8, 16])
    sk_sizes = args.sizes or ([1000, 10_000] if args.quick else [1000, 10_000, 100_000])
    timeout = args.timeout or (20.0 if args.quick else 200.0)
    only = set(args.only.split(",")) if args.only else None
    main_names = [m for m in MAIN if (only is None or m in only) and not (args.quick and m == "mi_mine")]
    sk_names = [m for m in SKLEARN if only is None or m in only]

    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["ibcore", "torch", "sklearn.neighbors", "sklearn.feature_selection"])

    import torch

    print(
        f"# ibcore estimator benchmark  ({platform.processor() or platform.machine()}, "
        f"{len(os.sched_getaffinity(0))} CPUs, torch {torch.__version__}, "
        f"load average {os.getloadavg()[0]:.2f})"
    )
    print(
        f"# data: gaussian_pair(N, [{RHO}] * d): x, y each (N, d), "
        f"true MI = {-0.5 * math.log(1 - RHO**2):.4f} * d"
    )
    t_start = time.perf_counter()
    rows: list[Row] = []
    for n in sizes:
        for d in dims:
            for name in main_names:
                reason = None if args.all else skip_reason(name, n, d)
                row = (
                    Row(name, n, d, "skip", "skipped", note=reason)
                    if reason
                    else _measure(ctx, name, n, d, timeout)
                )
                rows.append(row)
                _print_row(row, d, rows)
    for n in sk_sizes:
        for name in sk_names:
            row = _measure(ctx, name, n, 1, timeout)
            rows.append(row)
            _print_row(row, 1, rows)
    print(f"# total {time.perf_counter() - t_start:.0f} s, load average now {os.getloadavg()[0]:.2f}")
    print()
    _print_table(rows)


def _true_mi(d: int) -> float:
    return -0.5 * d * math.log(1 - RHO**2)


def _diff_note(row: Row, rows: list[Row]) -> str:
    if row.name == "mi_wkl" and row.status == "ok":
        from ibcore.estimators.knn import wkl_weights

        norms = ", ".join(
            f"{dd}-D {float((wkl_weights(5, dd) ** 2).sum() ** 0.5):.3g}" for dd in sorted({row.d, 2 * row.d})
        )
        return f"weight norms (k=5): {norms}"
    partner = {"kdtree_ksg": "mi_ksg", "mi_ksg_brute": "mi_ksg", "mi_ksg_k3_sk": "sklearn_mir"}.get(row.name)
    if partner is None or row.value is None:
        return ""
    other = next(
        (r for r in rows if r.name == partner and r.n == row.n and r.d == row.d and r.value is not None), None
    )
    if other is None:
        return ""
    speed = f"; {partner} takes {other.secs / row.secs:.2f}x this time" if other.secs and row.secs else ""
    return f"abs diff vs {partner} = {abs(row.value - other.value):.1e}{speed}"


def _print_row(row: Row, d: int, rows: list[Row]) -> None:
    note = row.note or _diff_note(row, rows)
    print(
        f"{row.name:14s} N={row.n:<7d} d={d:<3d} {row.status:7s} {row.answer:>22s}  "
        f"true={_true_mi(d):.4f}  t={_fmt(row.secs, '.3f')} s  peak dRSS={_fmt(row.mb, '.1f')} MB  {note}",
        flush=True,
    )


def _print_table(rows: list[Row]) -> None:
    print("| estimator | N | d | answer (nats) | true MI | time (s) | peak dRSS (MB) | note |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        note = r.note or _diff_note(r, rows) or (r.status if r.status not in ("ok",) else "")
        answer = r.answer if r.status in ("ok",) else ("-" if r.status == "skip" else r.answer)
        print(
            f"| {r.name} | {r.n} | {r.d} | {answer} | {_true_mi(r.d):.3f} | {_fmt(r.secs, '.3f')} | "
            f"{_fmt(r.mb, '.1f')} | {note} |"
        )


if __name__ == "__main__":
    main()
