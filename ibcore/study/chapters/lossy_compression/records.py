"""The claims of chapter 3 (lossy compression) as records, declared before any run.

One :class:`~ibcore.study.claims.Claim` per scorecard row of ``03_lossy_compression`` (:data:`CLAIMS`,
in the page's order): the paper's claim, where it is made, the paper's value, the settings that
matter with their sources (the authors' released code, ``VanessB/Information-v3`` at ``702399c``,
where the paper summary states nothing; ``docs/paper_settings.md`` sections 5 and 7) and the rule
with its threshold and the reason for it. :func:`our_settings` gives the settings of this run
under the same names, computed from the profile and from the configuration the page builds
(:func:`~ibcore.study.chapters.lossy_compression.mnist.cnn_config`, the compressors of
:mod:`~ibcore.study.chapters.lossy_compression.synthetic`), for
:func:`ibcore.study.claims.deviations`.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

from ibcore.compression import fit_compressor
from ibcore.estimators.compressed import CompressedMI
from ibcore.ground_truth.images import TASKS
from ibcore.study.chapters.lossy_compression.mnist import X_METHOD, cnn_config
from ibcore.study.chapters.lossy_compression.synthetic import PLATEAU_TAIL, PLATEAU_TOL, WHITEN
from ibcore.study.claims import AtLeast, AtMost, Claim, Setting
from ibcore.training.init import DESCRIPTIONS

if TYPE_CHECKING:  # ibcore.study.profiles imports the chapter modules: no import at run time
    from ibcore.study.profiles import Settings

__all__ = [
    "PAPER_KEY",
    "COINCIDENCE_LEAD",
    "TRACK_NATS",
    "OFFSET_NATS",
    "MIN_PHASES",
    "MISS_EPOCHS",
    "TRACKS",
    "BEATS",
    "OFFSET",
    "PHASES",
    "COINCIDENCE",
    "CLAIMS",
    "CNN_ARCH",
    "NORMALISATION",
    "our_settings",
]

PAPER_KEY = "butakov2024"
"""The paper's key in the scorecard."""

COINCIDENCE_LEAD = 2
"""Epochs before the first compression's start within which the fastest drop still coincides."""

TRACK_NATS = 1.0
"""Nats: the RMSE over the grid at which WKL on codes still tracks the truth (10 % of 0-10 nats)."""

OFFSET_NATS = 0.1
"""Nats: how much smaller WKL's |bias| must be than plain KL's for an offset that WKL removes."""

MIN_PHASES = 3
"""Phases of a curve that count as "several": fitting, compression and at least one more."""

MISS_EPOCHS = 0.5
"""Epochs by which the fastest loss drop may miss the first compression's window (the recording grid)."""

# ------------------------------------------------------------------ sources
_V3 = "VanessB/Information-v3: source/"
_MNIST_NB = _V3 + "examples/Information plane experiments (DNN classifier, MNIST).ipynb"
_RECTANGLES_NB = _V3 + "examples/Rectangles, AE.ipynb"
_BUMPS_NB = _V3 + "examples/Gaussian plots, AE.ipynb"
_SETTINGS_NB = _V3 + "examples/Settings.ipynb"
_CLASSIFIER = _V3 + "examples/misc/classifier.py"
_FUNCTIONAL = _V3 + "python/mutinfo/estimators/functional.py"
_ENTROPY = _V3 + "python/mutinfo/estimators/entropy.py"
_NOISE = _V3 + "python/mutinfo/torch/layers.py"
_NO_RAW = (
    "not stated: the paper summary (Sec. 5) names no settings of its raw-data baselines; "
    f"{_RECTANGLES_NB} and {_BUMPS_NB} run no estimator on the raw images"
)

#: The networks by the model kind of :func:`cnn_config`, in words (the released classifier's layout).
CNN_ARCH = {"mnist_cnn": "conv 8-16-32 (3x3), max-pool, LeakyReLU, dense 32-32-10"}
#: The input standardisation of :func:`~ibcore.study.chapters.lossy_compression.mnist.train_mnist`.
NORMALISATION = "standardised by the MNIST training images' mean and sd"

# ------------------------------------------------------------------ the paper's settings
_SYNTHETIC = {
    "image_tasks": Setting(
        [["bumps", 2, 16], ["rectangles", 4, 32]],
        f"{_BUMPS_NB} (latent_dimension 2, 16x16 Gaussian bumps); {_RECTANGLES_NB} (latent_dimension 4, "
        "32x32 rectangles): [task, latent dimension, image side]",
    ),
    "ae_code_dim": Setting(
        [2, 4], f"{_BUMPS_NB}, {_RECTANGLES_NB} (cnn_autoencoder(..., latent_dimension)): the latent's"
    ),
    "ae_arch": Setting(
        "conv", f"{_RECTANGLES_NB} (cnn_autoencoder, Keras); the paper summary (Sec. 5): an autoencoder"
    ),
    "ae_epochs": Setting(2000, f"{_RECTANGLES_NB}, {_BUMPS_NB} (autoencoder.fit(epochs=2000))"),
    "ae_augmentation": Setting(
        "random zoom (and translation for rectangles)",
        f"{_RECTANGLES_NB} (RandomTranslation, RandomZoom); {_BUMPS_NB} (RandomZoom only)",
    ),
    "ae_train_images": Setting(
        6000,
        f"{_RECTANGLES_NB}, {_BUMPS_NB} (n_train_samples 6000, n_test_samples 1000)",
        decisive=False,
    ),
    "estimator": Setting(
        "WKL",
        f"{_SETTINGS_NB} (method 'KL'); {_FUNCTIONAL} (KLFunctional.fit(fit_weights=True): weighted KL); "
        "the paper summary (Sec. 5): WKL",
    ),
    "whiten": Setting(True, f"{_ENTROPY} (rescale=True: each sample whitened by its own covariance)"),
    "k": Setting(5, f"{_SETTINGS_NB} (k_neighbours = 5)"),
    "mi_range": Setting([0.0, 10.0], f"{_RECTANGLES_NB} (MI = np.linspace(0.0, 10.0, 41)); summary Sec. 5"),
    "n_samples": Setting(5000, f"{_RECTANGLES_NB}, {_BUMPS_NB} (n_samples = 5000)", decisive=False),
    "mi_points": Setting(41, f"{_RECTANGLES_NB} (np.linspace(0.0, 10.0, 41))", decisive=False),
    "seeds": Setting(1, f"{_RECTANGLES_NB} (one sample per MI value)", decisive=False),
}
_RAW = {
    "raw_ksg_k": Setting(None, _NO_RAW),
    "mine_critic": Setting(None, _NO_RAW),
    "mine_iters": Setting(None, _NO_RAW),
    "raw_samples": Setting(
        5000, f"{_RECTANGLES_NB}, {_BUMPS_NB} (n_samples = 5000: every estimator sees the same pairs)"
    ),
    "raw_points": Setting(None, _NO_RAW, decisive=False),
}
_MNIST = {
    "cnn_arch": Setting(CNN_ARCH["mnist_cnn"], f"{_CLASSIFIER} (MNIST_Classifier)"),
    "optimizer": Setting("adam", f"{_MNIST_NB} (torch.optim.Adam)"),
    "cnn_lr": Setting(1e-5, f"{_MNIST_NB} (classifier_lr = 1e-5)"),
    "batch_size": Setting(1024, f"{_MNIST_NB} (batch_size_train = 1024)"),
    "cnn_epochs": Setting(300, f"{_MNIST_NB} (classifier_n_epochs = 300)"),
    "cnn_train": Setting(60000, f"{_MNIST_NB} (MNIST train_dataset: all 60000 images)"),
    "init": Setting(DESCRIPTIONS["torch"], f"{_CLASSIFIER} (no initialisation of its own)"),
    "output": Setting(
        "log_softmax", f"{_CLASSIFIER} (MNIST_Classifier.forward: layer_5 = self.logsoftmax(x))"
    ),
    "smoothing": Setting(
        "released",
        f"{_MNIST_NB} (filter_data: savgol_filter(x, min(30, n), min(4, window - 1)), then "
        "filtfilt(*butter(8, 0.125), padlen=min(5, n - 1)))",
    ),
    "input_normalisation": Setting(
        NORMALISATION, f"{_MNIST_NB} (transforms.Normalize((0.1307,), (0.3081,)))"
    ),
    "cnn_noise": Setting(1e-3, f"{_MNIST_NB} (sigma = 1e-3, noise-to-signal ratio)"),
    "cnn_noise_mode": Setting(
        "multiplicative", f"{_NOISE} (AdditiveGaussianNoise(relative_scale=True): noise sigma * x)"
    ),
    "cnn_dropout": Setting(0.1, f"{_CLASSIFIER} (torch.nn.Dropout(0.1))"),
    "x_compressor": Setting("conv", f"{_MNIST_NB} (MNIST_ConvEncoder, MNIST_ConvDecoder)"),
    "x_ae_epochs": Setting(200, f"{_MNIST_NB} (X_autoencoder_n_epochs = 200)"),
    "x_ae_train_images": Setting(
        60000,
        f"{_MNIST_NB} (AutoencoderDataset(train_dataset): all 60000 training images)",
        decisive=False,
    ),
    "x_ae_loss": Setting("L1", f"{_MNIST_NB} (train_autoencoder(..., torch.nn.L1Loss(), ...))"),
    "layer_compressor": Setting(
        "pca",
        f"{_MNIST_NB} (compression = 'pca'; the paper summary describes autoencoders for the layers)",
    ),
    "code_dim": Setting(4, f"{_MNIST_NB} (X_latent_dim = 4, L_latent_dim = 4)"),
    "estimator": _SYNTHETIC["estimator"],
    "whiten": _SYNTHETIC["whiten"],
    "k": Setting(5, f"{_MNIST_NB} (entropy_estimator_params: 'method': 'KL', 'k_neighbours': 5)"),
    "cnn_seeds": Setting(1, f"{_MNIST_NB} (one classifier trained)", decisive=False),
    "eval_samples": Setting(
        10000, f"{_MNIST_NB} (eval_dataloader = test_dataloader: the 10000 test images)", decisive=False
    ),
}

# ------------------------------------------------------------------ the claims
TRACKS = Claim(
    key=f"{PAPER_KEY}/wkl-tracks-truth",
    paper=PAPER_KEY,
    claim="WKL on autoencoder codes tracks the true MI (synthetic images)",
    where="Sec. 5 (synthetic images with known MI)",
    paper_value="estimates close to the truth over 0-10 nats (Sec. 5)",
    settings=_SYNTHETIC,
    rule=AtMost(
        "per task, the RMSE of WKL on AE codes over the grid of true MIs, over seeds (nats)",
        "1 nat: 10 % of the paper's 0-10-nat range, a miss the paper's figures would show as not tracking",
        threshold=TRACK_NATS,
    ),
)
"""WKL on the autoencoder codes of the synthetic images tracks the true MI, per task."""

BEATS = Claim(
    key=f"{PAPER_KEY}/compression-beats-raw",
    paper=PAPER_KEY,
    claim="Compression beats estimators on the raw images",
    where="Sec. 5",
    paper_value="conventional estimators fail on high-dimensional raw data (Sec. 5)",
    settings={**_SYNTHETIC, **_RAW},
    rule=AtMost(
        "per task and raw-image baseline (KSG, MINE), the RMSE of WKL on AE codes minus the "
        "baseline's, on the grid points where the baseline ran (nats)",
        "0: the claim is a ranking, WKL on codes more accurate than each baseline; a baseline with "
        "no estimate (every fit diverged) has failed and is left out; MINE counts only where its "
        f"held-out estimate plateaued (the last {PLATEAU_TAIL:.0%} of its iterations change it by at "
        f"most {PLATEAU_TOL:.0%}), else the claim is not comparable",
        threshold=0.0,
    ),
)
"""Compressing first beats KSG and MINE on the raw images, per task and baseline."""

OFFSET = Claim(
    key=f"{PAPER_KEY}/kl-offset",
    paper=PAPER_KEY,
    claim="Plain KL on codes has an offset that WKL removes",
    where="Sec. 5",
    paper_value="WKL the most accurate of the entropy estimators on codes (Sec. 5)",
    settings={
        k: _SYNTHETIC[k]
        for k in (
            "image_tasks",
            "ae_code_dim",
            "ae_arch",
            "ae_epochs",
            "ae_augmentation",
            "ae_train_images",
            "whiten",
            "k",
            "n_samples",
            "seeds",
        )
    },
    rule=AtLeast(
        "per task, |bias| of KL on AE codes minus |bias| of WKL on AE codes over the grid, over seeds (nats)",
        "0.1 nat: 1 % of the paper's 10-nat range; a smaller reduction of the bias is not an offset "
        "worth naming",
        threshold=OFFSET_NATS,
    ),
)
"""WKL's weights remove the offset of plain KL on the codes, per task."""

PHASES = Claim(
    key=f"{PAPER_KEY}/several-phases",
    paper=PAPER_KEY,
    claim="Several fitting and compression phases (MNIST CNN)",
    where="Sec. 6 (MNIST information plane)",
    paper_value="several fitting/compression phases in I(X;L) (Sec. 6)",
    settings=_MNIST,
    rule=AtLeast(
        "per layer, the number of phases of its I(X;L) curve (each larger than twice the curve's "
        "scatter and 0.05 nat), over seeds",
        "3: more than one fitting then one compression phase; phases alternate, so 3 holds both kinds",
        threshold=MIN_PHASES,
    ),
)
"""Several fitting and compression phases in I(X;L) of the MNIST CNN's layers."""

COINCIDENCE = Claim(
    key=f"{PAPER_KEY}/first-compression-at-loss-drop",
    paper=PAPER_KEY,
    claim="First compression coincides with the fastest loss drop",
    where="Sec. 6",
    paper_value="first compression phase at the fastest decrease of the loss (Sec. 6)",
    settings=_MNIST,
    rule=AtMost(
        f"per layer, the epochs by which the run's fastest loss drop falls outside its first compression "
        f"phase opened {COINCIDENCE_LEAD} epochs before its start, over the seeds whose curve compresses",
        "0.5 epoch: the fastest drop is the midpoint of two recorded epochs, so a drop whose step "
        "touches the window is half an epoch from it",
        threshold=MISS_EPOCHS,
    ),
)
"""The first compression phase of each layer coincides with the fastest drop of the training loss."""

CLAIMS = (TRACKS, BEATS, OFFSET, PHASES, COINCIDENCE)
"""The page's claims in scorecard order."""


def _default(fn: Any, name: str) -> Any:
    return inspect.signature(fn).parameters[name].default


def our_settings(settings: Settings) -> dict[str, Any]:
    """The settings of this page's runs under the names of the claims' settings, for
    :func:`ibcore.study.claims.deviations`: from the profile, :func:`cnn_config` and the
    compressors and estimators the page calls (their defaults read from their signatures)."""
    config = cnn_config(settings)
    val_fraction = _default(fit_compressor, "val_fraction")
    grid, raw_grid = list(settings.mi_grid), list(settings.raw_grid)
    return {
        # synthetic images: fit_compressors, code_estimators, synthetic_grid
        "image_tasks": [[task, dim, side] for task, (dim, side) in TASKS.items()],
        "ae_code_dim": [dim for dim, _ in TASKS.values()],  # fit_compressors: code = latent dimension
        "ae_arch": settings.ae_method,
        "ae_epochs": settings.ae_epochs,
        "ae_augmentation": "none",  # ibcore.compression.fit_compressor has no augmentation
        "ae_train_images": settings.ae_samples - int(round(val_fraction * settings.ae_samples)),
        "estimator": str(_default(CompressedMI.__init__, "estimator")).upper(),  # mi_wkl on the codes
        "whiten": WHITEN and _default(CompressedMI.__init__, "whiten"),
        "k": settings.k,
        "mi_range": [float(min(grid)), float(max(grid))],
        "n_samples": settings.n_samples,
        "mi_points": len(grid),
        "seeds": len(settings.seeds),
        "raw_ksg_k": settings.k,
        "mine_critic": "conv encoder (two 3x3 blocks) + MLP 128-64",
        "mine_iters": settings.mine_iters,
        "raw_samples": settings.raw_samples,
        "raw_points": len(raw_grid),
        # MNIST: train_mnist, cnn_config, mnist_plane
        "cnn_arch": CNN_ARCH[config.model["kind"]],
        "optimizer": config.optimizer,
        "cnn_lr": config.lr,
        "batch_size": config.batch_size,
        "cnn_epochs": config.n_epochs,
        "cnn_train": settings.cnn_train,
        "init": DESCRIPTIONS.get(config.init, config.init),
        "output": config.model.get("output_activation"),
        "smoothing": settings.smoothing,
        "input_normalisation": NORMALISATION,
        "cnn_noise": config.model["noise_std"],
        "cnn_noise_mode": config.model["noise_mode"],
        "cnn_dropout": config.model["dropout"],
        "x_compressor": X_METHOD,
        "x_ae_epochs": settings.x_ae_epochs,
        "x_ae_train_images": settings.x_ae_samples - int(round(val_fraction * settings.x_ae_samples)),
        "x_ae_loss": "MSE",  # ibcore.compression trains every autoencoder on the squared error
        "layer_compressor": _default(CompressedMI.__init__, "layer_method"),
        "code_dim": settings.code_dim,
        "cnn_seeds": len(settings.cnn_seeds),
        "eval_samples": settings.eval_samples,
    }
