"""What a run is: :class:`TrainConfig`, everything that determines it, and :class:`RecordedRun`, its result.

A :class:`TrainConfig` is validated on construction and JSON-serializable (so it can be hashed into
a cache key); a :class:`RecordedRun` holds one run's recorded activations, history and final
weights and reads and writes itself as one ``.pt`` file whose layout is versioned by
:data:`FORMAT`. The tables of storage dtypes (:data:`DTYPES`) and optimizers (:data:`OPTIMIZERS`)
that a configuration may name live here too.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from ibcore._io import torch_save
from ibcore._validation import check_choice, check_int, check_positive
from ibcore.models import build_model, normalize_spec
from ibcore.training.init import INITS
from ibcore.training.schedules import resolve_schedule

__all__ = ["TrainConfig", "RecordedRun", "FORMAT", "DTYPES", "OPTIMIZERS", "as_config"]

FORMAT = 1  # bump when the cache layout or the meaning of a recorded run changes
DTYPES = {"float16": torch.float16, "bfloat16": torch.bfloat16, "float32": torch.float32}
OPTIMIZERS = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}
# Options that act on each parameter entry alone, so one optimizer over stacked seeds equals one per
# seed (Adam's eps is added entrywise to sqrt(v_hat); L2 weight decay adds wd * p entrywise).
_OPTIMIZER_OPTIONS = {
    "adam": ("betas", "eps", "weight_decay", "amsgrad", "decoupled_weight_decay", "foreach"),
    "sgd": ("momentum", "dampening", "weight_decay", "nesterov", "foreach"),
}

# Fields left out of TrainConfig.to_dict (and so of the cache key) while at these defaults.
_OPTIONAL_DEFAULTS: dict[str, Any] = {
    "record_weights": False,
    "orthonormal_penalty": 0.0,
    "init": "torch",
    "parseval_alpha": 0.0,
}


@dataclass
class TrainConfig:
    """Everything that determines a training run; JSON-serializable, so it can be hashed.

    Parameters
    ----------
    model : dict or None
        Spec for :func:`ibcore.models.build_model`, e.g. ``{"kind": "mlp", "widths": [12, 10, 2]}``
        (defaults are filled in, so equal architectures hash equally). ``None`` only when an
        ``nn.Module`` is passed to :func:`train_and_record` as ``model=``.
    optimizer : {"adam", "sgd"}, default "adam"
    lr : float, default 4e-4
        Saxe et al.'s SZT setting.
    batch_size : int, default 256
    n_epochs : int, default 100
    loss : {"ce"}, default "ce"
        Cross-entropy on the model's logits.
    seed : int, default 0
    schedule : {"saxe", "all", "ends"} or list of int, default "saxe"
        Epochs to record (see :func:`resolve_schedule`).
    activation_dtype : {"float16", "bfloat16", "float32"}, default "float16"
        Storage dtype of the recorded activations.
    full_batch : bool, default False
        Gradient descent on the whole training set per step (``batch_size`` is then ignored).
    optimizer_options : dict, default {}
        Extra keyword options of the torch optimizer: Adam ``betas``, ``eps``, ``weight_decay``,
        ``amsgrad``; SGD ``momentum``, ``dampening``, ``weight_decay``, ``nesterov``.
    record_weights : bool, default False
        Also keep the network's ``state_dict`` at every recorded epoch (:attr:`RecordedRun.weights`),
        e.g. for sample propagation through the noisy layers of an earlier epoch.
    orthonormal_penalty : float, default 0.0
        lambda >= 0 of the penalty ``lambda * sum_l ||W_l W_l^T - I||_F^2`` over the network's
        linear layers (:func:`ibcore.training.penalties.orthonormality`) added to the training loss;
        the recorded ``train_loss`` stays the cross-entropy alone.
    init : {"torch", "saxe", "idnns", "glorot"}, default "torch"
        Weight initialisation of a spec-built MLP (:func:`ibcore.training.init.initialize`):
        torch's default or the scheme of an authors' code base, described in
        :data:`ibcore.training.init.DESCRIPTIONS` ("saxe": artemyk/ibsgd's SZT model, "idnns":
        ravidziv/IDNNs, "glorot": Keras' default, ibsgd's MNIST model).
    parseval_alpha : float, default 0.0
        alpha >= 0 of the Parseval retraction ``W <- W - alpha (W W^T W - W)`` applied to every
        linear layer but the last after each optimiser step
        (:func:`ibcore.training.retraction.parseval_retraction`; kgreenewald/smoothMI's
        ``orthWeightUpdate``); 0 switches it off.

    Notes
    -----
    ``record_weights``, ``orthonormal_penalty``, ``init`` and ``parseval_alpha`` enter :meth:`to_dict`
    (and so the cache key)
    only when set away from their defaults, so the keys of runs that do not use them are those
    of ibcore versions without these options.
    """

    model: dict[str, Any] | None = None
    optimizer: str = "adam"
    lr: float = 4e-4
    batch_size: int = 256
    n_epochs: int = 100
    loss: str = "ce"
    seed: int = 0
    schedule: str | list[int] = "saxe"
    activation_dtype: str = "float16"
    full_batch: bool = False
    optimizer_options: dict[str, Any] = field(default_factory=dict)
    record_weights: bool = False
    orthonormal_penalty: float = 0.0
    init: str = "torch"
    parseval_alpha: float = 0.0

    def __post_init__(self) -> None:
        if self.model is not None:
            self.model = normalize_spec(self.model)
        check_choice(self.optimizer, "optimizer", tuple(OPTIMIZERS))
        self.lr = check_positive(self.lr, "lr")
        self.batch_size = check_int(self.batch_size, "batch_size", minimum=1)
        self.n_epochs = check_int(self.n_epochs, "n_epochs", minimum=0)
        check_choice(self.loss, "loss", ("ce",))
        self.seed = check_int(self.seed, "seed", minimum=0)
        self.schedule = (
            self.schedule
            if isinstance(self.schedule, str)
            else resolve_schedule(self.schedule, self.n_epochs).tolist()
        )
        resolve_schedule(self.schedule, self.n_epochs)
        check_choice(self.activation_dtype, "activation_dtype", tuple(DTYPES))
        if not isinstance(self.full_batch, bool):
            raise TypeError(f"full_batch must be a bool, got {type(self.full_batch).__name__}")
        if not isinstance(self.optimizer_options, dict):
            raise TypeError(f"optimizer_options must be a dict, got {type(self.optimizer_options).__name__}")
        allowed = _OPTIMIZER_OPTIONS[self.optimizer]
        unknown = sorted(set(self.optimizer_options) - set(allowed))
        if unknown:
            raise ValueError(
                f"unknown optimizer_options {unknown} for optimizer={self.optimizer!r}; "
                f"accepted: {list(allowed)}"
            )
        try:
            self.optimizer_options = json.loads(json.dumps(self.optimizer_options))
        except TypeError as err:
            raise TypeError(f"optimizer_options must be JSON-serializable: {err}") from None
        if not isinstance(self.record_weights, bool):
            raise TypeError(f"record_weights must be a bool, got {type(self.record_weights).__name__}")
        self.orthonormal_penalty = check_positive(
            self.orthonormal_penalty, "orthonormal_penalty", allow_zero=True
        )
        check_choice(self.init, "init", INITS)
        self.parseval_alpha = check_positive(self.parseval_alpha, "parseval_alpha", allow_zero=True)

    def to_dict(self) -> dict[str, Any]:
        """A plain JSON-serializable dict (``TrainConfig.from_dict`` inverts it).

        Options added after the cache format was fixed (``record_weights``,
        ``orthonormal_penalty``, ``init``, ``parseval_alpha``) appear only when they differ from their
        defaults, so that the cache keys of configurations that leave them alone do not change.
        """
        d = json.loads(json.dumps(dataclasses.asdict(self)))
        for name, default in _OPTIONAL_DEFAULTS.items():
            if d[name] == default:
                del d[name]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        if not isinstance(d, dict):
            raise TypeError(f"config must be a TrainConfig or a dict, got {type(d).__name__}")
        names = [f.name for f in dataclasses.fields(cls)]
        unknown = sorted(set(d) - set(names))
        if unknown:
            raise ValueError(f"unknown config field(s) {unknown}; accepted: {names}")
        return cls(**d)

    def epochs(self) -> np.ndarray:
        """The recorded epochs, sorted."""
        return resolve_schedule(self.schedule, self.n_epochs)


def as_config(config: TrainConfig | dict[str, Any]) -> TrainConfig:
    """A validated copy of ``config`` (a :class:`TrainConfig` or its dict)."""
    if isinstance(config, TrainConfig):
        return TrainConfig.from_dict(config.to_dict())  # a validated copy
    return TrainConfig.from_dict(config)


@dataclass(repr=False)
class RecordedRun:
    """One training run's recorded activations and training history.

    Attributes
    ----------
    config : dict
        ``TrainConfig.to_dict()`` of the run.
    key : str or None
        SHA-256 of the configuration (see :func:`train_and_record`), also when ``cache=False``;
        ``None`` for a custom module trained without a ``cache_key``.
    seed : int
    epochs : numpy.ndarray of int64, shape (E,)
        Recorded epochs (0 = before training).
    layers : list of str
        Recorded layers, input -> output order.
    activations : dict of str to torch.Tensor
        Per layer, shape (E, N_eval, d_layer), ``activation_dtype`` (float16 by default), CPU.
    x_eval : torch.Tensor, shape (N_eval, ...)
        Inputs the activations were recorded on (float32, CPU).
    y_eval : torch.Tensor, shape (N_eval,)
        Their labels (int64, CPU).
    history : pandas.DataFrame
        One row per epoch 0..n_epochs: ``epoch, train_loss, train_acc, eval_loss, eval_acc``
        (losses in nats). Epoch 0 is evaluated on the whole training set; later train_* are the
        running means over the epoch's mini-batches (as Keras reports them); eval_* are computed
        on the evaluation set in eval mode after each epoch.
    device : str
        Device it was trained on.
    wall_time_s : float
        Training time including recording (all sessions of a resumed run). For seeds trained
        together by :func:`train_seeds`, the time of the whole batch.
    model_state : dict of str to torch.Tensor, optional
        Final ``state_dict`` of the network (CPU), see :meth:`final_model`.
    weights : list of dict of str to torch.Tensor, optional
        With ``TrainConfig(record_weights=True)``: the network's ``state_dict`` (CPU, float32)
        at each recorded epoch, aligned with :attr:`epochs`; see :meth:`model_at`. ``None``
        otherwise.
    info : dict
        Provenance: torch version, ``batched_with`` (seeds trained together), ``resumed`` count.
    from_cache : bool
        Whether this object was loaded from the cache rather than trained now (not saved).
    """

    config: dict[str, Any]
    key: str | None
    seed: int
    epochs: np.ndarray
    layers: list[str]
    activations: dict[str, torch.Tensor]
    x_eval: torch.Tensor
    y_eval: torch.Tensor
    history: pd.DataFrame
    device: str
    wall_time_s: float
    model_state: dict[str, torch.Tensor] | None = None
    info: dict[str, Any] = field(default_factory=dict)
    from_cache: bool = False
    weights: list[dict[str, torch.Tensor]] | None = None

    def __repr__(self) -> str:
        dims = {name: int(a.shape[-1]) for name, a in self.activations.items()}
        return (
            f"RecordedRun(seed={self.seed}, epochs={len(self.epochs)} in [{int(self.epochs[0])}, "
            f"{int(self.epochs[-1])}], N_eval={int(self.x_eval.shape[0])}, layers={dims}, "
            f"device={self.device!r}, wall_time_s={self.wall_time_s:.1f}, key={str(self.key)[:12]}..., "
            f"from_cache={self.from_cache})"
        )

    def layer(self, name: str) -> torch.Tensor:
        """Activations of one layer as a float32 tensor of shape (E, N_eval, d)."""
        if name not in self.activations:
            raise ValueError(f"layer {name!r} was not recorded; recorded: {self.layers}")
        return self.activations[name].float()

    def epoch_index(self, epoch: int) -> int:
        """Position of ``epoch`` in :attr:`epochs` (``ValueError`` if it was not recorded)."""
        hits = np.nonzero(self.epochs == epoch)[0]
        if hits.size == 0:
            raise ValueError(f"epoch {epoch} was not recorded; recorded: {self.epochs.tolist()}")
        return int(hits[0])

    @property
    def nbytes(self) -> int:
        """Bytes held by the activations, ``x_eval`` and ``y_eval``."""
        tensors = [*self.activations.values(), self.x_eval, self.y_eval]
        return int(sum(t.numel() * t.element_size() for t in tensors))

    def final_model(self) -> nn.Module:
        """Rebuild the trained network from ``config["model"]`` and :attr:`model_state` (CPU)."""
        spec = self.config.get("model")
        if spec is None or self.model_state is None:
            raise ValueError("this run has no model spec or no saved model_state to rebuild from")
        with torch.random.fork_rng(devices=[]):
            model = build_model(spec)
        model.load_state_dict(self.model_state)
        return model

    def model_at(self, epoch: int) -> nn.Module:
        """Rebuild the network as it was at a recorded ``epoch`` (needs ``record_weights=True``).

        Returns the model (CPU, train mode as built) with the weights of that epoch; its noise
        modules, if any, are as configured (switch them with :func:`ibcore.models.set_noise`).
        """
        spec = self.config.get("model")
        if spec is None or self.weights is None:
            raise ValueError(
                "this run kept no weights per epoch: train it with TrainConfig(record_weights=True)"
            )
        with torch.random.fork_rng(devices=[]):
            model = build_model(spec)
        model.load_state_dict(self.weights[self.epoch_index(epoch)])
        return model

    def _payload(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "config": self.config,
            "key": self.key,
            "seed": int(self.seed),
            "epochs": torch.as_tensor(np.asarray(self.epochs, dtype=np.int64)),
            "layers": list(self.layers),
            "activations": {k: v.contiguous() for k, v in self.activations.items()},
            "x_eval": self.x_eval.contiguous(),
            "y_eval": self.y_eval.contiguous(),
            "history": {c: self.history[c].tolist() for c in self.history.columns},
            "device": self.device,
            "wall_time_s": float(self.wall_time_s),
            "model_state": self.model_state,
            "info": self.info,
            "weights": self.weights,
        }

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the run to ``path`` (a ``.pt`` file, written atomically)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        torch_save(self._payload(), path)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> RecordedRun:
        """Read a run written by :meth:`save` (``weights_only`` unpickling: no code is run)."""
        d = torch.load(Path(path), map_location="cpu", weights_only=True)
        if d.get("format") != FORMAT:
            raise ValueError(f"{path} has cache format {d.get('format')}, this ibcore reads {FORMAT}")
        return cls(
            config=d["config"],
            key=d["key"],
            seed=d["seed"],
            epochs=d["epochs"].numpy(),
            layers=d["layers"],
            activations=d["activations"],
            x_eval=d["x_eval"],
            y_eval=d["y_eval"],
            history=pd.DataFrame(d["history"]),
            device=d["device"],
            wall_time_s=d["wall_time_s"],
            model_state=d["model_state"],
            info=d["info"],
            from_cache=True,
            weights=d.get("weights"),
        )
