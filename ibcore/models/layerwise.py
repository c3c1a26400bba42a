"""The nets of layer-by-layer IB training (Elad et al. 2019): a :class:`LayerwiseNet` of blocks.

:func:`elad_mlp` and :func:`elad_convnet` build the nets that :func:`ibcore.training.train_layerwise`
trains one block at a time; a linear read-out maps the last block to the classes.

The paper's supplement (training algorithm, widths, activations, beta, sigma, steps) was not
available to us; every such choice here is ours and is a parameter.

References
----------
.. [1] A. Elad, D. Haviv, Y. Blau, T. Michaeli, "Direct validation of the information bottleneck
   principle for deep nets", ICCV Workshops (SDL-CV) 2019, Secs. 2-4, Eqs. (2)-(6), Table 1, Fig. 3.
.. [2] M. I. Belghazi et al., "Mutual information neural estimation", ICML 2018.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ibcore._validation import check_int

__all__ = ["LayerwiseNet", "elad_mlp", "elad_convnet"]

_ACT = {"tanh": nn.Tanh, "relu": nn.ReLU, "sigmoid": nn.Sigmoid}


# ------------------------------------------------------------------------------------------ nets


class LayerwiseNet(nn.Module):
    """A net as a list of blocks (the layers L_1..L_k) and a linear read-out to the classes.

    ``forward(x)`` gives the logits; ``layer(x, i)`` the output of block i (1-based), flattened to
    (N, d). There is no non-linearity between the last block and the read-out, so training the
    read-out alone does not add capacity (Elad et al. Sec. 4).
    """

    def __init__(self, blocks: list[nn.Module], readout: nn.Linear, kind: str):
        super().__init__()
        self.blocks = nn.ModuleList(blocks)
        self.readout = readout
        self.kind = kind

    @property
    def n_layers(self) -> int:
        return len(self.blocks)

    def layer(self, x: torch.Tensor, i: int | None = None) -> torch.Tensor:
        """Output of blocks 1..i (all when None), flattened to (N, d)."""
        i = self.n_layers if i is None else i
        h = x
        for block in self.blocks[:i]:
            h = block(h)
        return h.reshape(h.shape[0], -1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.readout(self.layer(x))


def _init_(module: nn.Module, gen: torch.Generator) -> None:
    """PyTorch's default Linear/Conv2d initialisation, drawn from ``gen`` (seeded, device-free)."""
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            with torch.no_grad():
                nn.init.kaiming_uniform_(m.weight, a=math.sqrt(5), generator=gen)
                fan_in = m.weight[0].numel()
                nn.init.uniform_(m.bias, -1 / math.sqrt(fan_in), 1 / math.sqrt(fan_in), generator=gen)


def elad_mlp(
    in_dim: int = 784,
    widths: tuple[int, ...] = (256, 128, 64),
    n_classes: int = 10,
    *,
    activation: str = "tanh",
    seed: int = 0,
) -> LayerwiseNet:
    """The MLP of Elad et al.'s MNIST experiments: ``len(widths)`` hidden layers and a linear read-out.

    The paper says "a three-layered MLP" (Sec. 4, Fig. 1); widths and activation are ours
    (tanh by default: bounded, so the noise level sigma has a fixed scale). Inputs are flattened.
    """
    widths = tuple(check_int(w, "width", minimum=1) for w in widths)
    if not widths:
        raise ValueError("widths must hold at least one hidden layer width")
    if activation not in _ACT:
        raise ValueError(f"activation must be one of {', '.join(_ACT)}, got {activation!r}")
    dims = (check_int(in_dim, "in_dim", minimum=1), *widths)
    blocks: list[nn.Module] = []
    for k, (a, b) in enumerate(zip(dims[:-1], dims[1:], strict=True)):
        parts: list[nn.Module] = [nn.Flatten()] if k == 0 else []
        blocks.append(nn.Sequential(*parts, nn.Linear(a, b), _ACT[activation]()))
    net = LayerwiseNet(blocks, nn.Linear(widths[-1], check_int(n_classes, "n_classes", minimum=2)), "mlp")
    _init_(net, torch.Generator().manual_seed(check_int(seed, "seed")))
    return net


def elad_convnet(
    in_channels: int = 3,
    channels: tuple[int, ...] = (16, 32, 64),
    n_classes: int = 10,
    *,
    image_size: int = 32,
    activation: str = "tanh",
    seed: int = 0,
) -> LayerwiseNet:
    """A conv net for CIFAR-10, one block per layer: 3x3 convolution with stride 2 and an activation.

    Elad et al. use "a deep conv-net" (Sec. 4) whose details are in their supplement, which we did
    not have: depth, widths and strides here are ours (each block halves the image side).
    """
    channels = tuple(check_int(c, "channels", minimum=1) for c in channels)
    if not channels:
        raise ValueError("channels must hold at least one block width")
    if activation not in _ACT:
        raise ValueError(f"activation must be one of {', '.join(_ACT)}, got {activation!r}")
    side = check_int(image_size, "image_size", minimum=1)
    blocks: list[nn.Module] = []
    prev = check_int(in_channels, "in_channels", minimum=1)
    for c in channels:
        blocks.append(nn.Sequential(nn.Conv2d(prev, c, 3, stride=2, padding=1), _ACT[activation]()))
        prev, side = c, (side + 1) // 2
    net = LayerwiseNet(
        blocks, nn.Linear(prev * side * side, check_int(n_classes, "n_classes", minimum=2)), "conv"
    )
    _init_(net, torch.Generator().manual_seed(check_int(seed, "seed")))
    return net
