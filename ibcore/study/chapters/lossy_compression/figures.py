"""The figures of chapter 3 (lossy compression) drawn by the library: the MNIST phases by layer.

:func:`plot_layer_phases` draws I(X;L) by layer and epoch with its compression phases and each
run's fastest loss drop; :func:`seed_colors` gives the colours of the MNIST figures, one per seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ibcore.analysis.summary import LN2
from ibcore.interface import IXL
from ibcore.study.chapters.lossy_compression.mnist import smooth_curve

if TYPE_CHECKING:  # ibcore.study.profiles imports the chapter modules: no import at run time
    from ibcore.study.chapters.lossy_compression.mnist import Plane
    from ibcore.study.profiles import Settings

__all__ = ["seed_colors", "plot_layer_phases", "plot_x_autoencoder"]


def seed_colors(seeds: Sequence[int]) -> dict[int, Any]:
    """One colour of matplotlib's ``tab10`` per seed, in order (the MNIST figures' colours)."""
    import matplotlib.pyplot as plt

    return dict(zip(seeds, plt.get_cmap("tab10").colors, strict=False))


def plot_layer_phases(settings: Settings, plane: Plane) -> Any:
    """I(X;L) in bits by layer and epoch, one colour per seed: dots as estimated, lines smoothed,
    shade = compression phases, dotted = the run's fastest loss drop. Returns the figure."""
    import matplotlib.pyplot as plt

    pl, pt, colors = plane.plane, plane.phases, seed_colors(settings.cnn_seeds)
    n = len(plane.layers)
    fig, axes = plt.subplots(1, n, figsize=(3.1 * n, 3.4), constrained_layout=True, sharex=True)
    axes = np.atleast_1d(axes)
    for ax, layer in zip(axes, plane.layers, strict=True):
        for s in settings.cnn_seeds:
            g = pl[(pl["layer"] == layer) & (pl["seed"] == s)]
            c = colors[s]
            ax.plot(g["epoch"], g[IXL] / LN2, ".", ms=3, alpha=0.4, color=c)
            ax.plot(
                g["epoch"],
                smooth_curve(g[IXL].to_numpy(), settings.smoothing) / LN2,
                color=c,
                label=f"seed {s}",
            )
            comp = pt[(pt["seed"] == s) & (pt["layer"] == layer) & (pt["kind"] == "compression")]
            for _, p in comp.iterrows():
                ax.axvspan(p["start"], p["end"], color=c, alpha=0.1)
            ax.axvline(plane.drop_epoch[s], color=c, ls=":", lw=1)
        ax.set(title=layer, xlabel="epoch")
    axes[0].set_ylabel("I(X;L) [bits]")
    axes[-1].legend(fontsize=7)
    fig.suptitle(
        "I(X;L) by layer: dots as estimated, lines smoothed, shade = compression phases, "
        "dotted = fastest loss drop (one colour per seed)",
        fontsize=10,
    )
    return fig


def plot_x_autoencoder(mnist: Any) -> Any:
    """The X autoencoder's held-out relative reconstruction error by epoch (early stopping's
    curve), the kept epoch marked. Returns the figure."""
    import matplotlib.pyplot as plt

    comp = mnist.x_comp
    fig, ax = plt.subplots(figsize=(4.2, 2.8), constrained_layout=True)
    errs = comp.val_history or [comp.val_error]
    ax.plot(np.arange(1, len(errs) + 1), errs, "o-", ms=3)
    if comp.best_epoch:
        ax.axvline(comp.best_epoch, color="k", ls=":", lw=1)
    ax.set(
        xlabel="epoch", ylabel="held-out relative error", title=f"X autoencoder: {comp.val_error:.3f} kept"
    )
    return fig
