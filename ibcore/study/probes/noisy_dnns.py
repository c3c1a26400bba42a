"""Chapter 2's probe: the noisy SZT nets, sample propagation and the noisy MNIST CNN at a profile,
projected from short measured runs."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from ibcore import data
from ibcore.analysis.geometry import geometry_frame
from ibcore.analysis.infoplane import information_plane
from ibcore.analysis.propagation import deterministic_twin, sp_information
from ibcore.analysis.subsample import input_subsample, subsample_run
from ibcore.estimators import Binning
from ibcore.study.chapters.noisy_dnns import (
    CNN_LAYERS,
    cnn_config,
    cnn_sp_information,
    noisy_config,
    replica_study,
    sp_options,
)
from ibcore.study.probes._timing import check_count, lengths, line, min_time, slope, units
from ibcore.training import train_and_record

if TYPE_CHECKING:
    from ibcore.study.profiles import Settings

__all__ = ["noisy_dnns_probe"]


def _sizes(pair: tuple[int, int], most: int) -> tuple[int, int]:
    """A unit's two input counts within the ``most`` inputs there are: ``(min(lo, most // 2), most)``
    where ``hi`` is more."""
    lo, hi = pair
    if most < 2:
        raise ValueError(f"a unit needs two input counts, but there are {most} inputs")
    return (lo, hi) if hi <= most else (min(lo, most // 2), most)


def _quadratic(t_a: float, m_a: int, t_b: float, m_b: int, m: int) -> float:
    """The cost at size ``m`` of work ``a + c m^2`` through ``(m_a, t_a)`` and ``(m_b, t_b)``
    (``c`` and ``a`` at least 0: timing noise never makes the work shrink)."""
    c = max(t_b - t_a, 0.0) / (m_b**2 - m_a**2)
    return max(t_a - c * m_a**2, 0.0) + c * m**2


def _timed_pair(fn: Any, sizes: tuple[int, int], repeats: int) -> tuple[float, float]:
    """``min_time`` of ``fn(size)`` at both sizes."""
    return min_time(lambda: fn(sizes[0]), repeats)[0], min_time(lambda: fn(sizes[1]), repeats)[0]


def noisy_dnns_probe(
    settings: Settings,
    *,
    epochs: tuple[int, int] = (10, 50),
    sp_inputs: tuple[int, int] = (16, 32),
    replica_inputs: tuple[int, int] = (8, 16),
    cnn_images: int = 1280,
    cnn_epochs: tuple[int, int] = (1, 3),
    cnn_sp_inputs: tuple[int, int] = (128, 256),
    cnn_geometry_inputs: tuple[int, int] = (1000, 2000),
    repeats: int = 2,
) -> list[tuple[str, float]]:
    """Chapter 2's main costs at ``settings`` on this machine, projected from short measured runs.

    Every unit is the page's own code (:func:`noisy_config`, :func:`cnn_config` trained with
    ``cache=False``, never touching the run cache; :func:`sp_options`, :func:`replica_study`,
    :func:`cnn_sp_information`, the page's geometry and twin calls) with the settings' samples
    per input and Monte Carlo points, run on one thread as the page runs
    (:data:`PAGE_THREADS`) on ``settings.device``, timed ``repeats`` times and its least time
    kept (:func:`~ibcore.study.probes.min_time`).

    Parameters
    ----------
    settings : Settings
        The page's settings (:func:`ibcore.study.profiles.setup` of ``02_noisy_dnns``).
    epochs : (int, int)
        The two lengths of the noisy SZT training units.
    sp_inputs, replica_inputs : (int, int)
        The two input counts of the sample-propagation and replica-study units (a pair above the
        4096 inputs becomes ``(min(lo, 2048), 4096)``).
    cnn_images : int
        Training images of the CNN units (capped at ``settings.n_mnist_train``).
    cnn_epochs : (int, int)
        The two lengths of the CNN training units.
    cnn_sp_inputs, cnn_geometry_inputs : (int, int)
        The two image counts of the CNN's sample-propagation and clustering units (a pair above
        the n = ``settings.n_mnist_eval`` recorded images becomes ``(min(lo, n // 2), n)``).
    repeats : int
        Timings of each unit; the least is kept.

    Returns
    -------
    list of (str, float)
        ``[(part, seconds)]``, each part naming the count it projects.

    Raises
    ------
    ValueError
        A pair that is not two increasing positive ints, fewer than two inputs for a unit,
        ``cnn_images`` not a positive int, ``repeats`` not an int >= 1.

    Notes
    -----
    With S = ``len(seeds)``, B = ``len(betas)``, N = ``n_epochs``, R the recorded epochs of
    :func:`noisy_config` and L = 5 hidden layers:

    - noisy SZT training: one seed at the first beta for ``lo, hi = epochs`` epochs (recorded
      at 0 and the last), times t_lo, t_hi, and the same with the Parseval retraction, u_lo,
      u_hi (the retraction adds work every step; the noise std does not change the work);
      ``S * (B * line(t) + line(u))``, ``line(t) = t_lo + (t_hi - t_lo) / (hi - lo) * (N - lo)``.
    - sample propagation (:func:`sp_information` with :func:`sp_options`, all L layers) of the
      ``hi`` unit at its last epoch on m_1, m_2 = ``sp_inputs`` inputs, t_1, t_2. Its work is
      ``O((m r)^2 n_mc d)`` (r and n_mc the settings'), so with ``c = (t_2 - t_1) / (m_2^2 -
      m_1^2)`` and ``a = t_1 - c m_1^2`` a call costs ``a + c m^2`` at m = ``sp_inputs``;
      ``S * (B + 1) * R`` calls. The replica study (one call, first seed and beta, last epoch):
      :func:`replica_study` at ``replica_inputs`` inputs, projected in the same way to
      ``settings.replica_inputs``.
    - clustering: :func:`geometry_frame` of every layer on ``geometry_inputs`` inputs at one
      epoch, t; ``S * (B + 1) * R * t``. The deterministic twin (its recording, binning and
      geometry of the hidden layers) at one epoch, t; ``S * R * t``.
    - CNN training (C = ``n_cnn_seeds`` seeds one by one, E = ``n_mnist_epochs`` on N_tr =
      ``n_mnist_train`` images, evaluated and recorded on N_ev = ``n_mnist_eval`` images):
      :func:`cnn_config` for ``e1, e2 = cnn_epochs`` epochs on n = ``cnn_images`` training
      images, evaluated and recorded every epoch on ``round(n N_ev / N_tr)`` test images, t_1,
      t_2. An epoch's work is linear in both counts, so ``C * E * (N_tr / n) * (t_2 - t_1) /
      (e2 - e1)``.
    - CNN sample propagation (:func:`cnn_sp_information`, both :data:`CNN_LAYERS`) of a
      one-epoch CNN at one recorded epoch, at ``cnn_sp_inputs`` images, projected as above to
      ``mnist_sp_inputs``; ``C * R_c`` calls (R_c the recorded epochs of :func:`cnn_config`).
      CNN clustering: :func:`geometry_frame` of both layers at ``cnn_geometry_inputs`` of its
      recorded images (work ``O(N^2 d)``), projected to N_ev; ``C * R_c`` calls.

    Not projected, each small next to its part at ``paper``: the other R - 2 recordings of the
    SZT runs (a forward pass over 4096 inputs each, against N epochs), the CNN's start-up and
    its epoch-0 evaluation and recording (against E epochs of training), the noisy accuracy
    (``n_noise_draws`` forward passes over 4096 inputs per run), the cosine similarities (20
    images per class) and the tables (frames of the estimates). The units read short runs;
    sample propagation's per-pair cost is taken to be the same at every size (its pairwise work
    runs in blocks of about 4M distances at every size). Where timing noise makes a difference
    non-positive, a slope becomes the longer unit's time per epoch and ``c`` becomes 0.
    """
    lo, hi = lengths(epochs, "epochs")
    sp = _sizes(lengths(sp_inputs, "sp_inputs"), 4096)
    rep = _sizes(lengths(replica_inputs, "replica_inputs"), 4096)
    e1, e2 = lengths(cnn_epochs, "cnn_epochs")
    cnn_sp = _sizes(lengths(cnn_sp_inputs, "cnn_sp_inputs"), settings.n_mnist_eval)
    cnn_geo = _sizes(lengths(cnn_geometry_inputs, "cnn_geometry_inputs"), settings.n_mnist_eval)
    check_count(cnn_images, "cnn_images")
    check_count(repeats, "repeats")  # before any work
    with units():
        return _szt_parts(settings, lo, hi, sp, rep, repeats) + _cnn_parts(
            settings, cnn_images, e1, e2, cnn_sp, cnn_geo, repeats
        )


def _szt_parts(
    settings: Settings,
    lo: int,
    hi: int,
    sp: tuple[int, int],
    rep: tuple[int, int],
    repeats: int,
) -> list[tuple[str, float]]:
    szt = data.load_szt()
    train, _ = data.train_test_split(szt, test_fraction=1 - settings.train_fraction, seed=settings.seed)
    beta0, seed0 = settings.betas[0], settings.seeds[0]
    n_seeds, n_betas, n_epochs = len(settings.seeds), len(settings.betas), settings.n_epochs
    n_rec = len(noisy_config(settings, beta0).epochs())

    def fit(n: int, **changes: Any) -> Any:  # as the page's train_szt fits each run
        config = noisy_config(settings, beta0, seed=seed0, n_epochs=n, schedule=[0, n], **changes)
        return train_and_record(
            config,
            train=(train.x, train.y),
            eval=(szt.x, szt.y),
            cache=False,
            progress=False,
            device=settings.device,
        )

    fit(1)  # untimed: torch's first-call costs
    t_lo, _ = min_time(lambda: fit(lo), repeats)
    t_hi, run = min_time(lambda: fit(hi), repeats)
    u_lo, _ = min_time(lambda: fit(lo, parseval_alpha=settings.parseval_alpha), repeats)
    u_hi, _ = min_time(lambda: fit(hi, parseval_alpha=settings.parseval_alpha), repeats)
    training = n_seeds * (n_betas * line(t_lo, lo, t_hi, hi, n_epochs) + line(u_lo, lo, u_hi, hi, n_epochs))

    hidden = [name for name in run.layers if name != "output"]
    opts = sp_options(settings)
    t_1, t_2 = _timed_pair(lambda m: sp_information(run, epochs=[hi], **{**opts, "n_inputs": m}), sp, repeats)
    m_sp = min(settings.sp_inputs, len(szt))
    propagation = n_seeds * (n_betas + 1) * n_rec * _quadratic(t_1, sp[0], t_2, sp[1], m_sp)

    def replicas(m: int) -> Any:
        return replica_study(
            run, replicas=settings.replica_grid, n_inputs=m, n_mc=settings.n_mc, input_seed=settings.seed
        )

    t_1, t_2 = _timed_pair(replicas, rep, repeats)
    m_rep = min(settings.replica_inputs, len(szt))
    replica = _quadratic(t_1, rep[0], t_2, rep[1], m_rep)

    geo_idx = input_subsample(len(szt), settings.geometry_inputs, seed=settings.seed)
    sec, _ = min_time(lambda: geometry_frame(subsample_run(run, geo_idx), epochs=[hi]), repeats)
    clustering = n_seeds * (n_betas + 1) * n_rec * sec
    binning = Binning(n_bins=settings.n_bins, value_range=(-1.0, 1.0))

    def twin() -> None:  # as the page's twin_binning, at one epoch
        twin = deterministic_twin(run, epochs=[hi])
        information_plane(twin, binning, layers=hidden, progress=False)
        geometry_frame(subsample_run(twin, geo_idx), layers=hidden)

    sec, _ = min_time(twin, repeats)
    twins = n_seeds * n_rec * sec
    runs = f"{n_seeds} seeds x {n_betas + 1} runs x {n_rec} recorded epochs"
    return [
        (
            f"noisy SZT training {n_seeds} seeds x ({n_betas} betas + 1 orthonormal) x {n_epochs} epochs",
            training,
        ),
        (
            f"sample propagation {runs} x {len(hidden)} layers, {m_sp} inputs x "
            f"{settings.sp_samples_per_x} samples x {settings.n_mc} MC",
            propagation,
        ),
        (
            f"replica study {len(settings.replica_grid)} replica counts (up to {max(settings.replica_grid)}) "
            f"x {len(hidden)} layers on {m_rep} inputs",
            replica,
        ),
        (f"clustering on {len(geo_idx)} inputs {runs}", clustering),
        (f"deterministic twin {n_seeds} seeds x {n_rec} recorded epochs", twins),
    ]


def _cnn_parts(
    settings: Settings,
    images: int,
    e1: int,
    e2: int,
    cnn_sp: tuple[int, int],
    cnn_geo: tuple[int, int],
    repeats: int,
) -> list[tuple[str, float]]:
    mnist_train, mnist_test = data.load_mnist(True), data.load_mnist(False)
    n_train, n_eval = min(settings.n_mnist_train, len(mnist_train)), settings.n_mnist_eval
    seeds = settings.seeds[: settings.n_cnn_seeds]
    n_epochs, n_rec = settings.n_mnist_epochs, len(cnn_config(settings).epochs())
    n = min(images, n_train)
    # the unit: n training images and the same share of the evaluation images as the page's run
    unit_train = data.subset(mnist_train, n, seed=settings.seed, stratified=True)
    unit_eval = data.subset(
        mnist_test, max(1, round(n * n_eval / n_train)), seed=settings.seed, stratified=True
    )

    def fit(epochs: int, eval_set: Any, schedule: list[int]) -> Any:  # as the page's mnist_cnn
        config = dataclasses.replace(cnn_config(settings, seed=seeds[0]), n_epochs=epochs, schedule=schedule)
        return train_and_record(
            config,
            train=(unit_train.x, unit_train.y),
            eval=(eval_set.x, eval_set.y),
            layers=list(CNN_LAYERS),
            cache=False,
            progress=False,
            device=settings.device,
        )

    fit(1, unit_eval, [0, 1])  # untimed: torch's first-call costs
    t_1, _ = min_time(lambda: fit(e1, unit_eval, list(range(e1 + 1))), repeats)
    t_2, _ = min_time(lambda: fit(e2, unit_eval, list(range(e2 + 1))), repeats)
    training = len(seeds) * n_epochs * (n_train / n) * slope(t_1, e1, t_2, e2)

    # untimed: a CNN recorded after one epoch on as many test images as the units below read
    recorded = data.subset(mnist_test, max(cnn_sp[1], cnn_geo[1]), seed=settings.seed, stratified=True)
    run = fit(1, recorded, [1])

    def propagation(m: int) -> Any:
        at_m = dataclasses.replace(settings, params={**settings.params, "mnist_sp_inputs": m})
        return cnn_sp_information(run, list(CNN_LAYERS), at_m)

    t_a, t_b = _timed_pair(propagation, cnn_sp, repeats)
    m_sp = min(settings.mnist_sp_inputs, n_eval)
    sp = len(seeds) * n_rec * _quadratic(t_a, cnn_sp[0], t_b, cnn_sp[1], m_sp)

    def clustering(m: int) -> Any:
        idx = input_subsample(len(recorded), m, seed=settings.seed)
        return geometry_frame(subsample_run(run, idx), layers=list(CNN_LAYERS))

    t_a, t_b = _timed_pair(clustering, cnn_geo, repeats)
    geo = len(seeds) * n_rec * _quadratic(t_a, cnn_geo[0], t_b, cnn_geo[1], n_eval)
    per = f"{len(seeds)} seeds x {n_rec} recorded epochs"
    return [
        (f"CNN training {len(seeds)} seeds x {n_epochs} epochs on {n_train} images", training),
        (
            f"CNN sample propagation {per} x {len(CNN_LAYERS)} layers, {m_sp} images x "
            f"{settings.mnist_samples_per_x} samples x {settings.mnist_mc} MC",
            sp,
        ),
        (f"CNN clustering on {n_eval} images {per} x {len(CNN_LAYERS)} layers", geo),
    ]
