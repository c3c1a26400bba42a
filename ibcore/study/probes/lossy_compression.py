"""Chapter 3's probe: the synthetic images and the MNIST part, projected from short measured runs."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ibcore.study.probes._timing import (
    fixed_and_per,
    lengths,
    min_time,
    timed,
    units,
    with_params,
)

if TYPE_CHECKING:
    from ibcore.study.profiles import Settings

__all__ = ["lossy_compression_probe"]


_HELD_UNIT = 256
"""Held-out images of the throw-away autoencoders that give the dimension sweep's codes (fits not timed)."""


def lossy_compression_probe(
    settings: Settings,
    *,
    ae_epochs: tuple[int, int] = (1, 2),
    mine_iters: tuple[int, int] = (50, 100),
    kde_pairs: int | None = None,
    cnn_images: tuple[int, int] = (2048, 4096),
    x_ae_images: tuple[int, int] = (1280, 2560),
    layer_ae_epochs: tuple[int, int] = (1, 2),
    repeats: int = 2,
) -> list[tuple[str, float]]:
    """Chapter 3's main costs at ``settings`` on this machine, projected from short measured runs.

    Every unit runs the chapter's own code (:mod:`ibcore.study.chapters.lossy_compression`) at the
    sizes of ``settings`` on ``settings.device``, with :data:`PAGE_THREADS` threads as the page
    runs, without the run cache; each is timed ``repeats`` times and its least time kept
    (:func:`~ibcore.study.probes.min_time`). Where a unit has a fixed start-up cost it is timed
    at two lengths: ``fixed, per = T(lo), (T(hi) - T(lo)) / (hi - lo)`` (:func:`_line`), and a
    part costs ``fixed + per * n`` for the ``n`` the settings ask for (where timing noise makes the
    difference non-positive, ``per = T(hi) / hi``, an upper bound). Below, "tasks" are the two
    synthetic tasks (bumps, rectangles), ``G``/``S`` the points of ``mi_grid``/``seeds``, ``R`` the
    points of ``raw_grid`` that lie on ``mi_grid`` (the raw baselines run there only), ``K`` those
    of ``raw_grid``.

    Parameters
    ----------
    settings : Settings
        The page's settings (:func:`ibcore.study.profiles.setup`), e.g. at ``paper``.
    ae_epochs : (int, int)
        Epochs of the two timed fits of each task's autoencoder (``ae_method`` on ``ae_samples``).
    mine_iters : (int, int)
        Iterations of the two timed :class:`~ibcore.study.chapters.lossy_compression.RawMINE` fits
        per task (multiples of its evaluation interval, 50, count the held-out evaluations).
    kde_pairs : int or None
        Pairs of the KDE unit; ``None``: ``kde_samples`` on a GPU, else 1024. A unit smaller than
        ``kde_samples`` is scaled by the pair count, ``(kde_samples / kde_pairs) ** 2`` (the
        estimator's work is 40 bandwidths over every pair): a lower bound on a CPU, where the
        per-pair cost rises once its 1024-row blocks outgrow the cache (at 5000 pairs about 3x the
        cost pair-scaled from 1024 on our 2-core CPU, where one call took 1-2 min), and the part
        says so.
    cnn_images : (int, int)
        MNIST training images of the CNN units (they must differ by at least one batch).
    x_ae_images : (int, int)
        MNIST images of the X-autoencoder units.
    layer_ae_epochs : (int, int)
        Epochs of the two timed ablation runs (layers by dense autoencoders).
    repeats : int
        Timings per unit (the least is kept).

    Returns
    -------
    list of (str, float)
        ``(part, seconds)``, each part naming the count it projects:

        - compressors: ``sum over tasks of fixed + per_epoch * ae_epochs``, plus each PCA fit (timed
          once at ``ae_samples``);
        - synthetic grid: ``G * S * sum over tasks of T(one grid point)``, a point being
          :func:`~ibcore.evaluation.image_benchmark.synthetic_benchmark` with the page's estimators
          on AE and PCA codes and on the latents at ``n_samples`` pairs (pairs drawn and encoded);
        - KSG on raw images: ``R * sum over tasks of T(one call at raw_samples pairs)``;
        - MINE on raw images: ``R * sum over tasks of fixed + per_iteration * mine_iters``;
        - KDE on AE codes: ``K * sum over tasks and rules (ML, LSCV) of T(kde_pairs) * (kde_samples
          / kde_pairs) ** 2``;
        - sweeps: ``G * T(one point of the k sweep) + G * sum over code dims of T(one point) + F *
          (fixed + per_epoch * ae_epochs)`` with the bumps autoencoder's unit for each of the F
          further autoencoders (the same net but for its code width);
        - MNIST CNN: from three runs of the first seed, T(1 epoch, n1), T(2, n1), T(2, n2) images:
          ``per_step = (T(2, n2) - T(2, n1)) / (2 * (b(n2) - b(n1)))`` with ``b(n) = ceil(n /
          batch_size)``, ``record = T(2, n1) - T(1, n1) - per_step * b(n1)`` (the per-epoch
          recording on ``eval_samples``), ``start = T(1, n1) - record - per_step * b(n1)``;
          ``len(cnn_seeds) * (start + cnn_epochs * (record + per_step * b(cnn_train)))``;
        - X autoencoder: from T(1 epoch, n1), T(2, n1), T(2, n2): ``per_image_epoch``,
          ``per_image_once`` (the final errors) and ``start``; ``start + x_ae_samples *
          (x_ae_epochs * per_image_epoch + per_image_once)``, at most (early stopping may end it
          sooner);
        - information plane: ``len(cnn_seeds) * (fixed + per_epoch * E)`` from the plane of the
          unit run at 1 and 2 recorded epochs, ``E`` the recorded epochs of ``cnn_epochs``;
        - layer ablation: ``fixed + P * (point + per_ae_epoch * layer_ae_epochs)`` from the plane
          by dense autoencoders at 1 recorded epoch and the two ``layer_ae_epochs`` (``fixed`` the
          plane's, ``P`` the ablation epochs of ``ablation_points``), plus the unwhitened plane of
          one run, ``fixed + per_epoch * E`` by the plane's unit (whitening 8 coordinates costs
          nothing).

        Left out as negligible: the example pairs, the accuracy table, the WKL weight norms, the
        whitening demo (8 kNN estimates on 5000 Gaussian pairs), the cost table, the phases and
        loss drops, the figures and the claims.

    Raises
    ------
    ValueError
        Lengths that are not two increasing positive ints, ``cnn_images`` within one batch,
        ``kde_pairs < 3`` or a bad ``repeats``.
    """
    ae = lengths(ae_epochs, "ae_epochs")
    mine = lengths(mine_iters, "mine_iters")
    cnn = lengths(cnn_images, "cnn_images")
    xae = lengths(x_ae_images, "x_ae_images", minimum=20)
    lae = lengths(layer_ae_epochs, "layer_ae_epochs")
    if math.ceil(cnn[1] / settings.batch_size) == math.ceil(cnn[0] / settings.batch_size):
        raise ValueError(
            f"cnn_images {cnn} fall in as many batches of {settings.batch_size}: give counts at least "
            "one batch apart"
        )
    if kde_pairs is not None and (
        isinstance(kde_pairs, bool) or not isinstance(kde_pairs, int) or kde_pairs < 3
    ):
        raise ValueError(f"kde_pairs must be None or an int >= 3, got {kde_pairs!r}")
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"repeats must be an int >= 1, got {repeats!r}")
    with units():
        parts, comps, bumps_ae = _synthetic(settings, ae, mine, kde_pairs, repeats)
        parts += _sweeps(settings, comps, bumps_ae, repeats)
        parts += _mnist(settings, cnn, xae, lae, repeats)
    return parts


def _synthetic(
    s: Settings, ae: tuple[int, int], mine: tuple[int, int], kde_pairs: int | None, repeats: int
) -> tuple[list[tuple[str, float]], dict[str, dict[str, Any]], tuple[float, float]]:
    """The compressors, the grid on codes, the raw baselines and the KDE estimators."""
    from ibcore.compression import fit_compressor
    from ibcore.estimators.knn import mi_ksg
    from ibcore.evaluation.image_benchmark import synthetic_benchmark
    from ibcore.ground_truth.images import TASKS, image_pair
    from ibcore.study.chapters.lossy_compression import RawMINE, code_estimators, kde_estimators
    from ibcore.study.chapters.lossy_compression.synthetic import ae_options, held_out_images

    comps: dict[str, dict[str, Any]] = {}
    unit: dict[str, tuple[float, float]] = {}
    fits = 0.0
    for task, (dim, _) in TASKS.items():
        held = held_out_images(task, s)
        times, fitted = [], None
        for e in ae:
            sec, fitted = min_time(
                lambda e=e, held=held, dim=dim: fit_compressor(
                    held, dim, method=s.ae_method, **ae_options(with_params(s, ae_epochs=e))
                ),
                repeats,
            )
            times.append(sec)
        unit[task] = fixed_and_per(times, ae)
        pca_sec, pca = min_time(
            lambda held=held, dim=dim: fit_compressor(held, dim, method="pca", seed=s.seed), repeats
        )
        comps[task] = {"AE": fitted, "PCA": pca}
        fits += unit[task][0] + unit[task][1] * s.ae_epochs + pca_sec
    n_tasks = len(TASKS)
    parts = [
        (
            f"compressors {n_tasks} tasks x {s.ae_method} AE {s.ae_epochs} epochs on {s.ae_samples} "
            "images + PCA",
            fits,
        )
    ]

    seed0 = s.seeds[0]
    mi = float(s.mi_grid[len(s.mi_grid) // 2])
    codes = code_estimators(s.k)
    latent = {name: codes[name] for name in ("WKL", "KL")}  # as synthetic_grid
    point = sum(
        timed(
            lambda task=task: synthetic_benchmark(
                task,
                [mi],
                [seed0],
                n=s.n_samples,
                compressors=comps[task],
                estimators=codes,
                latent_estimators=latent,
                progress=False,
            ),
            repeats,
        )
        for task in TASKS
    )
    n_grid, n_seeds = len(s.mi_grid), len(s.seeds)
    parts.append(
        (
            f"synthetic grid {n_tasks} tasks x {n_grid} MIs x {n_seeds} seeds on {s.n_samples} pairs",
            point * n_grid * n_seeds,
        )
    )

    raw_set = {float(r) for r in s.raw_grid}
    n_raw = sum(float(m) in raw_set for m in s.mi_grid)  # synthetic_benchmark: raw points lie on mi_grid
    m = min(s.raw_samples, s.n_samples)
    mi_raw = float(s.raw_grid[len(s.raw_grid) // 2])
    ksg = mine_cost = 0.0
    for task in TASKS:
        pair = image_pair(task, m, mi_raw, seed=seed0)
        rx, ry = pair.x.reshape(m, -1), pair.y.reshape(m, -1)
        ksg += timed(lambda rx=rx, ry=ry: mi_ksg(rx, ry, k=s.k), repeats)  # synthetic_grid's ksg_raw
        times = [timed(lambda n=n, rx=rx, ry=ry: RawMINE(n, s.seed, s.device)(rx, ry), repeats) for n in mine]
        fixed, per = fixed_and_per(times, mine)
        mine_cost += fixed + per * s.mine_iters
    parts.append((f"KSG on raw images {n_tasks} tasks x {n_raw} MIs on {m} pairs", n_raw * ksg))
    parts.append(
        (
            f"MINE on raw images {n_tasks} tasks x {n_raw} MIs x {s.mine_iters} iterations on {m} pairs",
            n_raw * mine_cost,
        )
    )

    on_gpu = str(s.device).startswith("cuda")
    n_kde = min(s.kde_samples, kde_pairs if kde_pairs is not None else (s.kde_samples if on_gpu else 1024))
    kde = 0.0
    for task in TASKS:
        pair = image_pair(task, n_kde, mi_raw, seed=seed0)
        zx, zy = comps[task]["AE"].encode(pair.x), comps[task]["AE"].encode(pair.y)
        for fn in kde_estimators(s.device).values():
            kde += timed(lambda fn=fn, zx=zx, zy=zy: fn(zx, zy), repeats) * (s.kde_samples / n_kde) ** 2
    scaled = f" (pair-scaled from {n_kde} pairs: a lower bound)" if n_kde < s.kde_samples else ""
    n_k = len(s.raw_grid)
    parts.append(
        (f"KDE-ML and KDE-LSCV {n_tasks} tasks x {n_k} MIs on {s.kde_samples} pairs{scaled}", n_k * kde)
    )
    return parts, comps, unit["bumps"]


def _sweeps(
    s: Settings, comps: dict[str, dict[str, Any]], bumps_ae: tuple[float, float], repeats: int
) -> list[tuple[str, float]]:
    """The k sweep and the code-dimension sweep (first seed), as :func:`run_sweeps` runs them."""
    from ibcore.compression import fit_compressor
    from ibcore.evaluation.image_benchmark import synthetic_benchmark
    from ibcore.ground_truth.images import TASKS
    from ibcore.study.chapters.lossy_compression import k_for
    from ibcore.study.chapters.lossy_compression.synthetic import ae_options, held_out_images, wkl_at

    seed0, mi = s.seeds[0], float(s.mi_grid[len(s.mi_grid) // 2])
    k_point = timed(
        lambda: synthetic_benchmark(
            "rectangles",
            [mi],
            [seed0],
            n=s.n_samples,
            compressors={"AE": comps["rectangles"]["AE"]},
            estimators={f"k={kk}": wkl_at(kk) for kk in s.k_sweep},
            progress=False,
        ),
        repeats,
    )
    latent = TASKS["bumps"][0]
    dims = sorted({*s.dim_sweep, latent})
    held = held_out_images("bumps", s)[:_HELD_UNIT]
    d_point = 0.0
    for d in dims:
        comp = (
            comps["bumps"]["AE"]
            if d == latent
            else fit_compressor(held, d, method=s.ae_method, **ae_options(with_params(s, ae_epochs=1)))
        )  # codes of dimension d: what the estimate costs does not depend on how well they were fitted
        d_point += timed(
            lambda comp=comp, d=d: synthetic_benchmark(
                "bumps",
                [mi],
                [seed0],
                n=s.n_samples,
                compressors={f"dim {d}": comp},
                estimators={"WKL": wkl_at(k_for(2 * d))},
                progress=False,
            ),
            repeats,
        )
    n_fits = sum(d != latent for d in dims)
    fixed, per = bumps_ae
    n_grid = len(s.mi_grid)
    total = n_grid * (k_point + d_point) + n_fits * (fixed + per * s.ae_epochs)
    return [
        (
            f"sweeps {len(s.k_sweep)} k + {len(dims)} code dims x {n_grid} MIs, {n_fits} more AEs x "
            f"{s.ae_epochs} epochs",
            total,
        )
    ]


def _mnist(
    s: Settings, cnn: tuple[int, int], xae: tuple[int, int], lae: tuple[int, int], repeats: int
) -> list[tuple[str, float]]:
    """The CNN runs, the X autoencoder, the information plane and the layer ablation."""
    from ibcore import data
    from ibcore.analysis.infoplane import information_plane
    from ibcore.compression import fit_compressor
    from ibcore.estimators.compressed import CompressedMI
    from ibcore.study.chapters.lossy_compression import ablation_epochs, cnn_config
    from ibcore.study.chapters.lossy_compression.mnist import X_METHOD
    from ibcore.training import train_seeds

    mnist_train, mnist_test = data.load_mnist(train=True), data.load_mnist(train=False)
    mu, sd = float(mnist_train.x.mean()), float(mnist_train.x.std())  # as train_mnist standardises
    x_ev, y_ev = (mnist_test.x[: s.eval_samples] - mu) / sd, mnist_test.y[: s.eval_samples]
    first = s.cnn_seeds[:1]

    def train(n: int, epochs: int) -> list[Any]:
        x_tr, y_tr = (mnist_train.x[:n] - mu) / sd, mnist_train.y[:n]
        return train_seeds(
            cnn_config(with_params(s, cnn_epochs=epochs)),
            first,
            train=(x_tr, y_tr),
            eval=(x_ev, y_ev),
            cache=False,
            progress=False,
            device=s.device,
        )

    def batches(n: int) -> int:
        return math.ceil(n / s.batch_size)

    t11 = timed(lambda: train(cnn[0], 1), repeats)
    t21, runs = min_time(lambda: train(cnn[0], 2), repeats)
    t22 = timed(lambda: train(cnn[1], 2), repeats)
    per_step = max(t22 - t21, 0.0) / (2 * (batches(cnn[1]) - batches(cnn[0])))
    record = max(t21 - t11 - per_step * batches(cnn[0]), 0.0)
    start = max(t11 - record - per_step * batches(cnn[0]), 0.0)
    n_runs = len(s.cnn_seeds)
    cnn_cost = n_runs * (start + s.cnn_epochs * (record + per_step * batches(s.cnn_train)))
    parts = [(f"MNIST CNN {n_runs} seeds x {s.cnn_epochs} epochs on {s.cnn_train} images", cnn_cost)]

    def fit_x(n: int, epochs: int) -> Any:  # as train_mnist fits it
        return fit_compressor(
            (mnist_train.x[:n] - mu) / sd,
            s.code_dim,
            method=X_METHOD,
            n_epochs=epochs,
            batch_size=128,
            lr=1e-3,
            seed=s.seed,
            device=s.device,
            patience=s.x_ae_patience,
        )

    x11 = timed(lambda: fit_x(xae[0], 1), repeats)
    x21 = timed(lambda: fit_x(xae[0], 2), repeats)
    x22, x_comp = min_time(lambda: fit_x(xae[1], 2), repeats)
    per_epoch = max(x21 - x11, 0.0) / xae[0]
    once = max(max(x22 - x21, 0.0) / (xae[1] - xae[0]) - 2 * per_epoch, 0.0)
    x_start = max(x11 - xae[0] * (per_epoch + once), 0.0)
    x_cost = x_start + s.x_ae_samples * (s.x_ae_epochs * per_epoch + once)
    parts.append((f"X autoencoder at most {s.x_ae_epochs} epochs on {s.x_ae_samples} images", x_cost))

    run0, n_rec = runs[0], len(cnn_config(s).epochs())
    pca_mi = CompressedMI(x_comp, dim=s.code_dim, k=s.k, device=s.device)
    times = [
        timed(lambda e=e: information_plane(run0, pca_mi, epochs=run0.epochs[-e:], progress=False), repeats)
        for e in (1, 2)
    ]
    plane_fixed, plane_epoch = fixed_and_per(times, (1, 2))
    n_layers = len(run0.layers)
    parts.append(
        (
            f"information plane {n_runs} seeds x {n_rec} recorded epochs x {n_layers} layers",
            n_runs * (plane_fixed + plane_epoch * n_rec),
        )
    )

    def ablation(e: int) -> Any:
        dense = CompressedMI(
            x_comp,
            dim=s.code_dim,
            k=s.k,
            layer_method="dense",
            device=s.device,
            layer_options={"n_epochs": e, "seed": s.seed},
        )
        return information_plane(run0, {"AE": dense}, epochs=run0.epochs[-1:], progress=False)

    ab_fixed, ab_epoch = fixed_and_per([timed(lambda e=e: ablation(e), repeats) for e in lae], lae)
    n_points = len(ablation_epochs(cnn_config(s).epochs(), s.ablation_points))
    point = max(ab_fixed - plane_fixed, 0.0)  # the run's fixed part (its X codes) counts once
    ablation_cost = plane_fixed + n_points * (point + ab_epoch * s.layer_ae_epochs)
    unwhitened = plane_fixed + plane_epoch * n_rec
    parts.append(
        (
            f"layer ablation {n_points} epochs x {n_layers} layers x AE {s.layer_ae_epochs} epochs + "
            f"unwhitened plane {n_rec} epochs",
            ablation_cost + unwhitened,
        )
    )
    return parts
