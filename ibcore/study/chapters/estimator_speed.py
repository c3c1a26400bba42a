"""Appendix A1, estimator speed.

The sizes of ``A1_estimator_speed.ipynb`` per profile (data only), read by
:func:`ibcore.study.profiles.setup`; the keys are identical across the three profiles.
"""

PROFILE = {
    # Appendix: time vs N of the estimators against the anchors' way (ibcore.evaluation.benchmark).
    # run_epochs: the SZT run whose information plane is timed (10^4 is chapter 0's run);
    # anchor_samples: layer-epochs on which Saxe et al.'s kde.py is timed and compared.
    "smoke": {
        "kde_sizes": [256, 512, 1024],
        "ksg_sizes": [1000, 3000],
        "ksg_dims": [1, 4],
        "renyi_sizes": [64, 128, 256],
        "run_epochs": 10,
        "anchor_samples": 2,
    },
    "default": {
        "kde_sizes": [512, 1024, 2048, 4096],
        "ksg_sizes": [1000, 3000, 10000, 30000],
        "ksg_dims": [1, 4],
        "renyi_sizes": [128, 256, 512, 1024],
        "run_epochs": 300,
        "anchor_samples": 6,
    },
    "paper": {
        "kde_sizes": [512, 1024, 2048, 4096],
        "ksg_sizes": [1000, 10000, 100000],
        "ksg_dims": [1, 4, 8],
        "renyi_sizes": [256, 512, 1024, 2048],
        "run_epochs": 10000,
        "anchor_samples": 12,
    },
}
