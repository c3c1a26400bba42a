"""Benchmark: training + recording speed, one seed vs many seeds stacked, and run-cache sizes.

Times the SZT 12-10-7-5-4-3-2 tanh MLP of Shwartz-Ziv & Tishby / Saxe et al. (Adam, lr 4e-4,
batch 256, all 4096 inputs, activations recorded on all 4096 at the Saxe schedule):

* ms per epoch (training + evaluation + recording at the schedule) for one seed,
* ms per epoch for ``--seeds`` seeds trained as one stacked network by ``train_seeds``,
* the speed-up ``seeds x (one seed) / (stacked)``,
* ms per epoch without recording, and ms per recorded epoch, to project long runs.

Then it writes synthetic :class:`~ibcore.training.RecordedRun` objects with the exact shapes of
(a) one SZT run at the Saxe schedule and (b) one Saxe-style MNIST 784-1024-20-20-20-10 run
recorded on a 1 % eval subset (600 images), and reports their on-disk size.

Usage: ``python benchmarks/training.py [--epochs 40] [--seeds 50] [--threads 1]``. Timings on a
shared CPU are noisy: read them as orders of magnitude.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ibcore.training import RecordedRun, TrainConfig, saxe_schedule, train_and_record, train_seeds

SZT_WIDTHS = [12, 10, 7, 5, 4, 3, 2]
MNIST_WIDTHS = [784, 1024, 20, 20, 20, 10]


def szt_data() -> tuple[np.ndarray, np.ndarray, str]:
    """The SZT data set from ibcore.data if it is there, else the 4096 inputs with random labels."""
    try:
        from ibcore.data import load_szt  # written by another module; its API may differ

        out = load_szt()
        x, y = (out[0], out[1]) if isinstance(out, tuple) else (out.x, out.y)
        x, y = np.asarray(x, dtype=np.float32), np.asarray(y).astype(np.int64).ravel()
        if x.shape == (4096, 12) and y.shape == (4096,):
            return x, y, "ibcore.data.load_szt()"
    except Exception:  # noqa: BLE001 - fall back to a stand-in of identical shape
        pass
    x = np.array(list(itertools.product([0.0, 1.0], repeat=12)), dtype=np.float32)
    y = np.random.default_rng(0).integers(0, 2, size=4096)
    return x, y, "4096 binary inputs, random labels (ibcore.data.load_szt unavailable)"


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def run_size(widths: list[int], n_eval: int, n_epochs: int, folder: Path) -> tuple[int, int, int]:
    """On-disk bytes of a run of this shape at the Saxe schedule (synthetic values, exact layout)."""
    epochs = saxe_schedule(n_epochs)
    e = len(epochs)
    names = [f"layer{i}" for i in range(1, len(widths) - 1)] + ["output"]
    acts = {
        name: torch.zeros(e, n_eval, w, dtype=torch.float16)
        for name, w in zip(names, widths[1:], strict=True)
    }
    state = {}
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:], strict=False)):
        key = f"layer{i + 1}.linear" if i < len(widths) - 2 else "output.pre.linear"
        state[f"{key}.weight"] = torch.zeros(b, a)
        state[f"{key}.bias"] = torch.zeros(b)
    history = pd.DataFrame(
        {
            "epoch": np.arange(n_epochs + 1),
            "train_loss": 0.0,
            "train_acc": 0.0,
            "eval_loss": 0.0,
            "eval_acc": 0.0,
        }
    )
    config = TrainConfig(model={"kind": "mlp", "widths": widths}, n_epochs=n_epochs).to_dict()
    run = RecordedRun(
        config=config,
        key="0" * 64,
        seed=0,
        epochs=epochs,
        layers=names,
        activations=acts,
        x_eval=torch.zeros(n_eval, widths[0]),
        y_eval=torch.zeros(n_eval, dtype=torch.int64),
        history=history,
        device="cpu",
        wall_time_s=0.0,
        model_state=state,
    )
    path = run.save(folder / f"run-{widths[1]}-{n_epochs}.pt")
    return path.stat().st_size, e, sum(widths[1:]) * n_eval * e * 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=40, help="epochs per timed run (default 40)")
    parser.add_argument("--seeds", type=int, default=50, help="seeds stacked (default 50)")
    parser.add_argument("--device", default=None, help="cpu, cuda, ... (default: auto)")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch intra-op threads (default 1: these nets are too small to gain from "
        "more, and on a busy CPU OpenMP threads that wait on each other cost 100x)",
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    x, y, source = szt_data()
    print(
        f"# ibcore training benchmark  torch {torch.__version__}, {torch.get_num_threads()} threads, "
        f"{platform.processor() or platform.machine()}, cpus={os.cpu_count()}"
    )
    print(
        f"SZT data: {source}; net {SZT_WIDTHS} tanh, Adam lr 4e-4, batch 256, "
        f"{args.epochs} epochs, record on all 4096 at the Saxe schedule"
    )
    base = TrainConfig(
        model={"kind": "mlp", "widths": SZT_WIDTHS, "activation": "tanh"},
        optimizer="adam",
        lr=4e-4,
        batch_size=256,
        n_epochs=args.epochs,
        schedule="saxe",
    )
    n_rec = len(base.epochs())
    kw = dict(cache=False, progress=False, device=args.device)

    # warm-up: the first optimizer import pulls in torch._dynamo (seconds, once per process)
    train_and_record(TrainConfig(model=base.model, n_epochs=1), (x, y), **kw)

    single = timed(lambda: train_and_record(base, (x, y), **kw))
    single_ends = timed(
        lambda: train_and_record(TrainConfig(**{**base.to_dict(), "schedule": "ends"}), (x, y), **kw)
    )
    seeds = list(range(args.seeds))
    stacked = timed(lambda: train_seeds(base, seeds, (x, y), **kw))
    stacked_ends = timed(
        lambda: train_seeds(TrainConfig(**{**base.to_dict(), "schedule": "ends"}), seeds, (x, y), **kw)
    )
    device = train_and_record(TrainConfig(model=base.model, n_epochs=0), (x, y), **kw).device

    def per_epoch(total: float) -> float:
        return 1e3 * total / args.epochs

    def per_record(total: float, ends: float) -> float:
        return 1e3 * max(total - ends, 0.0) / max(n_rec - 2, 1)

    print(
        f"\ndevice {device}; {n_rec} of {args.epochs + 1} epochs recorded "
        f"(times include evaluating train/eval loss every epoch)"
    )
    print(f"{'':28s}{'ms/epoch':>10s}{'ms/epoch w/o rec':>18s}{'ms/recording':>14s}")
    print(
        f"{'1 seed':28s}{per_epoch(single):10.1f}{per_epoch(single_ends):18.1f}"
        f"{per_record(single, single_ends):14.1f}"
    )
    print(
        f"{f'{args.seeds} seeds stacked':28s}{per_epoch(stacked):10.1f}{per_epoch(stacked_ends):18.1f}"
        f"{per_record(stacked, stacked_ends):14.1f}"
    )
    print(
        f"speed-up {args.seeds} x single / stacked: {args.seeds * single / stacked:.1f}x with recording, "
        f"{args.seeds * single_ends / stacked_ends:.1f}x without"
    )
    for n_ep in (3000, 10000):
        e = len(saxe_schedule(n_ep))
        one = (n_ep * per_epoch(single_ends) + e * per_record(single, single_ends)) / 1e3
        many = (n_ep * per_epoch(stacked_ends) + e * per_record(stacked, stacked_ends)) / 1e3
        print(
            f"projected {n_ep} epochs ({e} recorded): 1 seed {one / 60:.1f} min, "
            f"{args.seeds} seeds stacked {many / 60:.1f} min "
            f"(vs {args.seeds * one / 60:.0f} min one by one)"
        )

    print("\non-disk size of one cached run (run.pt; synthetic values, exact shapes and format)")
    print(f"{'run':50s}{'E':>5s}{'activations (d*N*E*2)':>24s}{'run.pt':>12s}")
    with tempfile.TemporaryDirectory() as tmp:
        rows = [("SZT 12-10-7-5-4-3-2, N_eval 4096", SZT_WIDTHS, 4096, n) for n in (3000, 10000)]
        rows += [
            ("MNIST 784-1024-20-20-20-10, N_eval 600 (1 %)", MNIST_WIDTHS, 600, n) for n in (100, 1000, 3000)
        ]
        for label, widths, n_eval, n_ep in rows:
            size, e, formula = run_size(widths, n_eval, n_ep, Path(tmp))
            print(f"{label + f', {n_ep} ep':50s}{e:5d}{formula / 2**20:20.1f} MiB{size / 2**20:8.1f} MiB")


if __name__ == "__main__":
    main()
