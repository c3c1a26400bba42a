"""Chapter 2, noisy DNNs (Goldfeld et al. 2019).

:data:`PROFILE`: the sizes of ``02_noisy_dnns.ipynb`` per profile (data only), read by
:func:`ibcore.study.profiles.setup`; the keys are identical across the three profiles.

The page's code, one call per step, in six submodules (every public name is re-exported here,
so ``chapter.train_szt`` etc. work on the package):

- :mod:`~ibcore.study.chapters.noisy_dnns.noisy_szt`: the noisy SZT nets (:func:`train_szt`), their
  I(X;T_l) by sample propagation, the clustering while I(X;T) fell, the deterministic twin's binning.
- :mod:`~ibcore.study.chapters.noisy_dnns.noisy_cnn`: the noisy MNIST CNN of Geiger's description
  (:func:`mnist_cnn`) and its cosine similarities.
- :mod:`~ibcore.study.chapters.noisy_dnns.checks`: noisy against deterministic accuracy
  (:func:`proxy_accuracy`), the replica study (:func:`replica_study`) and the binning rule's
  statistic (:func:`rank_correlation_after`).
- :mod:`~ibcore.study.chapters.noisy_dnns.records`: the page's claims as records declared before any
  run (:data:`CLAIMS`: the paper's settings with their sources, the rules, their thresholds
  :data:`DIP_MIN`, :data:`N_SE`, :data:`TIGHTEN`, :data:`GAP_MIN`, :data:`RHO_MIN`,
  :data:`PROXY_MARGIN` and reasons) and
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

from ibcore.study.chapters.noisy_dnns.checks import (
    PROXY_COLUMNS,
    noisy_accuracy,
    proxy_accuracy,
    rank_correlation_after,
    replica_study,
    rho_after_peak,
)
from ibcore.study.chapters.noisy_dnns.decisions import claims, glue_values, record_claims, verdicts
from ibcore.study.chapters.noisy_dnns.noisy_cnn import (
    CNN_COLUMNS,
    CNN_LAYERS,
    CNNResults,
    Cosine,
    cnn_config,
    cnn_sp_information,
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
    PROXY,
    PROXY_MARGIN,
    RETRACTION,
    RHO_MIN,
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
    "RHO_MIN",
    "PROXY_MARGIN",
    "RETRACTION",
    "CNN_LAYERS",
    "PROXY_COLUMNS",
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
    "cnn_sp_information",
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
    "PROXY",
    "CLAIMS",
    "noisy_accuracy",
    "proxy_accuracy",
    "replica_study",
    "rank_correlation_after",
    "rho_after_peak",
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
    # Goldfeld et al. 2019, the authors' dynamics at default and paper (kgreenewald/smoothMI:
    # tishby.py, runTishby.pj): the 12-10-7-5-4-3-2 tanh net, torch init, Adam lr 4e-4, batch 256,
    # 10^4 epochs, an 80/20 split, noise std beta after every hidden activation in training only.
    # What default shrinks: two seeds (the authors train one; two give a t interval), one beta
    # (their 0.005; each 10^4-epoch run takes ~100 s on the 2-core CPU), n_record log-spaced
    # recorded epochs (theirs: 84), sample propagation on
    # sp_inputs inputs x sp_samples_per_x replicas x n_mc Monte Carlo points (theirs: 4096 x 1000 x
    # 1000; paper: 4096 x 100 x 10, the 100 replicas of tishby.py's own default, 1000 being out of
    # reach), the replica study on replica_inputs inputs at replica_grid replicas, n_noise_draws
    # noise draws for the noisy accuracy. parseval_alpha: the Parseval retraction's alpha on the run
    # at the first beta (the authors' alpha is not found; 1e-4 is tishby_net.py orthWeightUpdate's
    # default). MNIST: Geiger's description of their CNN (two conv layers, dense 1583-128, tanh) with
    # our 8-16 channels of 3x3, noise std mnist_beta on every layer's input (in evaluation too, as
    # sample propagation needs), Adam at mnist_lr on n_mnist_train images for n_mnist_epochs (5 reach
    # >= 97 % test accuracy at beta 0.1), recorded on n_mnist_eval test images; its sample
    # propagation on mnist_sp_inputs images x mnist_samples_per_x x mnist_mc; the CNN is trained
    # for the first n_cnn_seeds seeds only. The CNN's epochs, lr and beta are stated neither in the
    # paper nor in the released code: ours, and the same at default and paper (the paper profile
    # grows its samples only).
    "smoke": {
        "n_epochs": 30,
        "seeds": [0],
        "betas": [0.005, 0.1],
        "parseval_alpha": 1e-4,
        "lr": 4e-4,
        "n_record": 6,
        "sp_inputs": 32,
        "sp_samples_per_x": 4,
        "n_mc": 3,
        "replica_grid": [2, 4],
        "replica_inputs": 16,
        "n_noise_draws": 2,
        "geometry_inputs": 256,
        "n_bins": 30,
        "train_fraction": 0.8,
        "n_mnist_train": 300,
        "n_mnist_eval": 200,
        "n_mnist_epochs": 2,
        "n_mnist_record": 3,
        "mnist_beta": 0.1,
        "mnist_lr": 1e-3,
        "mnist_sp_inputs": 32,
        "mnist_samples_per_x": 2,
        "mnist_mc": 2,
        "n_cnn_seeds": 1,
    },
    "default": {
        "n_epochs": 10000,
        "seeds": [0, 1],
        "betas": [0.005],
        "parseval_alpha": 1e-4,
        "lr": 4e-4,
        "n_record": 16,
        "sp_inputs": 256,
        "sp_samples_per_x": 5,
        "n_mc": 4,
        "replica_grid": [2, 5, 10, 20, 50],
        "replica_inputs": 128,
        "n_noise_draws": 10,
        "geometry_inputs": 1024,
        "n_bins": 30,
        "train_fraction": 0.8,
        "n_mnist_train": 60000,
        "n_mnist_eval": 1024,
        "n_mnist_epochs": 5,
        "n_mnist_record": 4,
        "mnist_beta": 0.1,
        "mnist_lr": 1e-3,
        "mnist_sp_inputs": 1024,
        "mnist_samples_per_x": 2,
        "mnist_mc": 2,
        "n_cnn_seeds": 1,
    },
    "paper": {
        "n_epochs": 10000,
        "seeds": [0, 1, 2, 3, 4],
        "betas": [0.005, 0.01, 0.05, 0.1],
        "parseval_alpha": 1e-4,
        "lr": 4e-4,
        "n_record": 100,
        "sp_inputs": 4096,
        "sp_samples_per_x": 100,
        "n_mc": 10,
        "replica_grid": [2, 5, 10, 20, 50, 100, 200],
        "replica_inputs": 512,
        "n_noise_draws": 100,
        "geometry_inputs": 4096,
        "n_bins": 30,
        "train_fraction": 0.8,
        "n_mnist_train": 60000,
        "n_mnist_eval": 10000,
        "n_mnist_epochs": 5,
        "n_mnist_record": 12,
        "mnist_beta": 0.1,
        "mnist_lr": 1e-3,
        "mnist_sp_inputs": 4096,
        "mnist_samples_per_x": 10,
        "mnist_mc": 5,
        "n_cnn_seeds": 5,
    },
}
