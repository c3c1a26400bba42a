"""Chapter 1, estimator dependence (Saxe et al. 2018; Geiger 2021).

The sizes of ``01_estimator_dependence.ipynb`` per profile (data only), read by
:func:`ibcore.study.profiles.setup`; the keys are identical across the three profiles.
"""

PROFILE = {
    # SZT 12-10-7-5-4-3-2 MLPs, tanh and ReLU, Saxe et al.'s init, Adam, batch 256, 85 % train;
    # every estimator on the same runs. default: lr 4e-3 (10x Saxe's) so that n_epochs reach the
    # late phase within the budget; n_record log-spaced recorded epochs; kde_inputs/pair_inputs:
    # fixed input subsamples for KDE and for the pairwise estimators (Renyi, EDGE, kNN), which
    # run on pair_epochs of the recorded epochs; knn_max_width: widest layer kNN is run on;
    # geometry_inputs: inputs of the distance statistics; mnist_*: Saxe's 784-1024-20-20-20-10
    # MLP on a training subset, recorded on a fixed evaluation subset.
    "smoke": {
        "n_epochs": 20,
        "seeds": [0, 1],
        "lr": 4e-3,
        "n_record": 6,
        "train_fraction": 0.85,
        "kde_inputs": 128,
        "pair_inputs": 64,
        "pair_epochs": 2,
        "knn_max_width": 5,
        "geometry_inputs": 128,
        "mnist_epochs": 1,
        "mnist_train": 300,
        "mnist_eval": 64,
        "mnist_lr": 4e-4,
    },
    "default": {
        "n_epochs": 1000,
        "seeds": [0, 1, 2, 3, 4],
        "lr": 4e-3,
        "n_record": 20,
        "train_fraction": 0.85,
        "kde_inputs": 1024,
        "pair_inputs": 512,
        "pair_epochs": 6,
        "knn_max_width": 5,
        "geometry_inputs": 1024,
        "mnist_epochs": 20,
        "mnist_train": 5000,
        "mnist_eval": 600,
        "mnist_lr": 4e-4,
    },
    "paper": {
        "n_epochs": 10000,
        "seeds": list(range(50)),
        "lr": 4e-4,
        "n_record": 60,
        "train_fraction": 0.85,
        "kde_inputs": 4096,
        "pair_inputs": 1024,
        "pair_epochs": 20,
        "knn_max_width": 5,
        "geometry_inputs": 4096,
        "mnist_epochs": 3000,
        "mnist_train": 60000,
        "mnist_eval": 600,
        "mnist_lr": 4e-4,
    },
}
