"""The critic networks of MINE and AA-MINE, each initialised from a given torch.Generator.

An MLP builder (:func:`critic_mlp`), a fixed standardisation (:class:`Scale`), the pair critic
T(x, y) of MINE on vectors (:class:`PairCritic`) and on images (:class:`ImagePairCritic`, with the
conv encoders of :func:`conv_encoder`), and the architecture-aware critic (:class:`AACritic`) that
holds a frozen copy of the sub-network F.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from ibcore._validation import check_int, scale_safe_moments

ACTIVATIONS = {"elu": nn.ELU, "relu": nn.ReLU}


def critic_mlp(in_dim: int, hidden: tuple[int, ...], activation: str, gen: torch.Generator) -> nn.Sequential:
    """MLP in_dim -> hidden... -> 1, initialised like nn.Linear's default but from ``gen``."""
    layers: list[nn.Module] = []
    dims = (in_dim, *hidden, 1)
    for i, (a, b) in enumerate(zip(dims[:-1], dims[1:], strict=False)):
        lin = nn.Linear(a, b)
        with torch.no_grad():
            nn.init.kaiming_uniform_(lin.weight, a=math.sqrt(5), generator=gen)
            nn.init.uniform_(lin.bias, -1.0 / math.sqrt(a), 1.0 / math.sqrt(a), generator=gen)
        layers.append(lin)
        if i < len(dims) - 2:
            layers.append(ACTIVATIONS[activation]())
    return nn.Sequential(*layers)


class Scale(nn.Module):
    """Fixed per-coordinate standardisation (an invertible map, so it leaves the MI unchanged)."""

    def __init__(self, mean: torch.Tensor, std: torch.Tensor):
        super().__init__()
        self.register_buffer("mean", mean.detach().clone())
        self.register_buffer("std", torch.where(std > 0, std, torch.ones_like(std)).detach().clone())

    def forward(self, v: torch.Tensor) -> torch.Tensor:
        return (v - self.mean) / self.std


class PairCritic(nn.Module):
    """MINE critic T(x, y) = MLP([std(x), std(y)])."""

    def __init__(self, body: nn.Module, sx: Scale, sy: Scale):
        super().__init__()
        self.body, self.sx, self.sy = body, sx, sy

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.body(torch.cat([self.sx(x), self.sy(y)], dim=1)).squeeze(1)


def conv_encoder(shape: tuple[int, int, int], gen: torch.Generator) -> nn.Sequential:
    """Two conv blocks (3x3 'same' conv, ELU, 2x2 max-pool; 8 then 16 channels) and a flatten.

    The encoder half of the critic for images (Butakov et al. 2024 give their MINE baseline a
    critic shaped like their convolutional encoder); initialised like torch's default from ``gen``.
    """
    c, h, w = shape
    layers: list[nn.Module] = []
    for c_in, c_out in ((c, 8), (8, 16)):
        conv = nn.Conv2d(c_in, c_out, kernel_size=3, padding=1)
        with torch.no_grad():
            nn.init.kaiming_uniform_(conv.weight, a=math.sqrt(5), generator=gen)
            bound = 1.0 / math.sqrt(c_in * 9)
            nn.init.uniform_(conv.bias, -bound, bound, generator=gen)
        layers += [conv, nn.ELU(), nn.MaxPool2d(2)]
    return nn.Sequential(*layers, nn.Flatten())


def encoded_width(shape: tuple[int, int, int]) -> int:
    _, h, w = shape
    return 16 * (h // 4) * (w // 4)


class ImagePairCritic(nn.Module):
    """MINE critic on images: T(x, y) = MLP([E_x(std(x)), E_y(std(y))]) with conv encoders E."""

    def __init__(
        self,
        enc_x: nn.Module,
        enc_y: nn.Module,
        body: nn.Module,
        sx: Scale,
        sy: Scale,
        shapes: tuple[tuple[int, ...], tuple[int, ...]],
    ):
        super().__init__()
        self.enc_x, self.enc_y, self.body, self.sx, self.sy = enc_x, enc_y, body, sx, sy
        self.shapes = shapes

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        fx = self.enc_x(self.sx(x).reshape(x.shape[0], *self.shapes[0]))
        fy = self.enc_y(self.sy(y).reshape(y.shape[0], *self.shapes[1]))
        return self.body(torch.cat([fx, fy], dim=1)).squeeze(1)


def check_image_shapes(shapes: Any) -> tuple[tuple[int, int, int], tuple[int, int, int]] | None:
    """``None`` or two (C, H, W) shapes with H, W >= 4 (the encoder pools twice)."""
    if shapes is None:
        return None
    try:
        pair = tuple(tuple(s) for s in shapes)
    except TypeError:
        raise TypeError(f"image_shapes must be two (C, H, W) tuples, got {shapes!r}") from None
    if len(pair) != 2 or any(len(s) != 3 for s in pair):
        raise ValueError(f"image_shapes must be two (C, H, W) tuples, got {shapes!r}")
    out = tuple(tuple(check_int(v, "image_shapes entry", minimum=1) for v in s) for s in pair)
    for s in out:
        if min(s[1], s[2]) < 4:
            raise ValueError(f"image_shapes: images must be at least 4x4 (the encoder pools twice), got {s}")
    return out  # type: ignore[return-value]


class AACritic(nn.Module):
    """AA-MINE critic T(x, t) = MLP([std(F(x)), std(t), (t - F(x)) / sigma]) with F frozen inside.

    ``residual="log"`` feeds sign(r) log(1 + |r|) of the residual r = (t - F(x)) / sigma instead (an
    invertible map of r, so the critic family can express the same functions).
    """

    def __init__(
        self,
        subnet: nn.Module,
        body: nn.Module,
        sf: Scale,
        st: Scale,
        sigma: float,
        residual: str = "linear",
    ):
        super().__init__()
        self.subnet, self.body, self.sf, self.st, self.sigma = subnet, body, sf, st, sigma
        self.residual = residual

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.subnet(x).reshape(x.shape[0], -1)

    def head(self, f: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        r = (t - f) / self.sigma
        if self.residual == "log":
            r = torch.sign(r) * torch.log1p(r.abs())
        return self.body(torch.cat([self.sf(f), self.st(t), r], dim=1)).squeeze(1)

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x), t)


def scale_of(v: torch.Tensor) -> Scale:
    """Standardisation of the columns of v, with moments that are right at any finite scale."""
    mean, std = scale_safe_moments(v)
    return Scale(mean, std)
