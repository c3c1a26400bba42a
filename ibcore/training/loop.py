"""The training loop and the public drivers :func:`train_and_record` and :func:`train_seeds`.

``_train_loop`` trains an engine for the configured epochs: it evaluates and records at the
scheduled epochs, checkpoints (engine, optimizer, RNG states, history) into the run's work folder
and resumes from the last checkpoint. :func:`train_and_record` runs it for one network and
:func:`train_seeds` for several seeds (stacked when possible), both checking the data, building
the networks under their seeds, and reading and writing the run cache.

Progress lost on a kill is bounded by time: checkpoints are written every ``checkpoint_every_s``
seconds of training (5 s by default) and at every recorded epoch, so a killed run loses less than
``checkpoint_every_s`` seconds plus the epoch in flight. Reading and writing checkpoints and
recordings, and resuming from them, is :mod:`ibcore.training._checkpoint`.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import shutil
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from ibcore._device import resolve_device
from ibcore._io import write_json
from ibcore._paths import runs_dir
from ibcore._progress import progress_bar
from ibcore._validation import check_bool, check_int, check_positive
from ibcore.models import build_model
from ibcore.training._checkpoint import HISTORY, cuda_index, restore, save_recording, write_checkpoint
from ibcore.training.cache import (
    cleanup_work,
    fingerprint,
    hash_payload,
    ibcore_version,
    key_payload,
    load_cached,
)
from ibcore.training.checks import as_data, check_data_for_model
from ibcore.training.config import DTYPES, FORMAT, RecordedRun, TrainConfig, as_config
from ibcore.training.engines import SingleEngine, StackedMLP
from ibcore.training.init import initialize
from ibcore.training.recording import check_layer_names

__all__ = ["train_and_record", "train_seeds"]


def _shuffle_generator(seed: int) -> torch.Generator:
    """The dedicated mini-batch-order generator: seeded from (seed, 1), not the init stream."""
    g = torch.Generator()
    g.manual_seed(int(np.random.SeedSequence([seed, 1]).generate_state(1, dtype=np.uint64)[0] >> 1))
    return g


def _check_finite_storage(recs: list[dict[str, torch.Tensor]], dtype_name: str, epoch: int) -> None:
    if dtype_name == "float32":
        return
    for rec in recs:
        for name, t in rec.items():
            if not bool(torch.isfinite(t).all()):
                warnings.warn(
                    f"layer {name!r} at epoch {epoch} has values that overflow "
                    f"{dtype_name} (or are not finite); use activation_dtype='float32'",
                    RuntimeWarning,
                    stacklevel=4,
                )
                return


def _train_loop(
    engine: Any,
    *,
    seeds: list[int],
    cfg: TrainConfig,
    data: dict[str, torch.Tensor],
    layers: list[str],
    device: torch.device,
    work_dir: Path | None,
    checkpoint_every_s: float,
    callback: Callable[[int, list[dict[str, float]]], Any] | None,
    progress: bool,
    desc: str,
) -> dict[str, Any]:
    """Train ``engine`` for ``cfg.n_epochs`` epochs, recording and checkpointing; resume if possible."""
    x_tr, y_tr, x_ev, y_ev = data["x_train"], data["y_train"], data["x_eval"], data["y_eval"]
    n_train = x_tr.shape[0]
    batch_size = n_train if cfg.full_batch else min(cfg.batch_size, n_train)
    record_at = set(int(e) for e in cfg.epochs())
    gens = [_shuffle_generator(s) for s in seeds]
    # history[s, epoch] = (train_loss, train_acc, eval_loss, eval_acc): one tensor, cheap to checkpoint
    history = torch.full((len(seeds), cfg.n_epochs + 1, len(HISTORY) - 1), float("nan"), dtype=torch.float64)
    recorded: dict[int, list[dict[str, torch.Tensor]]] = {}
    weights: dict[int, Any] = {}  # per recorded epoch: state_dicts per seed (cfg.record_weights) or None
    cuda = device.type == "cuda"
    ck_path = work_dir / "checkpoint.pt" if work_dir is not None else None
    prev_path = work_dir / "checkpoint.prev.pt" if work_dir is not None else None
    rec_dir = work_dir / "rec" if work_dir is not None else None
    wall_before, resumed, start = 0.0, 0, 1
    t0 = time.perf_counter()

    def log(
        epoch: int, tr: tuple[torch.Tensor, torch.Tensor], ev: tuple[torch.Tensor, torch.Tensor]
    ) -> list[dict[str, float]]:
        history[:, epoch] = torch.stack([t.detach().double().cpu() for t in (*tr, *ev)], dim=1)
        return [
            dict(zip(HISTORY, [epoch, *history[i, epoch].tolist()], strict=True)) for i in range(len(seeds))
        ]

    def record(epoch: int) -> None:
        recs = engine.record(x_ev, layers)
        _check_finite_storage(recs, cfg.activation_dtype, epoch)
        recorded[epoch] = recs
        weights[epoch] = engine.final_states() if cfg.record_weights else None
        save_recording(rec_dir, epoch, recs, weights[epoch])

    def checkpoint(epoch: int) -> None:
        state = {
            "format": FORMAT,
            "epoch": epoch,
            "engine": engine.state_dict(),
            "gens": [g.get_state() for g in gens],
            "cpu_rng": torch.get_rng_state(),
            "cuda_rng": torch.cuda.get_rng_state(cuda_index(device)) if cuda else None,
            "history": history[:, : epoch + 1].clone(),
            "recorded": sorted(recorded),
            "wall": wall_before + time.perf_counter() - t0,
            "resumed": resumed,
        }
        write_checkpoint(state, ck_path, prev_path)

    ck = None
    if work_dir is not None:
        ck = restore(
            engine, gens, device, work_dir, cfg.n_epochs, layers, x_ev.shape[0], record_at, cfg.record_weights
        )
    if ck is not None:
        history[:, : ck["epoch"] + 1] = ck["history"]
        recorded.update(ck["recorded_data"])
        weights.update(ck["weights_data"])
        wall_before, resumed, start = ck["wall"], ck.get("resumed", 0) + 1, ck["epoch"] + 1
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
                bar.set_postfix(
                    loss=f"{rows[0]['train_loss']:.4f}", acc=f"{rows[0]['eval_acc']:.3f}", refresh=False
                )
            if callback is not None:
                callback(epoch, rows)
    finally:
        bar.close()
    return {
        "history": history,
        "recorded": recorded,
        "weights": weights,
        "wall": wall_before + time.perf_counter() - t0,
        "resumed": resumed,
    }


def _assemble(
    cfg: TrainConfig,
    key: str | None,
    seed: int,
    i: int,
    out: dict[str, Any],
    data: dict[str, torch.Tensor],
    device: torch.device,
    state: dict[str, torch.Tensor],
    info: dict[str, Any],
) -> RecordedRun:
    epochs = cfg.epochs()
    recorded = out["recorded"]
    layers = list(recorded[int(epochs[0])][i])
    acts = {name: torch.stack([recorded[int(e)][i][name] for e in epochs]) for name in layers}
    for e in epochs:  # drop this seed's per-epoch pieces now that they are stacked (peak memory)
        recorded[int(e)][i] = None
    weights = None
    if cfg.record_weights:
        weights = [out["weights"][int(e)][i] for e in epochs]
    hist = pd.DataFrame(out["history"][i].numpy(), columns=list(HISTORY[1:]))
    hist.insert(0, "epoch", np.arange(len(hist), dtype=np.int64))
    return RecordedRun(
        config=cfg.to_dict(),
        key=key,
        seed=seed,
        epochs=epochs,
        layers=layers,
        activations=acts,
        x_eval=data["x_eval"].cpu().clone(),
        y_eval=data["y_eval"].cpu().clone(),
        history=hist,
        device=str(device),
        wall_time_s=float(out["wall"]),
        model_state=state,
        info={"torch": str(torch.__version__), "ibcore": ibcore_version(), "resumed": out["resumed"], **info},
        weights=weights,
    )


def _prepare(train: Any, eval: Any, device: torch.device) -> tuple[dict[str, torch.Tensor], str]:
    x_tr, y_tr = as_data(train, "train")
    if eval is None:
        x_ev, y_ev = x_tr, y_tr
        fp = fingerprint(x_tr, y_tr) + ":same"
    else:
        x_ev, y_ev = as_data(eval, "eval")
        if x_ev.shape[1:] != x_tr.shape[1:]:
            raise ValueError(
                f"eval inputs have shape {tuple(x_ev.shape[1:])} per sample, train inputs "
                f"{tuple(x_tr.shape[1:])}"
            )
        fp = fingerprint(x_tr, y_tr, x_ev, y_ev)
    data = {
        "x_train": x_tr.to(device),
        "y_train": y_tr.to(device),
        "x_eval": x_ev.to(device),
        "y_eval": y_ev.to(device),
    }
    return data, fp


def _default_layers(model: nn.Module, layers: Sequence[str] | None) -> list[str]:
    if layers is None:
        names = getattr(model, "layer_names", None)
        if not names:
            some = [n for n, _ in model.named_modules() if n][:6]
            raise ValueError(
                f"layers=None works for ibcore models only; name the submodules of "
                f"{type(model).__name__} to record, e.g. {some}"
            )
        return list(names)
    return check_layer_names(model, layers)


def _cuda_devices(device: torch.device) -> list[int]:
    return [cuda_index(device)] if device.type == "cuda" else []


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
        also written at every recorded epoch. The loss on a kill is bounded by time: less than
        this many seconds of training plus the epoch in flight (at 0.3 s per epoch, 5 s are
        about 17 epochs); 0 checkpoints after every epoch. On resume a damaged or missing
        checkpoint or recording is reported in one warning and discarded, and training goes on
        from the newest intact state (the previous checkpoint, or epoch 0), never from damaged
        data.
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
    cfg = as_config(config)
    checkpoint_every_s = check_positive(checkpoint_every_s, "checkpoint_every_s", allow_zero=True)
    cache, progress = check_bool(cache, "cache"), check_bool(progress, "progress")
    if model is not None:
        if not isinstance(model, nn.Module):
            raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
        if cfg.model is not None:
            raise ValueError("give the network either as config.model (a spec) or as model=, not both")
        if cfg.init != "torch":
            raise ValueError(
                f"config.init={cfg.init!r} initialises spec-built MLPs; a model= passed in keeps "
                "its own weights (initialise it yourself, e.g. ibcore.training.init.initialize)"
            )
        if cache_key is not None and not isinstance(cache_key, str):
            raise TypeError(f"cache_key must be a string, got {type(cache_key).__name__}")
    elif cfg.model is None:
        raise ValueError(
            "config.model is None: give a model spec such as {'kind': 'mlp', 'widths': "
            "[12, 10, 7, 5, 4, 3, 2]} or pass an nn.Module as model="
        )
    dev = resolve_device(device)
    data, fp = _prepare(train, eval, dev)
    with torch.random.fork_rng(devices=_cuda_devices(dev)):
        torch.manual_seed(cfg.seed)
        net = copy.deepcopy(model) if model is not None else initialize(build_model(cfg.model), cfg.init)
        check_data_for_model(net, data["x_train"], data["y_train"], "train")
        check_data_for_model(net, data["x_eval"], data["y_eval"], "eval")
        layers = _default_layers(net, layers)
        cacheable = cache and (model is None or cache_key is not None)
        payload = key_payload(cfg, fp, layers, cfg.epochs(), cache_key if model is not None else None)
        key = hash_payload(payload)
        run_dir = Path(cache_dir) / key if cache_dir is not None else runs_dir() / key
        if cacheable:
            hit = load_cached(run_dir)
            if hit is not None:
                return hit
            run_dir.mkdir(parents=True, exist_ok=True)
            write_json(run_dir / "config.json", payload)
        engine = SingleEngine(net, cfg, dev, DTYPES[cfg.activation_dtype])
        cb = (lambda e, rows: callback(e, rows[0])) if callback is not None else None
        out = _train_loop(
            engine,
            seeds=[cfg.seed],
            cfg=cfg,
            data=data,
            layers=layers,
            device=dev,
            work_dir=run_dir if cacheable else None,
            checkpoint_every_s=checkpoint_every_s,
            callback=cb,
            progress=progress,
            desc=f"seed {cfg.seed}",
        )
    keyed = model is None or cache_key is not None
    run = _assemble(
        cfg,
        key if keyed else None,
        cfg.seed,
        0,
        out,
        data,
        dev,
        engine.final_states()[0],
        {"cache_key": cache_key} if model is not None else {},
    )
    if cacheable:
        run.save(run_dir / "run.pt")
        cleanup_work(run_dir)
    return run


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
        As in :func:`train_and_record` (``config.seed`` is replaced by each seed); a kill loses
        less than ``checkpoint_every_s`` seconds of training plus the epoch in flight.
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
    cfg = as_config(config)
    if cfg.model is None:
        raise ValueError(
            "train_seeds needs config.model (a spec); train a custom module with train_and_record"
        )
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Iterable):
        raise TypeError(f"seeds must be a list of ints, got {type(seeds).__name__}")
    seeds = [check_int(s, "seeds[i]", minimum=0) for s in seeds]
    if not seeds:
        raise ValueError("seeds is empty")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds holds duplicates: {seeds}")
    checkpoint_every_s = check_positive(checkpoint_every_s, "checkpoint_every_s", allow_zero=True)
    cache, progress = check_bool(cache, "cache"), check_bool(progress, "progress")
    if batched is not None:
        batched = check_bool(batched, "batched")
    dev = resolve_device(device)
    data, fp = _prepare(train, eval, dev)
    root = Path(cache_dir) if cache_dir is not None else runs_dir()
    with torch.random.fork_rng(devices=[]):
        template = build_model(cfg.model)
    check_data_for_model(template, data["x_train"], data["y_train"], "train")
    check_data_for_model(template, data["x_eval"], data["y_eval"], "eval")
    layers = _default_layers(template, layers)
    cfgs = {s: dataclasses.replace(cfg, seed=s) for s in seeds}
    keys = {s: hash_payload(key_payload(cfgs[s], fp, layers, cfg.epochs(), None)) for s in seeds}
    runs: dict[int, RecordedRun] = {}
    if cache:
        for s in seeds:
            hit = load_cached(root / keys[s])
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
            runs[s] = train_and_record(
                cfgs[s],
                train=(data["x_train"].cpu(), data["y_train"].cpu()),
                eval=ev,
                layers=layers,
                cache=cache,
                cache_dir=root,
                device=dev,
                progress=progress,
                checkpoint_every_s=checkpoint_every_s,
                callback=cb,
            )
        return [runs[s] for s in seeds]

    work_dir = None
    if cache:
        work_dir = root / f"batch-{hash_payload(sorted(keys[s] for s in todo))[:32]}"
        work_dir.mkdir(parents=True, exist_ok=True)
        write_json(work_dir / "batch.json", {"seeds": todo, "keys": [keys[s] for s in todo]})
    with torch.random.fork_rng(devices=_cuda_devices(dev)):
        models = []
        for s in todo:
            torch.manual_seed(s)
            models.append(initialize(build_model(cfgs[s].model), cfg.init))
        engine = StackedMLP(models, cfg, dev, DTYPES[cfg.activation_dtype])
        out = _train_loop(
            engine,
            seeds=todo,
            cfg=cfg,
            data=data,
            layers=layers,
            device=dev,
            work_dir=work_dir,
            checkpoint_every_s=checkpoint_every_s,
            callback=callback,
            progress=progress,
            desc=f"{len(todo)} seeds",
        )
    states = engine.final_states()
    for i, s in enumerate(todo):
        run = _assemble(cfgs[s], keys[s], s, i, out, data, dev, states[i], {"batched_with": todo})
        if cache:
            run_dir = root / keys[s]
            run_dir.mkdir(parents=True, exist_ok=True)
            write_json(run_dir / "config.json", key_payload(cfgs[s], fp, layers, cfg.epochs(), None))
            run.save(run_dir / "run.pt")
        runs[s] = run
    if work_dir is not None:
        shutil.rmtree(work_dir, ignore_errors=True)
    return [runs[s] for s in seeds]
