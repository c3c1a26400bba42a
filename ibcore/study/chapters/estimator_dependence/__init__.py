"""Chapter 1, estimator dependence (Saxe et al. 2018; Geiger 2021).

``PROFILE``: the sizes of ``01_estimator_dependence.ipynb`` per profile (data only), read by
:func:`ibcore.study.profiles.setup`; the keys are identical across the three profiles.

The chapter's experiments, in the page's order: :func:`train_szt` trains the SZT MLPs (tanh and
ReLU, every seed), :func:`every_estimator` draws the same runs with every estimator of
:data:`ORDER`, :func:`compression` and :func:`verdict_table` / :func:`table_one` read whether the
last hidden layer compresses, :func:`sensitivity` sweeps the estimators' knobs,
:func:`dpi_table` counts violations of the data-processing inequality,
:func:`geometry_beside_information` sets the layer's geometry next to its I(X;L), and
:func:`mnist_experiment` repeats the question on Saxe et al.'s MNIST MLP. The page's claims are
records declared before any run (:data:`CLAIMS`, with the papers' settings and their sources);
:func:`claims` decides them on this run with t intervals over seeds and the deviations of
:func:`our_settings` (:func:`record_claims` records them on the scorecard), and
:func:`glue_values` gives the numbers and sentences of its prose.

The package re-exports the public names of its submodules (``chapter.X`` for the notebook):

- :mod:`~.szt_runs`: the SZT runs and every estimator drawn on them.
- :mod:`~.compression_tables`: does the last hidden layer compress, per estimator; the verdict
  table, Geiger's Table I and the counts of Saxe et al.'s pattern.
- :mod:`~.estimator_checks`: the estimators' knobs swept, the DPI violations, the geometry beside
  I(X;L).
- :mod:`~.mnist`: the same question on Saxe et al.'s MNIST MLP.
- :mod:`~.records`: the claims as records (settings with sources, rules with their reasons) and
  this run's settings under the same names.
- :mod:`~.verdicts`: the claims decided on this run (intervals over seeds).
- :mod:`~.ours`: this run's settings under the names of the claims' settings.
- :mod:`~.prose`: the numbers and sentences of the prose.

References
----------
.. [1] A. M. Saxe et al., "On the information bottleneck theory of deep learning", ICLR 2018,
   Secs. 2-3, Figs. 1-2.
.. [2] B. C. Geiger, "On information plane analyses of neural network classifiers - a review",
   IEEE TNNLS 2021, Secs. II-III, Table I.
.. [3] R. Shwartz-Ziv, N. Tishby, "Opening the black box of deep neural networks via
   information", arXiv:1703.00810, 2017, Fig. 3.
"""

from ibcore.study.chapters.estimator_dependence.compression_tables import (
    INTERVAL_LEVEL,
    THRESHOLD,
    CompressionCounts,
    compression,
    compression_counts,
    interval_decision,
    table_one,
    table_one_mark,
    verdict_cell,
    verdict_table,
)
from ibcore.study.chapters.estimator_dependence.estimator_checks import (
    BIN_WIDTHS,
    DPI,
    DPI_TOL,
    GEOMETRY_ESTIMATORS,
    GEOMETRY_STATS,
    NOISE_VARS,
    Geometry,
    dpi_table,
    geometry_beside_information,
    rank_correlations,
    sensitivity,
)
from ibcore.study.chapters.estimator_dependence.mnist import (
    MNIST,
    MNIST_ESTIMATORS,
    mnist_config,
    mnist_estimators,
    mnist_experiment,
    mnist_report,
)
from ibcore.study.chapters.estimator_dependence.ours import our_settings
from ibcore.study.chapters.estimator_dependence.prose import (
    dead_sentence,
    geo_sentence,
    glue_values,
    mnist_text,
    worst_text,
)
from ibcore.study.chapters.estimator_dependence.records import (
    BINNING_ESTIMATORS,
    CLAIMS,
    COMPRESSES,
    DISAGREE,
    DOES_NOT,
    DPI_BREAK,
    ESTIMATOR_CLAIMS,
    LEVEL,
    MNIST_CLAIM,
    MNIST_ITEMS,
    NO_VERDICT,
    OWN_CLAIMS,
    OWN_ROWS,
    SAXE_ALL,
    SAXE_CLAIMS,
    SAXE_USED,
    TWO_PHASES,
)
from ibcore.study.chapters.estimator_dependence.szt_runs import (
    ACTS,
    ORDER,
    Planes,
    SZTRuns,
    every_estimator,
    narrow_layers,
    pair_epoch_subset,
    runs_report,
    szt_config,
    szt_estimators,
    train_szt,
)
from ibcore.study.chapters.estimator_dependence.verdicts import (
    Claims,
    applicable,
    claims,
    decide,
    decisions,
    disagreeing,
    layer_excess,
    record_claims,
    run_note,
    seed_drops,
    two_phase_count,
    two_phase_values,
)

__all__ = [
    "PROFILE",
    "ACTS",
    "ORDER",
    "THRESHOLD",
    "INTERVAL_LEVEL",
    "interval_decision",
    "szt_config",
    "SZTRuns",
    "train_szt",
    "runs_report",
    "szt_estimators",
    "pair_epoch_subset",
    "narrow_layers",
    "Planes",
    "every_estimator",
    "compression",
    "verdict_cell",
    "verdict_table",
    "CompressionCounts",
    "compression_counts",
    "table_one_mark",
    "table_one",
    "BIN_WIDTHS",
    "NOISE_VARS",
    "sensitivity",
    "DPI_TOL",
    "DPI",
    "dpi_table",
    "GEOMETRY_ESTIMATORS",
    "GEOMETRY_STATS",
    "rank_correlations",
    "Geometry",
    "geometry_beside_information",
    "mnist_config",
    "mnist_estimators",
    "MNIST_ESTIMATORS",
    "MNIST",
    "mnist_experiment",
    "mnist_report",
    "SAXE_USED",
    "LEVEL",
    "COMPRESSES",
    "DOES_NOT",
    "SAXE_CLAIMS",
    "OWN_ROWS",
    "NO_VERDICT",
    "OWN_CLAIMS",
    "ESTIMATOR_CLAIMS",
    "SAXE_ALL",
    "MNIST_ITEMS",
    "MNIST_CLAIM",
    "TWO_PHASES",
    "DISAGREE",
    "DPI_BREAK",
    "CLAIMS",
    "BINNING_ESTIMATORS",
    "our_settings",
    "run_note",
    "seed_drops",
    "decide",
    "decisions",
    "two_phase_values",
    "two_phase_count",
    "applicable",
    "disagreeing",
    "layer_excess",
    "Claims",
    "claims",
    "record_claims",
    "dead_sentence",
    "worst_text",
    "mnist_text",
    "geo_sentence",
    "glue_values",
]

PROFILE = {
    # SZT 12-10-7-5-4-3-2 MLPs, tanh and ReLU, at Saxe et al.'s settings in every profile
    # (artemyk/ibsgd: IBnet_SaveActivations.ipynb): init "saxe", Adam lr 4e-4, batch 256, 10^4
    # epochs, their 80 % split (3277 train / 819 test); every estimator on the same runs.
    # Shrunk, never the dynamics: seeds, n_record (log-spaced recorded epochs), kde_inputs /
    # pair_inputs (fixed input subsamples of KDE and of the pairwise estimators Renyi, EDGE, kNN,
    # which run on pair_epochs of the recorded epochs), knn_max_width (widest layer kNN runs on),
    # geometry_inputs. smoke alone cuts n_epochs (it checks the code path). mnist_*: Saxe et al.'s
    # 784-1024-20-20-20-10 MLP at their MNIST settings (SGD lr 1e-3, batch 128, Keras' default
    # init) on mnist_train training images, recorded on mnist_eval test images, mnist_seeds
    # seeds; their 10^4 epochs do not fit the default budget (mnist_epochs: a deviation).
    "smoke": {
        "n_epochs": 20,
        "seeds": [0, 1],
        "lr": 4e-4,
        "n_record": 6,
        "train_fraction": 0.8,
        "kde_inputs": 128,
        "pair_inputs": 64,
        "pair_epochs": 2,
        "knn_max_width": 5,
        "geometry_inputs": 128,
        "mnist_epochs": 1,
        "mnist_train": 300,
        "mnist_eval": 64,
        "mnist_lr": 1e-3,
        "mnist_seeds": 1,
    },
    "default": {
        "n_epochs": 10000,
        "seeds": [0, 1, 2, 3, 4],
        "lr": 4e-4,
        "n_record": 20,
        "train_fraction": 0.8,
        "kde_inputs": 1024,
        "pair_inputs": 512,
        "pair_epochs": 6,
        "knn_max_width": 5,
        "geometry_inputs": 1024,
        "mnist_epochs": 150,
        "mnist_train": 2000,
        "mnist_eval": 1000,
        "mnist_lr": 1e-3,
        "mnist_seeds": 2,
    },
    "paper": {
        "n_epochs": 10000,
        "seeds": list(range(50)),
        "lr": 4e-4,
        "n_record": 60,
        "train_fraction": 0.8,
        "kde_inputs": 4096,
        "pair_inputs": 1024,
        "pair_epochs": 20,
        "knn_max_width": 5,
        "geometry_inputs": 4096,
        "mnist_epochs": 10000,
        "mnist_train": 60000,
        "mnist_eval": 10000,
        "mnist_lr": 1e-3,
        "mnist_seeds": 3,
    },
}
