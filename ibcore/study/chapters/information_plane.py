"""Chapter 0, the information plane of Shwartz-Ziv & Tishby (2017).

The sizes of ``00_information_plane.ipynb`` per profile (data only), read by
:func:`ibcore.study.profiles.setup`; the keys are identical across the three profiles.
"""

PROFILE = {
    # SZT 12-10-7-5-4-3-2 tanh MLP, Adam lr 4e-4, batch 256 (Saxe et al. 2018 settings);
    # Shwartz-Ziv & Tishby trained on 85 % of the 4096 inputs and averaged 50 seeds, ~10^4 epochs.
    "smoke": {"n_epochs": 30, "seeds": [0], "n_bins": 30, "train_fraction": 0.85},
    "default": {"n_epochs": 10000, "seeds": [0, 1, 2, 3, 4], "n_bins": 30, "train_fraction": 0.85},
    "paper": {"n_epochs": 10000, "seeds": list(range(50)), "n_bins": 30, "train_fraction": 0.85},
}
