"""Chapter 1's probe: the SZT and MNIST training and every estimator at a profile, projected from
short measured runs."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from ibcore import DecisionRule, data
from ibcore.analysis.geometry import geometry_frame
from ibcore.analysis.infoplane import information_plane
from ibcore.analysis.subsample import input_subsample, subsample_run
from ibcore.study.chapters.estimator_dependence import (
    ACTS,
    mnist_config,
    mnist_estimators,
    narrow_layers,
    pair_epoch_subset,
    szt_config,
    szt_estimators,
)
from ibcore.study.probes._timing import check_count, lengths, line, min_time, slope, units
from ibcore.training import log_schedule, train_seeds

if TYPE_CHECKING:
    from ibcore.study.profiles import Settings

__all__ = ["estimator_dependence_probe"]


def estimator_dependence_probe(
    settings: Settings,
    *,
    epochs: tuple[int, int] = (10, 50),
    mnist_images: int = 1280,
    mnist_epochs: tuple[int, int] = (1, 3),
    repeats: int = 2,
) -> list[tuple[str, float]]:
    """Chapter 1's main costs at ``settings`` on this machine, projected from short measured runs.

    Every unit is the page's own code (the chapter's configurations and estimators, trained with
    ``cache=False``, never touching the run cache) at the sizes ``settings`` ask for, run on one
    thread as the page runs (:data:`PAGE_THREADS`) on ``settings.device``, timed ``repeats``
    times and its least time kept (:func:`~ibcore.study.probes.min_time`).

    Parameters
    ----------
    settings : Settings
        The page's settings (:func:`ibcore.study.profiles.setup` of ``01_estimator_dependence``).
    epochs : (int, int)
        The two lengths of the SZT training units.
    mnist_images : int
        Training images of the MNIST units (capped at ``settings.mnist_train``).
    mnist_epochs : (int, int)
        The two lengths of the MNIST training units.
    repeats : int
        Timings of each unit; the least is kept.

    Returns
    -------
    list of (str, float)
        ``[(part, seconds)]``, each part naming the count it projects.

    Raises
    ------
    ValueError
        ``epochs`` or ``mnist_epochs`` not two increasing positive ints, ``mnist_images`` not a
        positive int, ``repeats`` not an int >= 1.

    Notes
    -----
    With S = ``len(seeds)``, N = ``n_epochs``, R the recorded epochs of ``log_schedule(N,
    n_record)``, P those of :func:`pair_epoch_subset` (``pair_epochs``), and per activation
    (tanh, ReLU; the parts sum both):

    - SZT training: :func:`szt_config` trained on all S seeds at once (as ``train_seeds``
      batches them) for ``lo, hi = epochs`` epochs, recorded at 0 and the last epoch, times
      t_lo, t_hi; ``t_lo + (t_hi - t_lo) / (hi - lo) * (N - lo)``.
    - binning (the four binnings of :func:`szt_estimators`) and the decision rule (output
      layer) on all 4096 inputs: one seed's run of the ``lo`` unit at one and at two recorded
      epochs, t_1, t_2; ``S * (t_1 + (t_2 - t_1) * (R - 1))``.
    - KDE (both variances) on the ``kde_inputs`` subsample: one seed at one epoch, t;
      ``S * R * t``. Renyi and EDGE on the ``pair_inputs`` subsample: ``S * P * t``. kNN on the
      layers at most ``knn_max_width`` wide, same inputs: ``S * P * t``.
    - geometry of the last hidden layer on ``geometry_inputs`` inputs: ``S * R * t``.
    - MNIST training (M = ``mnist_seeds`` seeds at once, E = ``mnist_epochs``, on
      N_tr = ``mnist_train`` images, evaluated on N_ev = ``mnist_eval`` images every epoch):
      :func:`mnist_config` for ``e1, e2 = mnist_epochs`` epochs on n = ``mnist_images``
      training images, evaluated on ``round(n N_ev / N_tr)`` test images, times t_1, t_2. An
      epoch (a pass over the training images in batches of 128 and one over the evaluation
      images) is linear in both counts, so ``E * (N_tr / n) * (t_2 - t_1) / (e2 - e1)``.
    - MNIST estimators (the three of :func:`mnist_estimators`) on the N_ev evaluation images:
      one seed at one epoch of a one-epoch run recorded on them, t; ``M * R_m * t``, R_m the
      recorded epochs of :func:`mnist_config`.

    Not projected, each under 1 % of its part at ``paper``: the other R - 2 (R_m - 2) recordings
    of the training runs (one forward pass over the evaluation inputs each, against N (E)
    epochs), MNIST's start-up, the sensitivity sweeps (4 layer-epochs x 21 knob values), the DPI
    and compression tables (frames of the estimates). The units read layers of short runs: an
    estimator whose cost depends on the values (kNN's trees, binning's occupied bins) may cost
    somewhat differently on the late epochs. Where timing noise makes a difference non-positive,
    the slope becomes the longer unit's time per epoch (an upper bound).
    """
    lo, hi = lengths(epochs, "epochs")
    e1, e2 = lengths(mnist_epochs, "mnist_epochs")
    check_count(mnist_images, "mnist_images")
    check_count(repeats, "repeats")  # before any work
    with units():
        return _szt_parts(settings, lo, hi, repeats) + _mnist_parts(settings, mnist_images, e1, e2, repeats)


def _szt_parts(settings: Settings, lo: int, hi: int, repeats: int) -> list[tuple[str, float]]:
    szt = data.load_szt()
    train, _ = data.train_test_split(szt, test_fraction=1 - settings.train_fraction, seed=settings.seed)
    schedule = log_schedule(settings.n_epochs, settings.n_record).tolist()
    n_rec, n_seeds, n_epochs = len(schedule), len(settings.seeds), settings.n_epochs
    pair_ep = pair_epoch_subset(schedule, settings.pair_epochs)
    subsets = {
        part: input_subsample(len(szt), size, seed=settings.seed)
        for part, size in (
            ("kde", settings.kde_inputs),
            ("pair", settings.pair_inputs),
            ("geometry", settings.geometry_inputs),
        )
    }
    kde_idx, pair_idx, geo_idx = subsets.values()

    def train_units(act: str, n: int, seeds: list[int]) -> list[Any]:
        config = dataclasses.replace(szt_config(act, settings, [0, n]), n_epochs=n)
        return train_seeds(
            config,
            seeds,
            train=(train.x, train.y),
            eval=(szt.x, szt.y),
            cache=False,
            progress=False,
            device=settings.device,
        )

    train_units(ACTS[0], 1, settings.seeds[:2])  # untimed: torch's first-call costs (the batched path)
    cost = dict.fromkeys(("training", "binning", "kde", "pair", "knn", "geometry"), 0.0)
    for act in ACTS:
        t_lo, runs = min_time(lambda act=act: train_units(act, lo, settings.seeds), repeats)
        t_hi, _ = min_time(lambda act=act: train_units(act, hi, settings.seeds), repeats)
        cost["training"] += line(t_lo, lo, t_hi, hi, n_epochs)
        unit = _estimator_units(runs[0], lo, subsets, settings.knn_max_width, repeats)
        cost["binning"] += n_seeds * line(unit["binning"], 1, unit["binning 2"], 2, n_rec)
        cost["kde"] += n_seeds * n_rec * unit["kde"]
        cost["pair"] += n_seeds * len(pair_ep) * unit["pair"]
        cost["knn"] += n_seeds * len(pair_ep) * unit["knn"]
        cost["geometry"] += n_seeds * n_rec * unit["geometry"]
    narrow = narrow_layers(runs[0], settings.knn_max_width)
    per_rec = f"{len(ACTS)} x {n_seeds} seeds x {n_rec} recorded epochs"
    per_pair = f"{len(ACTS)} x {n_seeds} seeds x {len(pair_ep)} epochs"
    return [
        (f"SZT training {len(ACTS)} activations x {n_seeds} seeds x {n_epochs} epochs", cost["training"]),
        (f"binning (4) and decision rule on {len(szt)} inputs {per_rec}", cost["binning"]),
        (f"KDE (2) on {len(kde_idx)} inputs {per_rec}", cost["kde"]),
        (f"Renyi and EDGE on {len(pair_idx)} inputs {per_pair}", cost["pair"]),
        (f"kNN on {len(narrow)} layers, {len(pair_idx)} inputs {per_pair}", cost["knn"]),
        (f"geometry on {len(geo_idx)} inputs {per_rec}", cost["geometry"]),
    ]


def _estimator_units(
    run: Any, epoch: int, subsets: dict[str, Any], knn_max_width: int, repeats: int
) -> dict[str, float]:
    """Seconds of every estimator of the page on one seed's ``run`` at its recorded ``epoch``
    (``"binning 2"``: the binnings at epochs 0 and ``epoch``), each on the inputs the page gives it."""
    est = szt_estimators()
    narrow = narrow_layers(run, knn_max_width)
    last = [name for name in run.layers if name != "output"][-1]
    kde_run, pair_run = subsample_run(run, subsets["kde"]), subsample_run(run, subsets["pair"])
    geo_run = subsample_run(run, subsets["geometry"])

    def binning(epochs: list[int]) -> None:
        information_plane(run, est["full"], epochs=epochs, progress=False)
        information_plane(run, DecisionRule(), layers=["output"], epochs=epochs, progress=False)

    units = {
        "binning": lambda: binning([epoch]),
        "binning 2": lambda: binning([0, epoch]),
        "kde": lambda: information_plane(kde_run, est["kde"], epochs=[epoch], progress=False),
        "pair": lambda: information_plane(pair_run, est["pair"], epochs=[epoch], progress=False),
        "knn": lambda: information_plane(pair_run, est["knn"], layers=narrow, epochs=[epoch], progress=False),
        "geometry": lambda: geometry_frame(geo_run, layers=[last], epochs=[epoch]),
    }
    return {part: min_time(fn, repeats)[0] for part, fn in units.items()}


def _mnist_parts(settings: Settings, images: int, e1: int, e2: int, repeats: int) -> list[tuple[str, float]]:
    mnist, mnist_test = data.load_mnist(train=True), data.load_mnist(train=False)
    n_train, n_eval = settings.mnist_train, settings.mnist_eval
    seeds = settings.seeds[: settings.mnist_seeds]
    n_epochs = settings.mnist_epochs
    n_rec = len(mnist_config(ACTS[0], settings).epochs())
    n = min(images, n_train)
    # the unit: n training images and the same share of the evaluation images as the page's run
    unit_train = mnist.subset(n, seed=settings.seed, stratified=True)
    unit_eval = mnist_test.subset(max(1, round(n * n_eval / n_train)), seed=settings.seed, stratified=True)
    m_eval = mnist_test.subset(n_eval, seed=settings.seed, stratified=True)

    def flat(ds: Any) -> Any:  # as the page's mnist_experiment feeds the MLP
        return ds.x.reshape(len(ds), -1)

    def train_units(act: str, epochs: int, seeds: list[int], eval_set: Any, schedule: list[int]) -> list[Any]:
        config = dataclasses.replace(mnist_config(act, settings), n_epochs=epochs, schedule=schedule)
        return train_seeds(
            config,
            seeds,
            train=(flat(unit_train), unit_train.y),
            eval=(flat(eval_set), eval_set.y),
            cache=False,
            progress=False,
            device=settings.device,
        )

    m_est = mnist_estimators()
    training = estimating = 0.0
    for act in ACTS:
        t_1, _ = min_time(lambda act=act: train_units(act, e1, seeds, unit_eval, [0, e1]), repeats)
        t_2, _ = min_time(lambda act=act: train_units(act, e2, seeds, unit_eval, [0, e2]), repeats)
        training += n_epochs * (n_train / n) * slope(t_1, e1, t_2, e2)
        (run,) = train_units(act, 1, seeds[:1], m_eval, [1])  # untimed: layers on the page's images
        sec, _ = min_time(lambda run=run: information_plane([run], m_est, progress=False), repeats)
        estimating += len(seeds) * n_rec * sec
    return [
        (
            f"MNIST training {len(ACTS)} activations x {len(seeds)} seeds x {n_epochs} epochs "
            f"on {n_train} images",
            training,
        ),
        (
            f"MNIST estimators ({len(m_est)}) on {n_eval} images {len(ACTS)} x {len(seeds)} seeds "
            f"x {n_rec} recorded epochs",
            estimating,
        ),
    ]
