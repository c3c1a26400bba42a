"""Train a classifier and record its layers' activations over epochs, cached on disk and resumable.

The pieces, from small to large:

* :func:`record_activations` / :class:`ActivationRecorder`: forward hooks on named submodules of
  *any* :class:`torch.nn.Module` (``model.get_submodule(name)``), output flattened to (N, d).
* :func:`saxe_schedule`: which epochs to record (dense early, sparse late, as Saxe et al. 2018).
* :func:`train_and_record`: train one network from a :class:`TrainConfig` and return a
  :class:`RecordedRun` holding every recorded layer at every recorded epoch on an evaluation set
  (float16, CPU). Runs are cached under ``runs_dir()/<key>/`` where ``key`` is the SHA-256 of the
  configuration, the data, the layers, the schedule and the ibcore version; a rerun loads the cache
  and an interrupted run resumes from its last checkpoint.
* :func:`train_seeds`: the same for several seeds; MLPs train all seeds at once as one batched
  network (stacked weights, :func:`torch.baddbmm`) whose seeds match separate runs to float
  rounding, each cached on its own.

Reproducibility: the weights are initialised after ``torch.manual_seed(seed)`` (on the CPU, then
moved to the device), the mini-batch order comes from a dedicated :class:`torch.Generator` seeded
from the seed, and noise/dropout use torch's global RNG, which checkpoints save and restore. On
the CPU two runs with the same seed are bit-identical; CUDA kernels need not be deterministic.
The caller's global RNG state is left as it was.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import os
import shutil
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from ibcore._device import resolve_device
from ibcore._paths import runs_dir
from ibcore._progress import progress_bar
from ibcore._validation import as_2d, check_choice, check_int, check_labels, check_positive
from ibcore.models import MLP, _activation, build_model, normalize_spec

__all__ = [
    "SCHEDULES",
    "ActivationRecorder",
    "record_activations",
    "saxe_schedule",
    "resolve_schedule",
    "TrainConfig",
    "RecordedRun",
    "train_and_record",
    "train_seeds",
]

_FORMAT = 1  # bump when the cache layout or the meaning of a recorded run changes
_DTYPES = {"float16": torch.float16, "bfloat16": torch.bfloat16, "float32": torch.float32}
_OPTIMIZERS = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}
# Options that act on each parameter entry alone, so one optimizer over stacked seeds equals one per
# seed (Adam's eps is added entrywise to sqrt(v_hat); L2 weight decay adds wd * p entrywise).
_OPTIMIZER_OPTIONS = {
    "adam": ("betas", "eps", "weight_decay", "amsgrad", "decoupled_weight_decay", "foreach"),
    "sgd": ("momentum", "dampening", "weight_decay", "nesterov", "foreach"),
}
SCHEDULES = ("saxe", "all", "ends")
_HISTORY = ("epoch", "train_loss", "train_acc", "eval_loss", "eval_acc")
_EVAL_CHUNK = 1 << 22  # entries (rows x widest layer x models) per evaluation chunk: ~16 MB float32


# --------------------------------------------------------------------------------------------------
# recording


class ActivationRecorder:
    """Context manager that collects the outputs of named submodules through forward hooks.

    >>> net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    >>> with ActivationRecorder(net, ["1", "2"]) as rec:
    ...     _ = net(torch.zeros(5, 3))
    >>> {k: tuple(v.shape) for k, v in rec.result().items()}
    {'1': (5, 4), '2': (5, 2)}

    Parameters
    ----------
    model : torch.nn.Module
    layers : list of str
        Names as in ``model.named_modules()`` (``"layer1"``, ``"features.3"``, ...).
    flatten : bool, default True
        Reshape each output to (batch, -1); ``False`` keeps e.g. (batch, C, H, W).
    dtype : torch.dtype, optional
        Cast the stored outputs (e.g. ``torch.float16``); ``None`` keeps the module's dtype.
    to_cpu : bool, default True
        Move stored outputs to the CPU as they arrive (bounded device memory).

    Notes
    -----
    Outputs are detached. Hooks are removed on exit, also when the body raises. A module that
    returns something other than a tensor raises ``TypeError``. :meth:`result` orders the layers
    as the forward pass first reached them, i.e. input -> output for a feed-forward net.
    """

    def __init__(self, model: nn.Module, layers: Sequence[str], *, flatten: bool = True,
                 dtype: torch.dtype | None = None, to_cpu: bool = True):
        if not isinstance(model, nn.Module):
            raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
        self.layers = _check_layer_names(model, layers)
        self.model = model
        self.flatten = bool(flatten)
        self.dtype = dtype
        self.to_cpu = bool(to_cpu)
        self._chunks: dict[str, list[torch.Tensor]] = {name: [] for name in self.layers}
        self._order: list[str] = []
        self._handles: list[Any] = []

    def _hook(self, name: str) -> Callable[..., None]:
        def hook(module: nn.Module, inputs: Any, output: Any) -> None:
            if not isinstance(output, torch.Tensor):
                raise TypeError(f"layer {name!r} returned {type(output).__name__}, not a tensor; "
                                "hook a submodule that returns a tensor")
            t = output.detach()
            if self.flatten:
                t = t.reshape(t.shape[0], -1) if t.ndim > 1 else t.reshape(-1, 1)
            if self.dtype is not None:
                t = t.to(self.dtype)
            if self.to_cpu:
                t = t.cpu()
            self._chunks[name].append(t)
            if name not in self._order:
                self._order.append(name)
        return hook

    def __enter__(self) -> ActivationRecorder:
        try:
            for name in self.layers:
                module = self.model.get_submodule(name)
                self._handles.append(module.register_forward_hook(self._hook(name)))
        except BaseException:
            self.remove()
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()

    def remove(self) -> None:
        """Remove the hooks (idempotent)."""
        for handle in self._handles:
            handle.remove()
        self._handles.clear()

    def counts(self) -> dict[str, int]:
        """How many outputs each layer has produced so far."""
        return {name: len(chunks) for name, chunks in self._chunks.items()}

    def clear(self) -> None:
        """Forget the collected outputs (the hooks stay)."""
        for chunks in self._chunks.values():
            chunks.clear()

    def result(self) -> dict[str, torch.Tensor]:
        """Concatenate the collected outputs along the batch axis, layers in forward order."""
        missing = [name for name in self.layers if not self._chunks[name]]
        if missing:
            raise ValueError(f"layer(s) {missing} were never reached by the forward pass")
        return {name: torch.cat(self._chunks[name]) for name in self._order}


def _check_layer_names(model: nn.Module, layers: Any) -> list[str]:
    if isinstance(layers, str) or not isinstance(layers, Iterable):
        raise TypeError(f"layers must be a list of submodule names, got {type(layers).__name__}")
    layers = list(layers)
    if not layers:
        raise ValueError("layers is empty: name at least one submodule to record")
    if not all(isinstance(name, str) for name in layers):
        raise TypeError(f"layers must hold strings, got {layers!r}")
    if len(set(layers)) != len(layers):
        raise ValueError(f"layers holds duplicates: {layers}")
    available = [name for name, _ in model.named_modules() if name]
    unknown = [name for name in layers if name not in set(available)]
    if unknown:
        raise ValueError(f"unknown layer name(s) {unknown} for {type(model).__name__}; "
                         f"available: {available}")
    return layers


def _model_device(model: nn.Module) -> torch.device:
    for t in model.parameters():
        return t.device
    for t in model.buffers():
        return t.device
    return torch.device("cpu")


def _model_float_dtype(model: nn.Module) -> torch.dtype:
    for t in model.parameters():
        if t.is_floating_point():
            return t.dtype
    return torch.float32


def record_activations(
    model: nn.Module,
    x: Any,
    layers: Sequence[str],
    *,
    batch_size: int = 1024,
    device: str | torch.device | None = None,
    flatten: bool = True,
    dtype: torch.dtype | None = None,
) -> dict[str, torch.Tensor]:
    """Run ``model`` on ``x`` and return the outputs of the named submodules, one row per sample.

    Parameters
    ----------
    model : torch.nn.Module
        Any module; it is put in ``eval()`` mode and run under :func:`torch.no_grad`, and its
        previous train/eval mode is restored afterwards (also on error).
    x : torch.Tensor or numpy.ndarray, shape (N, ...)
        Inputs; floating inputs are cast to the model's parameter dtype.
    layers : list of str
        Submodule names as in ``model.named_modules()``. An unknown name raises ``ValueError``
        listing the available ones.
    batch_size : int, default 1024
        Samples per forward pass (memory stays bounded for any N).
    device : str or torch.device, optional
        Where to run; ``None``: the model's device. The model is not moved.
    flatten : bool, default True
        Return (N, d) with d the number of entries per sample; ``False`` keeps (N, C, H, W) etc.
    dtype : torch.dtype, optional
        Store the activations in this dtype (e.g. ``torch.float16``).

    Returns
    -------
    dict of str to torch.Tensor
        CPU tensors of shape (N, d_layer), in the order the forward pass reached the layers.

    Raises
    ------
    ValueError
        Unknown or duplicate layer names, empty ``x``, or a submodule called more than once per
        forward pass (a shared module: its outputs would not be one row per sample).
    """
    layers = _check_layer_names(model, layers)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    xt = _as_tensor(x, "x")
    if xt.ndim == 0 or xt.shape[0] == 0:
        raise ValueError(f"x must hold at least one sample along its first axis, got shape {tuple(xt.shape)}")
    dev = _model_device(model) if device is None else resolve_device(device)
    in_dtype = _model_float_dtype(model) if xt.is_floating_point() else xt.dtype
    was_training = model.training
    try:
        model.eval()
        with ActivationRecorder(model, layers, flatten=flatten, dtype=dtype) as rec, torch.no_grad():
            for i, start in enumerate(range(0, xt.shape[0], batch_size), start=1):
                model(xt[start:start + batch_size].to(device=dev, dtype=in_dtype))
                wrong = {name: c for name, c in rec.counts().items() if c != i}
                if wrong:
                    raise ValueError(f"each recorded layer must run exactly once per forward pass; after "
                                     f"{i} batch(es) the hooks fired {wrong} times")
            return rec.result()
    finally:
        model.train(was_training)


# --------------------------------------------------------------------------------------------------
# schedules


def saxe_schedule(n_epochs: int) -> np.ndarray:
    """Epochs at which Saxe et al. (2018) record activations, for a run of ``n_epochs`` epochs.

    Every epoch below 20, every 5th below 100, every 20th below 2000 and every 100th after that,
    plus the last epoch. Epoch 0 is the network before training; epoch e is after e passes.

    Parameters
    ----------
    n_epochs : int >= 0

    Returns
    -------
    numpy.ndarray of int64, sorted
        E.g. 142 epochs for ``n_epochs=3000`` (20 + 16 + 95 + 11), 212 for 10000.

    References
    ----------
    Saxe, Bansal, Dapello, Advani, Kolchinsky, Tracey, Cox, "On the Information Bottleneck Theory
    of Deep Learning", ICLR 2018; the ``do_report`` rule of their code (github.com/artemyk/ibsgd).

    Examples
    --------
    >>> saxe_schedule(30).tolist()[18:]
    [18, 19, 20, 25, 30]
    """
    n = check_int(n_epochs, "n_epochs", minimum=0)
    e = np.arange(n + 1, dtype=np.int64)
    keep = np.where(e < 20, True,
                    np.where(e < 100, e % 5 == 0, np.where(e < 2000, e % 20 == 0, e % 100 == 0)))
    keep[-1] = True
    return e[keep]


def resolve_schedule(schedule: str | Sequence[int], n_epochs: int) -> np.ndarray:
    """Turn a schedule name (``"saxe"``, ``"all"``, ``"ends"``: 0 and the last) or a list into epochs."""
    n = check_int(n_epochs, "n_epochs", minimum=0)
    if isinstance(schedule, str):
        check_choice(schedule, "schedule", SCHEDULES)
        if schedule == "saxe":
            return saxe_schedule(n)
        if schedule == "all":
            return np.arange(n + 1, dtype=np.int64)
        return np.unique(np.array([0, n], dtype=np.int64))
    epochs = [check_int(e, "schedule[i]", minimum=0) for e in schedule]
    if not epochs:
        raise ValueError("schedule is an empty list: give at least one epoch to record")
    bad = [e for e in epochs if e > n]
    if bad:
        raise ValueError(f"schedule holds epochs {bad} beyond n_epochs={n}")
    return np.unique(np.array(epochs, dtype=np.int64))


# --------------------------------------------------------------------------------------------------
# configuration and result


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

    def __post_init__(self) -> None:
        if self.model is not None:
            self.model = normalize_spec(self.model)
        check_choice(self.optimizer, "optimizer", tuple(_OPTIMIZERS))
        self.lr = check_positive(self.lr, "lr")
        self.batch_size = check_int(self.batch_size, "batch_size", minimum=1)
        self.n_epochs = check_int(self.n_epochs, "n_epochs", minimum=0)
        check_choice(self.loss, "loss", ("ce",))
        self.seed = check_int(self.seed, "seed", minimum=0)
        self.schedule = (self.schedule if isinstance(self.schedule, str)
                         else resolve_schedule(self.schedule, self.n_epochs).tolist())
        resolve_schedule(self.schedule, self.n_epochs)
        check_choice(self.activation_dtype, "activation_dtype", tuple(_DTYPES))
        if not isinstance(self.full_batch, bool):
            raise TypeError(f"full_batch must be a bool, got {type(self.full_batch).__name__}")
        if not isinstance(self.optimizer_options, dict):
            raise TypeError(f"optimizer_options must be a dict, got {type(self.optimizer_options).__name__}")
        allowed = _OPTIMIZER_OPTIONS[self.optimizer]
        unknown = sorted(set(self.optimizer_options) - set(allowed))
        if unknown:
            raise ValueError(f"unknown optimizer_options {unknown} for optimizer={self.optimizer!r}; "
                             f"accepted: {list(allowed)}")
        try:
            self.optimizer_options = json.loads(json.dumps(self.optimizer_options))
        except TypeError as err:
            raise TypeError(f"optimizer_options must be JSON-serializable: {err}") from None

    def to_dict(self) -> dict[str, Any]:
        """A plain JSON-serializable dict (``TrainConfig.from_dict`` inverts it)."""
        return json.loads(json.dumps(dataclasses.asdict(self)))

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


def _as_config(config: TrainConfig | dict[str, Any]) -> TrainConfig:
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

    def __repr__(self) -> str:
        dims = {name: int(a.shape[-1]) for name, a in self.activations.items()}
        return (f"RecordedRun(seed={self.seed}, epochs={len(self.epochs)} in [{int(self.epochs[0])}, "
                f"{int(self.epochs[-1])}], N_eval={int(self.x_eval.shape[0])}, layers={dims}, "
                f"device={self.device!r}, wall_time_s={self.wall_time_s:.1f}, key={str(self.key)[:12]}..., "
                f"from_cache={self.from_cache})")

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

    def _payload(self) -> dict[str, Any]:
        return {
            "format": _FORMAT,
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
        }

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the run to ``path`` (a ``.pt`` file, written atomically)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        _atomic_save(self._payload(), path)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> RecordedRun:
        """Read a run written by :meth:`save` (``weights_only`` unpickling: no code is run)."""
        d = torch.load(Path(path), map_location="cpu", weights_only=True)
        if d.get("format") != _FORMAT:
            raise ValueError(f"{path} has cache format {d.get('format')}, this ibcore reads {_FORMAT}")
        return cls(config=d["config"], key=d["key"], seed=d["seed"], epochs=d["epochs"].numpy(),
                   layers=d["layers"], activations=d["activations"], x_eval=d["x_eval"],
                   y_eval=d["y_eval"], history=pd.DataFrame(d["history"]), device=d["device"],
                   wall_time_s=d["wall_time_s"], model_state=d["model_state"], info=d["info"],
                   from_cache=True)


# --------------------------------------------------------------------------------------------------
# files and keys


def _atomic_save(obj: Any, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        torch.save(obj, tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _atomic_write_text(text: str, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _version() -> str:
    try:
        return metadata.version("ibcore")
    except metadata.PackageNotFoundError:  # pragma: no cover - not installed
        return "unknown"


def _fingerprint(*tensors: torch.Tensor) -> str:
    """SHA-256 over dtypes, shapes and bytes of the given CPU tensors."""
    h = hashlib.sha256()
    for t in tensors:
        t = t.detach().cpu().contiguous()
        h.update(f"{t.dtype}|{tuple(t.shape)}|".encode())
        h.update(t.view(torch.uint8).numpy() if t.numel() else b"")
    return h.hexdigest()


def _key_payload(cfg: TrainConfig, data_fp: str, layers: Sequence[str], epochs: np.ndarray,
                 cache_key: str | None) -> dict[str, Any]:
    return {"format": _FORMAT, "ibcore": _version(), "config": cfg.to_dict(), "data": data_fp,
            "layers": sorted(layers), "epochs": [int(e) for e in epochs], "custom_model": cache_key}


def _hash(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _load_cached(run_dir: Path) -> RecordedRun | None:
    path = run_dir / "run.pt"
    if not path.exists():
        return None
    try:
        return RecordedRun.load(path)
    except Exception as err:  # a corrupt or foreign file: train again rather than fail
        warnings.warn(f"ignoring unreadable cached run {path}: {err}", stacklevel=3)
        return None


# --------------------------------------------------------------------------------------------------
# data


def _as_tensor(x: Any, name: str) -> torch.Tensor:
    if isinstance(x, torch.Tensor):
        return x.detach()
    if isinstance(x, np.ndarray):
        return torch.from_numpy(np.ascontiguousarray(x))
    raise TypeError(f"{name} must be a torch.Tensor or numpy.ndarray, got {type(x).__name__}")


def _as_inputs(x: Any, name: str) -> torch.Tensor:
    """Inputs as a finite float32 CPU tensor of shape (N, ...); 1-D becomes (N, 1)."""
    t = _as_tensor(x, name)
    if t.ndim <= 2:
        return as_2d(t, name, device="cpu", dtype=torch.float32)
    if t.shape[0] == 0 or t.numel() == 0:
        raise ValueError(f"{name} is empty (shape {tuple(t.shape)})")
    t = t.to(device="cpu", dtype=torch.float32)
    if not bool(torch.isfinite(t).all()):
        raise ValueError(f"{name} contains NaN or infinite values")
    return t


def _as_data(pair: Any, name: str) -> tuple[torch.Tensor, torch.Tensor]:
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise TypeError(f"{name} must be a pair (x, y) of inputs and labels, got {type(pair).__name__}")
    x = _as_inputs(pair[0], f"{name}[0] (x)")
    y = check_labels(pair[1], f"{name}[1] (y)", n=x.shape[0], device="cpu")
    if int(y.min()) < 0:
        raise ValueError(f"{name}[1] (y) must hold class indices >= 0, got min {int(y.min())}")
    return x, y


def _check_data_for_model(model: nn.Module, x: torch.Tensor, y: torch.Tensor, name: str) -> None:
    shape = getattr(model, "input_shape", None)
    if shape and tuple(x.shape[1:]) != tuple(shape):
        raise ValueError(f"{name} inputs have shape {tuple(x.shape[1:])} per sample, the model takes "
                         f"{tuple(shape)}")
    spec = getattr(model, "_spec", None) or {}
    n_out = spec["widths"][-1] if "widths" in spec else spec.get("n_classes")
    if n_out is not None and int(y.max()) >= n_out:
        raise ValueError(f"{name} labels go up to {int(y.max())} but the model has {n_out} outputs")


# --------------------------------------------------------------------------------------------------
# engines: one network, or S MLPs stacked into one batched network


def _logits(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    fn = getattr(model, "logits", None)
    return fn(x) if callable(fn) else model(x)


def _make_optimizer(cfg: TrainConfig, params: Iterable[torch.Tensor]) -> torch.optim.Optimizer:
    opts = dict(cfg.optimizer_options)
    if "betas" in opts:
        opts["betas"] = tuple(opts["betas"])
    return _OPTIMIZERS[cfg.optimizer](params, lr=cfg.lr, **opts)


class _SingleEngine:
    """One :class:`nn.Module` trained with a torch optimizer (any architecture)."""

    n_models = 1

    def __init__(self, model: nn.Module, cfg: TrainConfig, device: torch.device, dtype: torch.dtype):
        self.model = model.to(device)
        self.opt = _make_optimizer(cfg, self.model.parameters())
        self.dtype = dtype

    def train_epoch(self, x: torch.Tensor, y: torch.Tensor, perms: list[torch.Tensor],
                    batch_size: int) -> tuple[torch.Tensor, torch.Tensor]:
        model, opt = self.model, self.opt
        model.train()
        perm = perms[0]
        loss_sum = torch.zeros((), device=x.device)
        correct = torch.zeros((), device=x.device, dtype=torch.int64)
        for start in range(0, x.shape[0], batch_size):
            idx = perm[start:start + batch_size]
            xb, yb = x[idx], y[idx]
            logits = _logits(model, xb)
            loss = F.cross_entropy(logits, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss_sum += loss.detach() * idx.numel()
            correct += (logits.detach().argmax(-1) == yb).sum()
        n = x.shape[0]
        return (loss_sum / n).reshape(1), (correct / n).reshape(1)

    def evaluate(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        model = self.model
        was_training = model.training
        model.eval()
        chunk = max(1, _EVAL_CHUNK // max(1, int(np.prod(x.shape[1:]))))
        loss_sum = torch.zeros((), device=x.device)
        correct = torch.zeros((), device=x.device, dtype=torch.int64)
        try:
            with torch.no_grad():
                for start in range(0, x.shape[0], chunk):
                    logits = _logits(model, x[start:start + chunk])
                    yb = y[start:start + chunk]
                    loss_sum += F.cross_entropy(logits, yb, reduction="sum")
                    correct += (logits.argmax(-1) == yb).sum()
        finally:
            model.train(was_training)
        n = x.shape[0]
        return (loss_sum / n).reshape(1), (correct / n).reshape(1)

    def record(self, x: torch.Tensor, layers: list[str]) -> list[dict[str, torch.Tensor]]:
        chunk = max(1, _EVAL_CHUNK // max(1, int(np.prod(x.shape[1:]))))
        return [record_activations(self.model, x, layers, batch_size=chunk, dtype=self.dtype)]

    def state_dict(self) -> dict[str, Any]:
        return {"model": self.model.state_dict(), "opt": self.opt.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.model.load_state_dict(state["model"])
        self.opt.load_state_dict(state["opt"])

    def final_states(self) -> list[dict[str, torch.Tensor]]:
        return [{k: v.detach().cpu().clone() for k, v in self.model.state_dict().items()}]


class _StackedMLP:
    """S noise-free :class:`MLP` of one architecture trained as one network.

    Layer l holds W_l of shape (S, d_in, d_out) and b_l of shape (S, 1, d_out); a batch of shape
    (S, B, d_in), seed s seeing its own samples, goes through ``act(baddbmm(b, h, W))``. The loss
    is the sum over seeds of each seed's mean cross-entropy, so each seed's gradient is its own;
    Adam/SGD update each entry from that entry's gradient and state alone, so one optimizer over
    the stacked tensors performs S independent runs (same lr, betas, eps, weight decay, step count).
    """

    def __init__(self, models: list[MLP], cfg: TrainConfig, device: torch.device, dtype: torch.dtype):
        spec = models[0].spec
        self.n_models = len(models)
        self.layer_names = list(models[0].layer_names)
        self.act = _activation(spec["activation"])
        self.out_act = _activation(spec["output_activation"], "output_activation")
        self.dtype = dtype
        linears = [f"{name}.linear" for name in self.layer_names[:-1]] + ["output.pre.linear"]
        self.params: list[torch.Tensor] = []
        self.state_keys: list[tuple[str, bool]] = []  # (state_dict key, stored transposed)
        self.layers_wb: list[tuple[torch.Tensor, torch.Tensor | None]] = []
        for lin in linears:
            w = torch.stack([m.get_submodule(lin).weight.detach().T for m in models]).contiguous()
            w = w.to(device).requires_grad_()
            self.params.append(w)
            self.state_keys.append((f"{lin}.weight", True))
            b = None
            if spec["bias"]:
                b = torch.stack([m.get_submodule(lin).bias.detach()[None, :] for m in models]).contiguous()
                b = b.to(device).requires_grad_()
                self.params.append(b)
                self.state_keys.append((f"{lin}.bias", False))
            self.layers_wb.append((w, b))
        self.opt = _make_optimizer(cfg, self.params)

    def _forward(self, h: torch.Tensor, keep: bool = False) -> tuple[torch.Tensor, list[torch.Tensor]]:
        outs = []
        for w, b in self.layers_wb[:-1]:
            h = self.act(torch.baddbmm(b, h, w) if b is not None else torch.bmm(h, w))
            if keep:
                outs.append(h)
        w, b = self.layers_wb[-1]
        logits = torch.baddbmm(b, h, w) if b is not None else torch.bmm(h, w)
        if keep:
            outs.append(self.out_act(logits))
        return logits, outs

    def train_epoch(self, x: torch.Tensor, y: torch.Tensor, perms: list[torch.Tensor],
                    batch_size: int) -> tuple[torch.Tensor, torch.Tensor]:
        s = self.n_models
        perm = torch.stack(perms)
        loss_sum = torch.zeros(s, device=x.device)
        correct = torch.zeros(s, device=x.device, dtype=torch.int64)
        for start in range(0, x.shape[0], batch_size):
            idx = perm[:, start:start + batch_size]
            xb, yb = x[idx], y[idx]
            logits, _ = self._forward(xb)
            per_seed = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), yb.reshape(-1),
                                       reduction="none").view(s, -1).mean(1)
            self.opt.zero_grad(set_to_none=True)
            per_seed.sum().backward()
            self.opt.step()
            loss_sum += per_seed.detach() * idx.shape[1]
            correct += (logits.detach().argmax(-1) == yb).sum(1)
        n = x.shape[0]
        return loss_sum / n, correct / n

    def _chunk(self, x: torch.Tensor) -> int:
        widest = max(w.shape[-1] for w, _ in self.layers_wb)
        widest = max(widest, x.shape[-1])
        return max(1, _EVAL_CHUNK // (self.n_models * widest))

    def evaluate(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        s, chunk = self.n_models, self._chunk(x)
        loss_sum = torch.zeros(s, device=x.device)
        correct = torch.zeros(s, device=x.device, dtype=torch.int64)
        with torch.no_grad():
            for start in range(0, x.shape[0], chunk):
                xb, yb = x[start:start + chunk], y[start:start + chunk]
                logits, _ = self._forward(xb.expand(s, *xb.shape))
                loss_sum += F.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                            yb.repeat(s), reduction="none").view(s, -1).sum(1)
                correct += (logits.argmax(-1) == yb).sum(1)
        n = x.shape[0]
        return loss_sum / n, correct / n

    def record(self, x: torch.Tensor, layers: list[str]) -> list[dict[str, torch.Tensor]]:
        s, chunk = self.n_models, self._chunk(x)
        parts: dict[str, list[torch.Tensor]] = {name: [] for name in layers}
        with torch.no_grad():
            for start in range(0, x.shape[0], chunk):
                xb = x[start:start + chunk]
                _, outs = self._forward(xb.expand(s, *xb.shape), keep=True)
                for name, out in zip(self.layer_names, outs):
                    if name in parts:
                        parts[name].append(out.to(self.dtype).cpu())
        full = {name: torch.cat(p, dim=1) for name, p in parts.items()}
        order = [name for name in self.layer_names if name in parts]
        return [{name: full[name][i].clone() for name in order} for i in range(s)]

    def state_dict(self) -> dict[str, Any]:
        return {"params": [p.detach().clone() for p in self.params], "opt": self.opt.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        with torch.no_grad():
            for p, saved in zip(self.params, state["params"]):
                p.copy_(saved)
        self.opt.load_state_dict(state["opt"])

    def final_states(self) -> list[dict[str, torch.Tensor]]:
        out = []
        for i in range(self.n_models):
            state = {}
            for p, (key, transposed) in zip(self.params, self.state_keys):
                t = p.detach()[i]
                state[key] = (t.T if transposed else t[0]).cpu().contiguous().clone()
            out.append(state)
        return out


# --------------------------------------------------------------------------------------------------
# the training loop shared by both engines


def _shuffle_generator(seed: int) -> torch.Generator:
    """The dedicated mini-batch-order generator: seeded from (seed, 1), not the init stream."""
    g = torch.Generator()
    g.manual_seed(int(np.random.SeedSequence([seed, 1]).generate_state(1, dtype=np.uint64)[0] >> 1))
    return g


def _cuda_index(device: torch.device) -> int:
    return device.index if device.index is not None else torch.cuda.current_device()


def _check_finite_storage(recs: list[dict[str, torch.Tensor]], dtype_name: str, epoch: int) -> None:
    if dtype_name == "float32":
        return
    for rec in recs:
        for name, t in rec.items():
            if not bool(torch.isfinite(t).all()):
                warnings.warn(f"layer {name!r} at epoch {epoch} has values that overflow "
                              f"{dtype_name} (or are not finite); use activation_dtype='float32'",
                              RuntimeWarning, stacklevel=4)
                return


def _train_loop(engine: Any, *, seeds: list[int], cfg: TrainConfig, data: dict[str, torch.Tensor],
                layers: list[str], device: torch.device, work_dir: Path | None,
                checkpoint_every_s: float, callback: Callable[[int, list[dict[str, float]]], Any] | None,
                progress: bool, desc: str) -> dict[str, Any]:
    """Train ``engine`` for ``cfg.n_epochs`` epochs, recording and checkpointing; resume if possible."""
    x_tr, y_tr, x_ev, y_ev = data["x_train"], data["y_train"], data["x_eval"], data["y_eval"]
    n_train = x_tr.shape[0]
    batch_size = n_train if cfg.full_batch else min(cfg.batch_size, n_train)
    record_at = set(int(e) for e in cfg.epochs())
    gens = [_shuffle_generator(s) for s in seeds]
    # history[s, epoch] = (train_loss, train_acc, eval_loss, eval_acc): one tensor, cheap to checkpoint
    history = torch.full((len(seeds), cfg.n_epochs + 1, len(_HISTORY) - 1), float("nan"), dtype=torch.float64)
    recorded: dict[int, list[dict[str, torch.Tensor]]] = {}
    cuda = device.type == "cuda"
    ck_path = work_dir / "checkpoint.pt" if work_dir is not None else None
    rec_dir = work_dir / "rec" if work_dir is not None else None
    wall_before, resumed, start = 0.0, 0, 1
    t0 = time.perf_counter()

    def log(epoch: int, tr: tuple[torch.Tensor, torch.Tensor], ev: tuple[torch.Tensor, torch.Tensor]
            ) -> list[dict[str, float]]:
        history[:, epoch] = torch.stack([t.detach().double().cpu() for t in (*tr, *ev)], dim=1)
        return [dict(zip(_HISTORY, [epoch, *history[i, epoch].tolist()])) for i in range(len(seeds))]

    def record(epoch: int) -> None:
        recs = engine.record(x_ev, layers)
        _check_finite_storage(recs, cfg.activation_dtype, epoch)
        recorded[epoch] = recs
        if rec_dir is not None:
            rec_dir.mkdir(parents=True, exist_ok=True)
            _atomic_save(recs, rec_dir / f"{epoch:08d}.pt")

    def checkpoint(epoch: int) -> None:
        state = {"format": _FORMAT, "epoch": epoch, "engine": engine.state_dict(),
                 "gens": [g.get_state() for g in gens], "cpu_rng": torch.get_rng_state(),
                 "cuda_rng": torch.cuda.get_rng_state(_cuda_index(device)) if cuda else None,
                 "history": history[:, :epoch + 1].clone(), "recorded": sorted(recorded),
                 "wall": wall_before + time.perf_counter() - t0, "resumed": resumed}
        _atomic_save(state, ck_path)

    if ck_path is not None and ck_path.exists():
        ck = torch.load(ck_path, map_location="cpu", weights_only=True)
        engine.load_state_dict(ck["engine"])
        for g, state in zip(gens, ck["gens"]):
            g.set_state(state)
        torch.set_rng_state(ck["cpu_rng"])
        if cuda and ck["cuda_rng"] is not None:
            torch.cuda.set_rng_state(ck["cuda_rng"], _cuda_index(device))
        history[:, :ck["epoch"] + 1] = ck["history"]
        for epoch in ck["recorded"]:
            recorded[epoch] = torch.load(rec_dir / f"{epoch:08d}.pt", map_location="cpu", weights_only=True)
        wall_before, resumed, start = ck["wall"], ck["resumed"] + 1, ck["epoch"] + 1
    else:
        rows = log(0, engine.evaluate(x_tr, y_tr), engine.evaluate(x_ev, y_ev))
        if 0 in record_at:
            record(0)
        if ck_path is not None:
            checkpoint(0)
        if callback is not None:
            callback(0, rows)
    last_ck = time.perf_counter()

    bar = progress_bar(total=cfg.n_epochs, initial=start - 1, desc=desc, enabled=progress, unit="epoch")
    try:
        for epoch in range(start, cfg.n_epochs + 1):
            if batch_size >= n_train:  # full batch: the order does not matter, skip the shuffle
                perms = [torch.arange(n_train, device=device) for _ in seeds]
            else:
                perms = [torch.randperm(n_train, generator=g).to(device) for g in gens]
            tr = engine.train_epoch(x_tr, y_tr, perms, batch_size)
            rows = log(epoch, tr, engine.evaluate(x_ev, y_ev))
            if epoch in record_at:
                record(epoch)
            now = time.perf_counter()
            if ck_path is not None and (epoch in record_at or now - last_ck >= checkpoint_every_s):
                checkpoint(epoch)
                last_ck = now
            bar.update(1)
            if progress:
                bar.set_postfix(loss=f"{rows[0]['train_loss']:.4f}", acc=f"{rows[0]['eval_acc']:.3f}",
                                refresh=False)
            if callback is not None:
                callback(epoch, rows)
    finally:
        bar.close()
    return {"history": history, "recorded": recorded,
            "wall": wall_before + time.perf_counter() - t0, "resumed": resumed}


def _assemble(cfg: TrainConfig, key: str | None, seed: int, i: int, out: dict[str, Any],
              data: dict[str, torch.Tensor], device: torch.device, state: dict[str, torch.Tensor],
              info: dict[str, Any]) -> RecordedRun:
    epochs = cfg.epochs()
    recorded = out["recorded"]
    layers = list(recorded[int(epochs[0])][i])
    acts = {name: torch.stack([recorded[int(e)][i][name] for e in epochs]) for name in layers}
    for e in epochs:  # drop this seed's per-epoch pieces now that they are stacked (peak memory)
        recorded[int(e)][i] = None
    hist = pd.DataFrame(out["history"][i].numpy(), columns=list(_HISTORY[1:]))
    hist.insert(0, "epoch", np.arange(len(hist), dtype=np.int64))
    return RecordedRun(
        config=cfg.to_dict(), key=key, seed=seed, epochs=epochs, layers=layers, activations=acts,
        x_eval=data["x_eval"].cpu().clone(), y_eval=data["y_eval"].cpu().clone(),
        history=hist,
        device=str(device), wall_time_s=float(out["wall"]), model_state=state,
        info={"torch": str(torch.__version__), "ibcore": _version(), "resumed": out["resumed"], **info},
    )


def _prepare(train: Any, eval: Any, device: torch.device) -> tuple[dict[str, torch.Tensor], str]:
    x_tr, y_tr = _as_data(train, "train")
    if eval is None:
        x_ev, y_ev = x_tr, y_tr
        fp = _fingerprint(x_tr, y_tr) + ":same"
    else:
        x_ev, y_ev = _as_data(eval, "eval")
        if x_ev.shape[1:] != x_tr.shape[1:]:
            raise ValueError(f"eval inputs have shape {tuple(x_ev.shape[1:])} per sample, train inputs "
                             f"{tuple(x_tr.shape[1:])}")
        fp = _fingerprint(x_tr, y_tr, x_ev, y_ev)
    data = {"x_train": x_tr.to(device), "y_train": y_tr.to(device),
            "x_eval": x_ev.to(device), "y_eval": y_ev.to(device)}
    return data, fp


def _default_layers(model: nn.Module, layers: Sequence[str] | None) -> list[str]:
    if layers is None:
        names = getattr(model, "layer_names", None)
        if not names:
            some = [n for n, _ in model.named_modules() if n][:6]
            raise ValueError(f"layers=None works for ibcore models only; name the submodules of "
                             f"{type(model).__name__} to record, e.g. {some}")
        return list(names)
    return _check_layer_names(model, layers)


def _cuda_devices(device: torch.device) -> list[int]:
    return [_cuda_index(device)] if device.type == "cuda" else []


# --------------------------------------------------------------------------------------------------
# public entry points


def train_and_record(
    config: TrainConfig | dict[str, Any],
    train: tuple[Any, Any],
    eval: tuple[Any, Any] | None = None,
    *,
    model: nn.Module | None = None,
    layers: Sequence[str] | None = None,
    cache: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
    cache_key: str | None = None,
    device: str | torch.device | None = None,
    progress: bool = True,
    checkpoint_every_s: float = 5.0,
    callback: Callable[[int, dict[str, float]], Any] | None = None,
) -> RecordedRun:
    """Train one classifier and record its layers on an evaluation set at the scheduled epochs.

    The loss is the mean cross-entropy of the model's logits (``model.logits(x)`` when the model
    has that method, else ``model(x)``) over mini-batches drawn without replacement in a fresh
    random order every epoch. At each epoch of ``config.schedule`` the layers' outputs on the
    evaluation inputs are recorded in eval mode (noise modules of ibcore models stay on there).

    Parameters
    ----------
    config : TrainConfig or dict
    train : (x, y)
        Training inputs (N, ...) and integer labels (N,), torch tensors or numpy arrays.
    eval : (x, y), optional
        Evaluation set on which activations are recorded and eval_* metrics computed; ``None``:
        the training set (Shwartz-Ziv & Tishby's information plane uses the whole data set: pass
        all 4096 SZT inputs here when training on a split).
    model : torch.nn.Module, optional
        Train this network (a deep copy; the argument is left untouched) instead of building
        ``config.model`` (which must then be ``None``). Its initialisation is the caller's.
    layers : list of str, optional
        Submodules to record; default: all layers of an ibcore model (``model.layer_names``).
    cache : bool, default True
        Load the run from ``<cache_dir>/<key>/run.pt`` if present; otherwise train with
        checkpoints in that folder and write the run there. A custom ``model`` is cached only
        with an explicit ``cache_key`` (a string that must name the architecture and its init).
    cache_dir : path, optional
        Default :func:`ibcore._paths.runs_dir` (``$IBCORE_CACHE/runs``).
    cache_key : str, optional
        See ``cache``; ignored for spec-built models.
    device : str or torch.device, optional
        ``None``: CUDA if available, else CPU. Not part of the key: a cached run is reused on any
        device (``run.device`` says where it was trained).
    progress : bool, default True
        Show a tqdm bar over epochs.
    checkpoint_every_s : float, default 5.0
        Seconds of training between checkpoints (model, optimizer, RNG states, history); one is
        also written at every recorded epoch. A killed run loses at most one epoch or this many
        seconds, whichever is longer; 0 checkpoints after every epoch.
    callback : callable, optional
        ``callback(epoch, row)`` after each epoch (after its checkpoint), ``row`` the history row.
        An exception raised there stops training; the next call resumes after that epoch.

    Returns
    -------
    RecordedRun

    Notes
    -----
    The cache key is the SHA-256 of: the config (with the seed and the model spec, defaults filled
    in), a SHA-256 of the data tensors (float32 inputs, int64 labels, train and eval), the sorted
    layer names, the recorded epochs, the ibcore version and a cache-format number. Nothing
    locks a run folder: two processes training the same key at once both finish, one file wins.
    """
    cfg = _as_config(config)
    checkpoint_every_s = check_positive(checkpoint_every_s, "checkpoint_every_s", allow_zero=True)
    if model is not None:
        if not isinstance(model, nn.Module):
            raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
        if cfg.model is not None:
            raise ValueError("give the network either as config.model (a spec) or as model=, not both")
        if cache_key is not None and not isinstance(cache_key, str):
            raise TypeError(f"cache_key must be a string, got {type(cache_key).__name__}")
    elif cfg.model is None:
        raise ValueError("config.model is None: give a model spec such as {'kind': 'mlp', 'widths': "
                         "[12, 10, 7, 5, 4, 3, 2]} or pass an nn.Module as model=")
    dev = resolve_device(device)
    data, fp = _prepare(train, eval, dev)
    with torch.random.fork_rng(devices=_cuda_devices(dev)):
        torch.manual_seed(cfg.seed)
        net = copy.deepcopy(model) if model is not None else build_model(cfg.model)
        _check_data_for_model(net, data["x_train"], data["y_train"], "train")
        _check_data_for_model(net, data["x_eval"], data["y_eval"], "eval")
        layers = _default_layers(net, layers)
        cacheable = cache and (model is None or cache_key is not None)
        key = _hash(_key_payload(cfg, fp, layers, cfg.epochs(), cache_key if model is not None else None))
        run_dir = Path(cache_dir) / key if cache_dir is not None else runs_dir() / key
        if cacheable:
            hit = _load_cached(run_dir)
            if hit is not None:
                return hit
            run_dir.mkdir(parents=True, exist_ok=True)
            _atomic_write_text(json.dumps(_key_payload(cfg, fp, layers, cfg.epochs(), cache_key
                                                       if model is not None else None), indent=1),
                               run_dir / "config.json")
        engine = _SingleEngine(net, cfg, dev, _DTYPES[cfg.activation_dtype])
        cb = (lambda e, rows: callback(e, rows[0])) if callback is not None else None
        out = _train_loop(engine, seeds=[cfg.seed], cfg=cfg, data=data, layers=layers, device=dev,
                          work_dir=run_dir if cacheable else None, checkpoint_every_s=checkpoint_every_s,
                          callback=cb, progress=progress, desc=f"seed {cfg.seed}")
    keyed = model is None or cache_key is not None
    run = _assemble(cfg, key if keyed else None, cfg.seed, 0, out, data, dev, engine.final_states()[0],
                    {"cache_key": cache_key} if model is not None else {})
    if cacheable:
        run.save(run_dir / "run.pt")
        _cleanup_work(run_dir)
    return run


def _cleanup_work(work_dir: Path) -> None:
    ck = work_dir / "checkpoint.pt"
    if ck.exists():
        ck.unlink()
    shutil.rmtree(work_dir / "rec", ignore_errors=True)


def _can_stack(cfg: TrainConfig, layers: list[str], template: nn.Module) -> str | None:
    """Why these runs cannot be trained as one stacked MLP (``None``: they can)."""
    if cfg.model is None or cfg.model["kind"] != "mlp":
        return "only MLP specs can be stacked"
    if cfg.model["noise_std"] > 0:
        return "noisy MLPs draw their noise per run from the global RNG"
    other = [name for name in layers if name not in template.layer_names]
    if other:
        return f"layers {other} are not top-level layers of the MLP"
    return None


def train_seeds(
    config: TrainConfig | dict[str, Any],
    seeds: Sequence[int],
    train: tuple[Any, Any],
    eval: tuple[Any, Any] | None = None,
    *,
    layers: Sequence[str] | None = None,
    cache: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
    device: str | torch.device | None = None,
    progress: bool = True,
    batched: bool | None = None,
    checkpoint_every_s: float = 5.0,
    callback: Callable[[int, list[dict[str, float]]], Any] | None = None,
) -> list[RecordedRun]:
    """Train ``config`` once per seed; MLPs train all their seeds at once as one batched network.

    Each seed's run is what ``train_and_record(replace(config, seed=s), ...)`` gives, up to float
    rounding (its own init from ``torch.manual_seed(s)``, its own mini-batch order, its own
    optimizer state), and it is cached under its own key, so a later single-seed call hits it.

    Parameters
    ----------
    config, train, eval, layers, cache, cache_dir, device, progress, checkpoint_every_s
        As in :func:`train_and_record` (``config.seed`` is replaced by each seed).
    seeds : list of int
        Distinct seeds; the result follows this order.
    batched : bool, optional
        ``None`` (default): stack when possible (a noise-free MLP spec, top-level layers, more than
        one seed to train); ``True``: require it (``ValueError`` if impossible); ``False``: train
        the seeds one after another.
    callback : callable, optional
        ``callback(epoch, rows)`` with one history row per seed trained in this call.

    Returns
    -------
    list of RecordedRun, one per seed.

    Notes
    -----
    Stacking fuses S small matrix products into one :func:`torch.baddbmm` per layer, which on a
    CPU removes most per-step overhead (see ``benchmarks/training.py``). Seeds match separate runs
    to float rounding, not bit for bit: the batched and the single matrix kernels sum in a
    different order. Noisy MLPs are trained one by one, their noise coming from the global RNG.
    """
    cfg = _as_config(config)
    if cfg.model is None:
        raise ValueError("train_seeds needs config.model (a spec); train a custom module with "
                         "train_and_record")
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Iterable):
        raise TypeError(f"seeds must be a list of ints, got {type(seeds).__name__}")
    seeds = [check_int(s, "seeds[i]", minimum=0) for s in seeds]
    if not seeds:
        raise ValueError("seeds is empty")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds holds duplicates: {seeds}")
    checkpoint_every_s = check_positive(checkpoint_every_s, "checkpoint_every_s", allow_zero=True)
    dev = resolve_device(device)
    data, fp = _prepare(train, eval, dev)
    root = Path(cache_dir) if cache_dir is not None else runs_dir()
    with torch.random.fork_rng(devices=[]):
        template = build_model(cfg.model)
    _check_data_for_model(template, data["x_train"], data["y_train"], "train")
    _check_data_for_model(template, data["x_eval"], data["y_eval"], "eval")
    layers = _default_layers(template, layers)
    cfgs = {s: dataclasses.replace(cfg, seed=s) for s in seeds}
    keys = {s: _hash(_key_payload(cfgs[s], fp, layers, cfg.epochs(), None)) for s in seeds}
    runs: dict[int, RecordedRun] = {}
    if cache:
        for s in seeds:
            hit = _load_cached(root / keys[s])
            if hit is not None:
                runs[s] = hit
    todo = [s for s in seeds if s not in runs]
    why_not = _can_stack(cfg, layers, template)
    if batched and why_not:
        raise ValueError(f"batched=True is impossible here: {why_not}")
    stack = batched is not False and why_not is None and len(todo) > 1
    if not stack:
        for s in todo:
            cb = (lambda e, row: callback(e, [row])) if callback is not None else None
            ev = None if eval is None else (data["x_eval"].cpu(), data["y_eval"].cpu())
            runs[s] = train_and_record(cfgs[s], train=(data["x_train"].cpu(), data["y_train"].cpu()), eval=ev,
                                       layers=layers, cache=cache, cache_dir=root, device=dev,
                                       progress=progress, checkpoint_every_s=checkpoint_every_s, callback=cb)
        return [runs[s] for s in seeds]

    work_dir = None
    if cache:
        work_dir = root / f"batch-{_hash(sorted(keys[s] for s in todo))[:32]}"
        work_dir.mkdir(parents=True, exist_ok=True)
        _atomic_write_text(json.dumps({"seeds": todo, "keys": [keys[s] for s in todo]}, indent=1),
                           work_dir / "batch.json")
    with torch.random.fork_rng(devices=_cuda_devices(dev)):
        models = []
        for s in todo:
            torch.manual_seed(s)
            models.append(build_model(cfgs[s].model))
        engine = _StackedMLP(models, cfg, dev, _DTYPES[cfg.activation_dtype])
        out = _train_loop(engine, seeds=todo, cfg=cfg, data=data, layers=layers, device=dev,
                          work_dir=work_dir, checkpoint_every_s=checkpoint_every_s, callback=callback,
                          progress=progress, desc=f"{len(todo)} seeds")
    states = engine.final_states()
    for i, s in enumerate(todo):
        run = _assemble(cfgs[s], keys[s], s, i, out, data, dev, states[i],
                        {"batched_with": todo})
        if cache:
            run_dir = root / keys[s]
            run_dir.mkdir(parents=True, exist_ok=True)
            _atomic_write_text(json.dumps(_key_payload(cfgs[s], fp, layers, cfg.epochs(), None), indent=1),
                               run_dir / "config.json")
            run.save(run_dir / "run.pt")
        runs[s] = run
    if work_dir is not None:
        shutil.rmtree(work_dir, ignore_errors=True)
    return [runs[s] for s in seeds]
