"""The ratio table of issue 7: information planes at the speed of the hardware.

Usage::

    python benchmarks/speed.py [--run-epochs 10000] [--quick] [--skip kde,ksg,renyi,parallel]

Every row times ours and the anchor in the same process (see :mod:`ibcore.evaluation.benchmark`), so the
ratio holds on a machine other jobs share; the load average is printed before and after.

* KDE over a run: ``information_plane(run, KDE(noise_var=1e-3))`` on chapter 0's recorded run
  (SZT network, 10^4 epochs: 212 recorded epochs x 6 layers, N = 4096; from the run cache when
  chapter 0 ran, else trained here first, ~5 min on 2 cores) against Saxe et al.'s ``kde.py`` in
  numpy float64, timed on 6 layer-epochs spread over the run and projected to all of them;
* KSG: ``mi_ksg`` (k = 5, all CPUs) against the one-thread scikit-learn KDTree recipe on
  ``gaussian_pair(N, [0.6] * d)``, x and y each d-dimensional;
* Renyi: ``Renyi(n_subsample=n)`` on 4 epochs of every layer of the run, time per layer-epoch
  projected to the run, and how the estimate moves with n (against the largest n);
* parallel: ``information_plane`` on the run with KDE, binning and Renyi(n_subsample=256), here
  and with ``n_jobs=-1`` worker processes.

On a CUDA machine every row is measured on the CPU and again with ours on the GPU (same code).
"""

from __future__ import annotations

import argparse
import os
import time

import pandas as pd

from ibcore import KDE, Binning, Renyi
from ibcore.evaluation import benchmark as bench
from ibcore.interface import IXL, IYL

KSG_SETTINGS = [(10_000, 4), (100_000, 4), (10_000, 1), (100_000, 1), (10_000, 8)]
RENYI_SIZES = [256, 512, 1024, 2048]


def _s(v: float) -> str:
    return f"{v:.3g} s" if v < 100 else f"{v:.0f} s"


def kde_rows(run, device: str) -> list[dict]:
    r = bench.kde_run(run, noise_var=1e-3, anchor_samples=6, device=device)
    return [
        {
            "work": f"information_plane(run, KDE(noise_var=1e-3)), {r['layer-epochs']} layer-epochs, "
            f"N = {r['N']} [{device}]",
            "ours": _s(r["ours (s)"]),
            "anchor": f"Saxe kde.py in numpy: {r['anchor per layer-epoch (s)']:.3g} s x {r['layer-epochs']} "
            f"= {_s(r['anchor projected (s)'])}",
            "ratio": f"{r['ratio']:.1f}x",
            "agreement": f"{r['max |diff|']:.1e} nats",
        }
    ]


def ksg_rows(device: str, quick: bool) -> list[dict]:
    settings = [(n // 10, d) for n, d in KSG_SETTINGS] if quick else KSG_SETTINGS
    df = bench.ksg_vs_n(settings, device=device)
    return [
        {
            "work": f"mi_ksg, N = {int(r.N):,}, {int(r.d)}+{int(r.d)} dims, k = 5 [{device}]",
            "ours": _s(r["ours (s)"]),
            "anchor": f"KDTree KSG (NPEET way): {_s(r['anchor (s)'])}",
            "ratio": f"{r.ratio:.2f}x",
            "agreement": f"{r['|diff|']:.1e} nats",
        }
        for _, r in df.iterrows()
    ]


def renyi_table(run, device: str, quick: bool) -> pd.DataFrame:
    sizes = RENYI_SIZES[:2] if quick else RENYI_SIZES
    values, cost = bench.renyi_subsample(run, sizes, n_epochs=4, device=device)
    ref = values[values.n == max(sizes)].set_index(["layer", "epoch"])
    rows = []
    for n, part in values.groupby("n"):
        part = part.set_index(["layer", "epoch"])
        c = cost[cost.n == n].iloc[0]
        rows.append(
            {
                "n": n,
                "s per layer-epoch": round(c["s per layer-epoch"], 4),
                "run (projected)": _s(c["projected run (s)"]),
                f"mean {IXL}": round(part[IXL].mean(), 3),
                f"mean {IYL}": round(part[IYL].mean(), 3),
                f"mean |d {IXL}| vs n={max(sizes)}": round((part[IXL] - ref[IXL]).abs().mean(), 3),
                f"mean |d {IYL}| vs n={max(sizes)}": round((part[IYL] - ref[IYL]).abs().mean(), 3),
            }
        )
    return pd.DataFrame(rows)


def parallel_row(run) -> dict:
    ests = {"kde": KDE(noise_var=1e-3), "binning": Binning(), "renyi": Renyi(n_subsample=256)}
    r = bench.parallel_speedup([run], ests, n_jobs=-1)
    return {
        "work": f"information_plane(run, [KDE, Binning, Renyi(n_subsample=256)]): {r['jobs']} jobs, "
        f"n_jobs=-1 ({bench.machine()['cpus']} CPUs)",
        "ours": _s(r["parallel (s)"]),
        "anchor": f"n_jobs=1: {_s(r['sequential (s)'])}",
        "ratio": f"{r['speedup']:.2f}x",
        "agreement": "same frame" if r["same frame"] else f"frames differ by {r['max |diff|']:.1e} nats",
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--run-epochs", type=int, default=10_000, help="epochs of the SZT run (10^4: chapter 0's)"
    )
    parser.add_argument("--quick", action="store_true", help="KSG at N/10, Renyi at n = 256, 512 only")
    parser.add_argument("--skip", type=str, default="", help="comma-separated: kde, ksg, renyi, parallel")
    args = parser.parse_args(argv)
    skip = set(filter(None, args.skip.split(",")))
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 20)

    print("# issue 7 ratio table; machine:", bench.machine())
    t0 = time.perf_counter()
    run = None
    if skip != {"ksg"}:
        run = bench.szt_run(args.run_epochs, progress=False)
        print(
            f"# run: SZT, {args.run_epochs} epochs, {len(run.epochs)} recorded x {len(run.layers)} layers, "
            f"N = {len(run.y_eval)} ({'from the run cache' if run.from_cache else 'trained now'})"
        )
    rows = []
    renyi = {}
    for device in bench.devices():
        if "kde" not in skip:
            rows += kde_rows(run, device)
            print(rows[-1], flush=True)
        if "ksg" not in skip:
            rows += ksg_rows(device, args.quick)
            print(*rows[-len(KSG_SETTINGS) :], sep="\n", flush=True)
        if "renyi" not in skip:
            renyi[device] = renyi_table(run, device, args.quick)
    if "parallel" not in skip:
        rows.append(parallel_row(run))
    print(f"# total {time.perf_counter() - t0:.0f} s; load average now {os.getloadavg()[0]:.2f}\n")
    if rows:
        table = pd.DataFrame(rows)
        print("| " + " | ".join(table.columns) + " |")
        print("|" + "---|" * len(table.columns))
        for _, r in table.iterrows():
            print("| " + " | ".join(str(v) for v in r.to_numpy()) + " |")
    for device, table in renyi.items():
        layer_epochs = len(run.layers) * len(run.epochs)
        print(
            f"\nMatrix-based Renyi (alpha 1.01, Silverman widths) per run of {layer_epochs} layer-epochs "
            f"vs subsample size n [{device}]; full N = {len(run.y_eval)} not run (O(N^3) per matrix):"
        )
        print(table.to_string(index=False))


if __name__ == "__main__":
    main()
