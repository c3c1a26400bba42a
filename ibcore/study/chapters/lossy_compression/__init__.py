"""Chapter 3, lossy compression and weighted KL (Butakov et al. 2024).

``PROFILE``: the sizes of ``03_lossy_compression.ipynb`` per profile (data only), read by
:func:`ibcore.study.profiles.setup`; the keys are identical across the three profiles.

The page, one call per step. Synthetic images with exact MI: :func:`fit_compressors` (one
autoencoder and one PCA per task), :func:`synthetic_grid` (every estimator on the grid of true
MIs), :func:`accuracy`, :func:`weight_norms` (and :func:`k_for`), :func:`whitening_demo`,
:func:`run_sweeps` (k and code dimension) and :func:`cost_table`. MNIST: :func:`train_mnist` (the X
autoencoder and the CNN runs, configured by :func:`cnn_config`), :func:`mnist_plane` (the
information plane, :func:`drop_epochs` and :func:`phase_table`) and :func:`layer_ablation` (layers
by autoencoders, :func:`ablation_epochs`, :func:`ablation_steps`; the unwhitened plane). The
claims: :data:`CLAIMS`, one record per scorecard row declared before any run (the paper's settings
with their sources, the rule with its threshold and reason); their per-seed values
(:func:`synthetic_claims`, :func:`mnist_claims`) decided by :func:`evaluate_claims` with intervals
over seeds and the deviations of :func:`our_settings`; :func:`record_claims` writes the scorecard
rows, :func:`glue_values` and :func:`timing_values` give the numbers the page's prose shows.
:func:`plot_layer_phases` draws the MNIST phases figure (:func:`seed_colors`: the MNIST figures'
colours).

The package re-exports the public names of its submodules (``chapter.X`` for the notebook):

- :mod:`~.synthetic`: the synthetic images with exact MI: compressors, estimates, accuracy, WKL
  weights, whitening, sweeps and costs.
- :mod:`~.mnist`: the MNIST CNN runs, their information plane and phases, the layer ablation.
- :mod:`~.records`: the claim records (:data:`CLAIMS`) and this run's settings (:func:`our_settings`).
- :mod:`~.verdicts`: the claims' per-seed values, intervals and evaluations, the scorecard rows, the
  prose's sentences and glued values.
- :mod:`~.figures`: the MNIST phases figure and the seeds' colours.
"""

from ibcore.study.chapters.lossy_compression.figures import plot_layer_phases, plot_x_autoencoder, seed_colors
from ibcore.study.chapters.lossy_compression.mnist import (
    PHASE_FLOOR,
    WINDOW,
    Ablation,
    Mnist,
    Plane,
    ablation_epochs,
    ablation_steps,
    cnn_config,
    drop_epochs,
    layer_ablation,
    mnist_plane,
    phase_table,
    released_filter,
    smooth_curve,
    train_mnist,
)
from ibcore.study.chapters.lossy_compression.records import (
    BEATS,
    CLAIMS,
    COINCIDENCE,
    COINCIDENCE_LEAD,
    MIN_PHASES,
    MISS_EPOCHS,
    OFFSET,
    OFFSET_NATS,
    PAPER_KEY,
    PHASES,
    TRACK_NATS,
    TRACKS,
    our_settings,
)
from ibcore.study.chapters.lossy_compression.synthetic import (
    HELD_SEED_OFFSET,
    INPUT_NAMES,
    KS,
    NORM_DIMS,
    SHOW,
    RawMINE,
    Sweeps,
    Synthetic,
    accuracy,
    code_estimators,
    cost_table,
    fit_compressors,
    k_for,
    kde_estimators,
    plateaued,
    run_sweeps,
    synthetic_grid,
    weight_norms,
    whitening_demo,
)
from ibcore.study.chapters.lossy_compression.verdicts import (
    BASELINES,
    Claims,
    agree_sentence,
    drop_sentence,
    evaluate_claims,
    first_comp_text,
    glue_values,
    miss_epochs,
    mnist_claims,
    pca_word,
    record_claims,
    synthetic_claims,
    timing_values,
)

__all__ = [
    "PROFILE",
    "PAPER_KEY",
    "SHOW",
    "KS",
    "WINDOW",
    "PHASE_FLOOR",
    "fit_compressors",
    "code_estimators",
    "RawMINE",
    "Synthetic",
    "synthetic_grid",
    "accuracy",
    "weight_norms",
    "k_for",
    "whitening_demo",
    "Sweeps",
    "run_sweeps",
    "cost_table",
    "cnn_config",
    "Mnist",
    "train_mnist",
    "drop_epochs",
    "phase_table",
    "Plane",
    "mnist_plane",
    "ablation_epochs",
    "ablation_steps",
    "Ablation",
    "layer_ablation",
    "CLAIMS",
    "TRACKS",
    "BEATS",
    "OFFSET",
    "PHASES",
    "COINCIDENCE",
    "TRACK_NATS",
    "OFFSET_NATS",
    "MIN_PHASES",
    "MISS_EPOCHS",
    "BASELINES",
    "our_settings",
    "synthetic_claims",
    "miss_epochs",
    "mnist_claims",
    "Claims",
    "evaluate_claims",
    "record_claims",
    "first_comp_text",
    "agree_sentence",
    "pca_word",
    "drop_sentence",
    "glue_values",
    "timing_values",
    "seed_colors",
    "plot_layer_phases",
    "HELD_SEED_OFFSET",
    "INPUT_NAMES",
    "NORM_DIMS",
    "COINCIDENCE_LEAD",
    "plot_x_autoencoder",
    "released_filter",
    "smooth_curve",
    "plateaued",
    "kde_estimators",
]

PROFILE = {
    # Butakov et al. 2024. Synthetic: image pairs with exact MI on mi_grid (nats), n_samples
    # pairs per point, one dense autoencoder per task (ae_epochs on ae_samples held-out images),
    # KL/WKL/KSG (k) on the codes, PCA codes as the ablation, KSG and MINE (mine_iters) on
    # raw_samples raw images (first seed, MI in raw_grid); sweeps: k_sweep, dim_sweep (bumps).
    # MNIST: MNISTCNN (dropout cnn_dropout, cnn_noise_mode noise of std cnn_noise on every
    # layer input), Adam cnn_lr, batch_size, cnn_epochs on cnn_train training images, one run
    # per seed of cnn_seeds, recorded every epoch on eval_samples test images; X by a conv
    # autoencoder (x_ae_epochs on x_ae_samples training images), each layer by PCA to code_dim,
    # then WKL; ablation: layers by dense autoencoders (layer_ae_epochs) at ablation_points
    # evenly spaced recorded epochs of the first seed's run.
    # Paper (and the released code, VanessB/Information-v3): lr 1e-5, batch 1024, 300 epochs,
    # 60000 training / 10000 test images, multiplicative noise 1e-3, dropout 0.1, layer
    # autoencoders 100 epochs, X autoencoder 200 epochs, their smoothing (savgol 30/4 + Butterworth).
    # Every profile trains the CNN with the paper's lr, batch, noise and dropout; default cannot
    # afford 300 epochs x 59 steps (about 50 min per seed here), so it runs 20 epochs on 10000
    # images and the two MNIST claims are inconclusive at default (epochs, images decisive).
    # x_ae_epochs caps the X autoencoder, which stops early after x_ae_patience epochs without a
    # lower held-out error; ae_method: the synthetic autoencoders (paper: conv); smoothing: of the
    # I(X;L) curves ("released": the authors' filter_data). MINE (mine_iters) on raw_samples pairs
    # at raw_grid: default keeps the paper's N = 5000 and shrinks the raw grid to its top point;
    # the KDE estimators (ML, LSCV bandwidth) on the AE codes of kde_samples pairs at raw_grid
    # (first seed; O(N^2) each).
    "smoke": {
        "seeds": [0],
        "mi_grid": [0.0, 5.0, 10.0],
        "n_samples": 600,
        "ae_samples": 500,
        "ae_epochs": 2,
        "raw_samples": 200,
        "raw_grid": [0.0, 10.0],
        "mine_iters": 30,
        "k": 5,
        "k_sweep": [10],
        "dim_sweep": [1],
        "cnn_epochs": 3,
        "cnn_lr": 1e-5,
        "batch_size": 1024,
        "cnn_train": 1500,
        "eval_samples": 300,
        "x_ae_epochs": 1,
        "x_ae_samples": 500,
        "code_dim": 4,
        "cnn_seeds": [0],
        "cnn_noise": 1e-3,
        "cnn_noise_mode": "multiplicative",
        "cnn_dropout": 0.1,
        "layer_ae_epochs": 2,
        "x_ae_patience": 1,
        "ae_method": "dense",
        "smoothing": "released",
        "kde_samples": 200,
        "ablation_points": 2,
    },
    "default": {
        "seeds": [0, 1],
        "mi_grid": [0.0, 2.5, 5.0, 7.5, 10.0],
        "n_samples": 5000,
        "ae_samples": 5000,
        "ae_epochs": 15,
        "raw_samples": 5000,
        "raw_grid": [10.0],
        "mine_iters": 2000,
        "k": 5,
        "k_sweep": [3, 5, 10, 20],
        "dim_sweep": [1, 4, 6],
        "cnn_epochs": 20,
        "cnn_lr": 1e-5,
        "batch_size": 1024,
        "cnn_train": 10000,
        "eval_samples": 2000,
        "x_ae_epochs": 40,
        "x_ae_samples": 10000,
        "code_dim": 4,
        "cnn_seeds": [0, 1],
        "cnn_noise": 1e-3,
        "cnn_noise_mode": "multiplicative",
        "cnn_dropout": 0.1,
        "layer_ae_epochs": 20,
        "x_ae_patience": 3,
        "ae_method": "dense",
        "smoothing": "released",
        "kde_samples": 1000,
        "ablation_points": 6,
    },
    "paper": {
        "seeds": [0, 1, 2, 3, 4],
        "mi_grid": [round(0.25 * i, 2) for i in range(41)],
        "n_samples": 5000,
        "ae_samples": 5000,
        "ae_epochs": 2000,
        "raw_samples": 5000,
        "raw_grid": [0.0, 2.5, 5.0, 7.5, 10.0],
        "mine_iters": 5000,
        "k": 5,
        "k_sweep": [3, 5, 10, 20],
        "dim_sweep": [1, 4, 6],
        "cnn_epochs": 300,
        "cnn_lr": 1e-5,
        "batch_size": 1024,
        "cnn_train": 60000,
        "eval_samples": 10000,
        "x_ae_epochs": 200,
        "x_ae_samples": 60000,
        "code_dim": 4,
        "cnn_seeds": [0, 1, 2],
        "cnn_noise": 1e-3,
        "cnn_noise_mode": "multiplicative",
        "cnn_dropout": 0.1,
        "layer_ae_epochs": 100,
        "x_ae_patience": 10,
        "ae_method": "conv",
        "smoothing": "released",
        "kde_samples": 5000,
        "ablation_points": 11,
    },
}
