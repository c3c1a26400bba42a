"""Named run profiles for the book's notebooks, and the header every executed notebook prints.

Each notebook starts with a cell tagged ``parameters`` holding plain assignments, ``profile`` among
them, and then calls :func:`setup`, which

1. looks the notebook's sizes up in :data:`PROFILES` under the chosen profile,
2. applies any parameter the cell (or papermill) set to something other than ``None``,
3. rejects an unknown profile or parameter, a value of the wrong type or out of range (see
   :func:`check_param`), or a bad ``seed``, with a clear error - before anything is seeded or run,
4. seeds torch/numpy, resolves the device and prints which profile, seeds, device and package
   versions produced the page, and
5. writes a small JSON record (when ``IBSTUDY_RECORD_DIR`` is set) that the book's status page reads.

Profiles
--------
``smoke``
    CI and nbval: seconds to a minute per notebook; checks the code path, not the science.
``default``
    the main job (``make book``): the whole book on a 2-core CPU well within an hour.
``paper``
    the papers' own settings, meant for a GPU.
"""

from __future__ import annotations

import json
import math
import os
import platform
import random
import time
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ibcore._device import resolve_device

__all__ = ["PROFILE_NAMES", "PROFILES", "Settings", "check_param", "setup", "versions"]

PROFILE_NAMES = ("smoke", "default", "paper")

# Sizes per notebook and profile. Keep the keys identical across the three profiles of a notebook.
PROFILES: dict[str, dict[str, dict[str, Any]]] = {
    "00_information_plane": {
        # SZT 12-10-7-5-4-3-2 tanh MLP, Adam lr 4e-4, batch 256 (Saxe et al. 2018 settings);
        # Shwartz-Ziv & Tishby trained on 85 % of the 4096 inputs and averaged 50 seeds, ~10^4 epochs.
        "smoke": {"n_epochs": 30, "seeds": [0], "n_bins": 30, "train_fraction": 0.85},
        "default": {"n_epochs": 10000, "seeds": [0, 1, 2, 3, 4], "n_bins": 30, "train_fraction": 0.85},
        "paper": {"n_epochs": 10000, "seeds": list(range(50)), "n_bins": 30, "train_fraction": 0.85},
    },
    "01_estimator_dependence": {
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
    },
    "02_noisy_dnns": {
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
    },
    "03_lossy_compression": {
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
        # autoencoders 100 epochs.
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
            "cnn_lr": 1e-3,
            "batch_size": 256,
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
            "ablation_points": 2,
        },
        "default": {
            "seeds": [0, 1],
            "mi_grid": [0.0, 2.5, 5.0, 7.5, 10.0],
            "n_samples": 5000,
            "ae_samples": 5000,
            "ae_epochs": 15,
            "raw_samples": 1000,
            "raw_grid": [0.0, 5.0, 10.0],
            "mine_iters": 300,
            "k": 5,
            "k_sweep": [3, 5, 10, 20],
            "dim_sweep": [1, 4, 6],
            "cnn_epochs": 20,
            "cnn_lr": 1e-3,
            "batch_size": 256,
            "cnn_train": 10000,
            "eval_samples": 2000,
            "x_ae_epochs": 5,
            "x_ae_samples": 10000,
            "code_dim": 4,
            "cnn_seeds": [0, 1, 2],
            "cnn_noise": 1e-3,
            "cnn_noise_mode": "multiplicative",
            "cnn_dropout": 0.1,
            "layer_ae_epochs": 20,
            "ablation_points": 6,
        },
        "paper": {
            "seeds": [0, 1, 2, 3, 4],
            "mi_grid": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0],
            "n_samples": 5000,
            "ae_samples": 5000,
            "ae_epochs": 100,
            "raw_samples": 5000,
            "raw_grid": [0.0, 2.0, 4.0, 6.0, 8.0, 10.0],
            "mine_iters": 2000,
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
            "ablation_points": 11,
        },
    },
    "A1_estimator_speed": {
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
    },
    "A2_estimator_accuracy": {
        # Appendix: every estimator on ground-truth tasks (ibcore.evaluation.accuracy, ibcore.ground_truth).
        # dims: d of the dense/sparse Gaussian d+d tasks; mi_grid (nats) at grid_dims; maps and
        # Student-t at map_dims/student_dims; ns: sample sizes; MINE (cost ~ mine_iter, not N) only
        # at mine_ns and mine_seeds; Renyi (O(N^2) memory, eigenvalues) at renyi_ns; n_ref: the N
        # of the heatmap and of the checks. default stops at 25+25 and N = 5000: on the loaded 2-core
        # CPU one 50+50 KSG estimate at N = 10^4 took 114 s, one 25+25 estimate 27 s (KL 38 s).
        "smoke": {
            "dims": [1, 5],
            "mi_grid": [1.0, 8.0],
            "grid_dims": [1],
            "map_dims": [2],
            "student_dims": [2],
            "layer_widths": [5],
            "renyi_dims": [2],
            "ns": [500, 1000],
            "seeds": [0],
            "mine_iter": 100,
            "mine_ns": [1000],
            "mine_seeds": [0],
            "renyi_ns": [500],
            "wkl_ks": [5, 20],
            "n_ref": 1000,
        },
        "default": {
            "dims": [1, 2, 5, 10, 25],
            "mi_grid": [0.5, 1.0, 2.0, 4.0, 6.0, 8.0, 10.0],
            "grid_dims": [1, 5],
            "map_dims": [2, 5],
            "student_dims": [1, 2, 5],
            "layer_widths": [2, 5, 10],
            "renyi_dims": [1, 2, 5],
            "ns": [1000, 5000],
            "seeds": [0, 1],
            "mine_iter": 1000,
            "mine_ns": [5000],
            "mine_seeds": [0],
            "renyi_ns": [1000],
            "wkl_ks": [5, 20],
            "n_ref": 5000,
        },
        "paper": {
            "dims": [1, 2, 5, 10, 25, 50],
            "mi_grid": [0.5, 1.0, 2.0, 4.0, 6.0, 8.0, 10.0],
            "grid_dims": [1, 5, 10],
            "map_dims": [2, 5, 10],
            "student_dims": [1, 2, 5, 10],
            "layer_widths": [2, 5, 10, 20],
            "renyi_dims": [1, 2, 5, 10],
            "ns": [1000, 5000, 10000],
            "seeds": [0, 1, 2, 3, 4],
            "mine_iter": 5000,
            "mine_ns": [1000, 5000, 10000],
            "mine_seeds": [0, 1, 2, 3, 4],
            "renyi_ns": [1000, 2000],
            "wkl_ks": [5, 20],
            "n_ref": 5000,
        },
    },
    "04_aa_mine_ib": {
        # Elad et al. 2019 (ibcore.ib_training): tanh MLP on MNIST (1 % and 100 %) and a tanh conv net
        # (3x3, stride 2) on CIFAR-10, trained layer by layer on I(Y;L_i) - beta I(X;L_i + eps) with
        # MINE / AA-MINE critics (n_steps Adam steps per block; cross-entropy 3 n_steps end to end),
        # then a linear read-out. The paper's widths, beta, sigma and steps are in its supplement,
        # which we lack: these are ours. cifar_data "partial" = the mirror's 5170 images (not the
        # benchmark); "full" needs CIFAR-10 (fails with the missing-data error where it is absent).
        "smoke": {
            "seeds": [0],
            "widths": [32, 16, 8],
            "conv_channels": [4, 8, 8],
            "sigma": 0.1,
            "beta": 3e-3,
            "n_steps": 10,
            "conv_steps": 2,
            "lr": 3e-3,
            "readout_steps": 20,
            "n_test": 500,
            "cifar_data": "partial",
            "fig1_variances": [1e-1, 1e-3, 1e-5],
            "fig1_inputs": 300,
            "mine_iter": 20,
            "tsne_betas": [100.0, 0.001],
            "tsne_points": 150,
        },
        "default": {
            "seeds": [0, 1],
            "widths": [256, 128, 64],
            "conv_channels": [8, 16, 32],
            "sigma": 0.1,
            "beta": 3e-3,
            "n_steps": 300,
            "conv_steps": 100,
            "lr": 3e-3,
            "readout_steps": 500,
            "n_test": 10000,
            "cifar_data": "partial",
            "fig1_variances": [1.0, 1e-1, 1e-2, 1e-4, 1e-6, 1e-8, 1e-10],
            "fig1_inputs": 2000,
            "mine_iter": 400,
            "tsne_betas": [100.0, 0.001],
            "tsne_points": 800,
        },
        "paper": {
            "seeds": [0, 1, 2, 3, 4],
            "widths": [256, 128, 64],
            "conv_channels": [64, 128, 256],
            "sigma": 0.1,
            "beta": 3e-3,
            "n_steps": 5000,
            "conv_steps": 5000,
            "lr": 1e-3,
            "readout_steps": 2000,
            "n_test": 10000,
            "cifar_data": "full",
            "fig1_variances": [1.0, 1e-1, 1e-2, 1e-3, 1e-4, 1e-6, 1e-8, 1e-10],
            "fig1_inputs": 10000,
            "mine_iter": 5000,
            "tsne_betas": [100.0, 0.001],
            "tsne_points": 5000,
        },
    },
}


def versions() -> dict[str, str]:
    """Versions of Python and of the packages that shape the numbers on a page."""
    out = {"python": platform.python_version()}
    for pkg in ("ibcore", "torch", "numpy", "scipy", "scikit-learn", "pandas", "matplotlib"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


@dataclass
class Settings:
    """The resolved settings of one notebook execution."""

    notebook: str
    profile: str
    params: dict[str, Any]
    seed: int
    device: str
    versions: dict[str, str] = field(default_factory=versions)
    started: str = field(default_factory=lambda: time.strftime("%Y-%m-%d %H:%M:%S %Z"))
    facts: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:  # settings.n_epochs reads params["n_epochs"]
        params = self.__dict__.get("params", {})
        if name in params:
            return params[name]
        raise AttributeError(name)

    def note(self, **facts: Any) -> None:
        """Add facts about this execution to its record (the book's status page shows them)."""
        self.facts.update(facts)
        self._write_record()

    def note_runs(self, runs: Any) -> str:
        """Record how many training runs were trained now or loaded from the run cache, and their cost.

        Seeds trained together (``info["batched_with"]``) count their shared wall time once.
        Returns the sentence it records, e.g. "5 runs trained now in 287 s".
        """
        runs = list(runs)
        groups: dict[Any, float] = {}
        for r in runs:
            # seeds trained together share one wall time; a run trained alone is its own group
            # (several configurations of one seed, e.g. a sweep, are separate runs)
            key = tuple(r.info.get("batched_with") or [getattr(r, "key", None) or id(r)])
            groups[key] = float(r.wall_time_s)
        cached = sum(bool(getattr(r, "from_cache", False)) for r in runs)
        cost = sum(groups.values())
        if cached == len(runs):
            text = f"{len(runs)} runs loaded from the run cache (trained earlier in {cost:.0f} s)"
        elif cached:
            text = (
                f"{len(runs) - cached} runs trained now, {cached} loaded from the run cache "
                f"({cost:.0f} s of training in all)"
            )
        else:
            text = f"{len(runs)} runs trained now in {cost:.0f} s"
        self.note(training=text)
        return text

    def _write_record(self) -> None:
        record_dir = os.environ.get("IBSTUDY_RECORD_DIR")
        if record_dir:
            path = Path(record_dir) / f"{self.notebook}.settings.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(asdict(self), indent=2, default=str))

    def header(self) -> str:
        rows = [
            ("notebook", self.notebook),
            ("profile", self.profile),
            ("seed", self.seed),
            ("device", self.device),
            *self.params.items(),
            ("versions", ", ".join(f"{k} {v}" for k, v in self.versions.items())),
            ("started", self.started),
        ]
        width = max(len(str(k)) for k, _ in rows)
        return "\n".join(f"{str(k):<{width}} : {v}" for k, v in rows)


def _check_type(name: str, value: Any, default: Any) -> Any:
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(default, float):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        value = float(value) if ok else value
    elif isinstance(default, list):
        ok = isinstance(value, (list, tuple))
        value = list(value) if ok else value
    else:
        ok = isinstance(value, type(default))
    if not ok:
        raise TypeError(
            f"parameter {name}={value!r} has type {type(value).__name__}; "
            f"expected {type(default).__name__} like the profile's {default!r}"
        )
    return value


SEED_MAX = 2**32 - 1  # numpy's legacy seeding (np.random.seed) takes 0..2**32 - 1


def _check_seed(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if not 0 <= value <= SEED_MAX:
        raise ValueError(f"{name} must be in 0..{SEED_MAX} (numpy's seed range), got {value}")
    return value


def check_param(name: str, value: Any) -> Any:
    """Check the range of a notebook parameter of the right type; return it (``ValueError`` if not).

    The rules go by name, so every notebook's parameters of these kinds are held to them:

    * ``seeds``: a non-empty list of distinct ints in 0..2**32 - 1;
    * ``seed`` or a name ending in ``_seed``: an int in 0..2**32 - 1;
    * a name starting with ``n_`` (``n_epochs``, ``n_bins``, ...): an int >= 1;
    * a name ending in ``_fraction`` (``train_fraction``): a number strictly between 0 and 1;
    * any other float: finite.
    """
    if name == "seeds":
        if not value:
            raise ValueError("parameter seeds is empty: give at least one seed, e.g. [0]")
        checked = [_check_seed(v, f"seeds[{i}]") for i, v in enumerate(value)]
        dup = sorted({v for v in checked if checked.count(v) > 1})
        if dup:
            raise ValueError(f"parameter seeds={checked} repeats {dup}: each seed must appear once")
        return checked
    if name == "seed" or name.endswith("_seed"):
        return _check_seed(value, f"parameter {name}")
    if name.startswith("n_") and isinstance(value, int) and value < 1:
        raise ValueError(f"parameter {name}={value} must be >= 1")
    if name.endswith("_fraction") and isinstance(value, (int, float)) and not 0.0 < value < 1.0:
        raise ValueError(f"parameter {name}={value!r} must lie strictly between 0 and 1")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"parameter {name}={value!r} must be finite")
    return value


def setup(
    notebook: str,
    profile: str,
    *,
    seed: int = 0,
    device: str | None = None,
    quiet: bool = False,
    **overrides: Any,
) -> Settings:
    """Resolve a notebook's settings from its profile and parameters, seed everything, print a header.

    Parameters
    ----------
    notebook : str
        The notebook's key in :data:`PROFILES` (its file name without ``.ipynb``).
    profile : {"smoke", "default", "paper"}
    seed : int
        Seed for torch, numpy and :mod:`random` (the notebook's runs take their own seeds from
        the profile's ``seeds`` where there are several).
    device : str or None
        ``None``/``"auto"``: CUDA when available, else CPU.
    **overrides
        Parameters from the notebook's ``parameters`` cell; ``None`` means "the profile's value".

    Raises
    ------
    ValueError
        Unknown notebook, profile or parameter name; a parameter out of its range
        (:func:`check_param`: e.g. ``n_epochs=-5``, ``seeds=[]``, duplicate seeds,
        ``train_fraction=1.5``); ``seed`` outside 0..2**32 - 1. Nothing is seeded before
        every check has passed.
    TypeError
        A parameter of the wrong type.
    """
    if notebook not in PROFILES:
        raise ValueError(f"unknown notebook {notebook!r}; known: {', '.join(sorted(PROFILES))}")
    if profile not in PROFILE_NAMES:
        raise ValueError(f"unknown profile={profile!r}; choose one of {', '.join(PROFILE_NAMES)}")
    seed = _check_seed(seed, "seed")
    params = dict(PROFILES[notebook][profile])
    for name, value in overrides.items():
        if name not in params:
            raise ValueError(f"unknown parameter {name!r} for {notebook}; known: {', '.join(params)}")
        if value is not None:
            params[name] = _check_type(name, value, params[name])
    params = {name: check_param(name, value) for name, value in params.items()}
    dev = resolve_device(device)
    torch.manual_seed(seed)
    np.random.seed(seed)
    random.seed(seed)
    settings = Settings(notebook=notebook, profile=profile, params=params, seed=seed, device=str(dev))
    if not quiet:
        print(settings.header())
    settings._write_record()
    return settings
