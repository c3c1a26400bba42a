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

Modules, one idea each: ``recording`` (forward hooks), ``schedules`` (which epochs to record),
``config`` (:class:`TrainConfig`, :class:`RecordedRun`), ``cache`` (run keys and cache files),
``checks`` (data checks), ``penalties`` (the orthonormality penalty),
``retraction`` (the Parseval retraction),
``engines`` (one network, or MLPs stacked) and ``loop`` (the training
loop and the public drivers).
"""

from __future__ import annotations

from ibcore.training.config import RecordedRun, TrainConfig
from ibcore.training.layerwise import (
    LayerwiseResult,
    accuracy,
    features,
    train_end_to_end,
    train_layerwise,
    train_readout,
    weight_norms,
)
from ibcore.training.loop import train_and_record, train_seeds
from ibcore.training.penalties import orthonormality
from ibcore.training.recording import ActivationRecorder, record_activations
from ibcore.training.retraction import parseval_retraction
from ibcore.training.schedules import SCHEDULES, log_schedule, resolve_schedule, saxe_schedule

__all__ = [
    "SCHEDULES",
    "ActivationRecorder",
    "record_activations",
    "saxe_schedule",
    "log_schedule",
    "resolve_schedule",
    "TrainConfig",
    "RecordedRun",
    "train_and_record",
    "train_seeds",
    "orthonormality",
    "parseval_retraction",
    "LayerwiseResult",
    "train_layerwise",
    "train_readout",
    "train_end_to_end",
    "features",
    "accuracy",
    "weight_norms",
]
