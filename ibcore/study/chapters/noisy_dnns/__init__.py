"""Chapter 2, noisy DNNs (Goldfeld et al. 2019).

:data:`PROFILE`: the sizes of ``02_noisy_dnns.ipynb`` per profile (data only), read by
:func:`ibcore.study.profiles.setup`; the keys are identical across the three profiles.

The page's code, one call per step, in five submodules (every public name is re-exported here,
so ``chapter.train_szt`` etc. work on the package):

- :mod:`~ibcore.study.chapters.noisy_dnns.noisy_szt`: the noisy SZT nets (:func:`train_szt`), their
  I(X;T_l) by sample propagation, the clustering while I(X;T) fell, the deterministic twin's binning.
- :mod:`~ibcore.study.chapters.noisy_dnns.noisy_cnn`: the noisy MNIST CNN (:func:`mnist_cnn`) and
  its cosine similarities.
- :mod:`~ibcore.study.chapters.noisy_dnns.records`: the page's claims as records declared before any
  run (:data:`CLAIMS`: the paper's settings with their sources, the rules, their thresholds
  :data:`DIP_MIN`, :data:`N_SE`, :data:`TIGHTEN`, :data:`GAP_MIN` and reasons) and
  :func:`our_settings`, the same settings of this run.
- :mod:`~ibcore.study.chapters.noisy_dnns.scoring`: :func:`key_numbers` (the per-seed tables, their
  means over seeds and the counts the prose quotes).
- :mod:`~ibcore.study.chapters.noisy_dnns.decisions`: :func:`claims` (the claims decided on
  intervals over seeds, with this run's deviations), the scorecard rows (:func:`record_claims`)
  and the glue values.

Every training run is repeated for each seed of the profile's ``seeds``; the page's figures show the
first seed.

References
----------
.. [1] Z. Goldfeld, E. van den Berg, K. Greenewald, I. Melnyk, N. Nguyen, B. Kingsbury,
   Y. Polyanskiy, "Estimating information flow in deep neural networks", ICML 2019
   (arXiv:1810.05728), Secs. 2-5.
"""

from ibcore.study.chapters.noisy_dnns.decisions import claims, glue_values, record_claims, verdicts
from ibcore.study.chapters.noisy_dnns.noisy_cnn import (
    CNN_COLUMNS,
    CNN_LAYERS,
    CNNResults,
    Cosine,
    cnn_config,
    cosine_gaps,
    cosine_similarities,
    describe_cnn,
    mnist_cnn,
)
from ibcore.study.chapters.noisy_dnns.noisy_szt import (
    ORTHO_COLUMNS,
    TABLE_COLUMNS,
    TRACK_COLUMNS,
    WIDTHS,
    Clustering,
    Propagation,
    SZTRuns,
    Twin,
    clustering,
    describe_runs,
    layer_snapshot,
    noisy_config,
    sample_propagation,
    snapshot_epochs,
    sp_options,
    train_szt,
    twin_binning,
)
from ibcore.study.chapters.noisy_dnns.records import (
    BINNING,
    CLAIMS,
    CLUSTERING,
    CNN_CLUSTERS,
    CNN_COMPRESSION,
    COMPRESSION,
    DIP_MIN,
    GAP_MIN,
    N_SE,
    ORTHONORMAL,
    PAPER_KEY,
    TIGHTEN,
    our_settings,
)
from ibcore.study.chapters.noisy_dnns.scoring import (
    KeyNumbers,
    bin_sentence,
    compressing,
    key_numbers,
    ortho_sentence,
    significant_dip,
)

__all__ = [
    "PROFILE",
    "PAPER_KEY",
    "WIDTHS",
    "DIP_MIN",
    "N_SE",
    "TIGHTEN",
    "GAP_MIN",
    "CNN_LAYERS",
    "TABLE_COLUMNS",
    "TRACK_COLUMNS",
    "ORTHO_COLUMNS",
    "CNN_COLUMNS",
    "SZTRuns",
    "noisy_config",
    "train_szt",
    "describe_runs",
    "sp_options",
    "Propagation",
    "sample_propagation",
    "Clustering",
    "clustering",
    "snapshot_epochs",
    "layer_snapshot",
    "Twin",
    "twin_binning",
    "CNNResults",
    "cnn_config",
    "mnist_cnn",
    "describe_cnn",
    "Cosine",
    "cosine_similarities",
    "cosine_gaps",
    "COMPRESSION",
    "CLUSTERING",
    "BINNING",
    "CNN_COMPRESSION",
    "CNN_CLUSTERS",
    "ORTHONORMAL",
    "CLAIMS",
    "our_settings",
    "compressing",
    "significant_dip",
    "KeyNumbers",
    "key_numbers",
    "verdicts",
    "claims",
    "ortho_sentence",
    "bin_sentence",
    "record_claims",
    "glue_values",
]

PROFILE = {
    # Goldfeld et al. 2019: noisy SZT 12-10-7-5-4-3-2 tanh nets, Adam, batch 256 (paper: lr 4e-4
    # as in chapter 0; default: lr 4e-3 so that 1500 epochs reach the late phase), noise std
    # beta on every hidden layer; I(X;T_l) by sample propagation on a subsample of sp_inputs
    # inputs at n_record log-spaced epochs; ortho_penalty: lambda of the orthonormality
    # regulariser (run at the first beta); geometry_inputs: inputs of the class-distance ratio.
    # MNIST part: ibcore's small noisy CNN (MNISTCNN with tanh units, noise std mnist_beta on every
    # layer's input, no dropout; at beta = 0.1 every one of 256 test inputs stays resolved, I(X;T)
    # at its log(256) ceiling from epoch 2 on, so the section uses 0.5), Adam on n_mnist_train
    # images, recorded on n_mnist_eval test images at n_mnist_record log-spaced epochs. The
    # paper's CNN settings are not in the material we have (abstract only): the paper profile is
    # the full data set, not verified settings.
    "smoke": {
        "n_epochs": 30,
        "seeds": [0],
        "betas": [0.005, 0.1],
        "ortho_penalty": 0.1,
        "lr": 4e-3,
        "n_record": 6,
        "sp_inputs": 32,
        "sp_samples_per_x": 4,
        "n_mc": 3,
        "geometry_inputs": 256,
        "n_bins": 30,
        "train_fraction": 0.85,
        "n_mnist_train": 300,
        "n_mnist_eval": 200,
        "n_mnist_epochs": 2,
        "n_mnist_record": 3,
        "mnist_beta": 0.5,
        "mnist_lr": 1e-3,
    },
    "default": {
        "n_epochs": 1500,
        "seeds": [0],
        "betas": [0.005, 0.01, 0.05, 0.1],
        "ortho_penalty": 0.1,
        "lr": 4e-3,
        "n_record": 16,
        "sp_inputs": 256,
        "sp_samples_per_x": 5,
        "n_mc": 4,
        "geometry_inputs": 1024,
        "n_bins": 30,
        "train_fraction": 0.85,
        "n_mnist_train": 5000,
        "n_mnist_eval": 1000,
        "n_mnist_epochs": 12,
        "n_mnist_record": 8,
        "mnist_beta": 0.5,
        "mnist_lr": 1e-3,
    },
    "paper": {
        "n_epochs": 10000,
        "seeds": [0, 1, 2, 3, 4],
        "betas": [0.005, 0.01, 0.05, 0.1],
        "ortho_penalty": 0.1,
        "lr": 4e-4,
        "n_record": 40,
        "sp_inputs": 4096,
        "sp_samples_per_x": 10,
        "n_mc": 5,
        "geometry_inputs": 4096,
        "n_bins": 30,
        "train_fraction": 0.85,
        "n_mnist_train": 60000,
        "n_mnist_eval": 10000,
        "n_mnist_epochs": 100,
        "n_mnist_record": 30,
        "mnist_beta": 0.5,
        "mnist_lr": 1e-3,
    },
}
