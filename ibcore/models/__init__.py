"""Small networks whose layers can be watched: the MLPs and conv-nets of the information-plane papers.

Every model here is a :class:`LayeredNet`: an :class:`torch.nn.Module` whose top-level submodules
``layer1``, ..., ``layerK`` and ``output`` are its layers in input -> output order
(:attr:`LayeredNet.layer_names`). ``forward_layers(x)`` returns all of them in an ordered dict, and a
forward hook on ``model.get_submodule("layer2")`` sees exactly what ``forward_layers`` reports for
``"layer2"``, so :func:`ibcore.training.record_activations` works on these models and on any other.

Three calls matter to the trainer:

* ``model.logits(x)``: the pre-activation of the output layer, which the cross-entropy loss takes;
* ``model(x)``: ``output_activation(logits)`` (the logits themselves by default), the ``output``
  layer that gets recorded (``"softmax"`` gives Shwartz-Ziv & Tishby's softmax layer);
* ``model.spec``: a JSON-serializable dict with which :func:`build_model` rebuilds the model.

Noise (Goldfeld et al. 2019) is a :class:`GaussianNoise` submodule: it adds N(0, std^2) in training
*and* in evaluation, so a noisy network stays a stochastic map when its activations are recorded
(turn it off with ``noise_std=0``, ``noise_in_eval=False`` or :func:`set_noise`).
``noise_mode="multiplicative"`` scales the noise by the signal instead, ``S (1 + std Z)`` (the
noise-to-signal-ratio noise of Butakov et al.'s released classifier).

A second family, which is not a :class:`LayeredNet`: the :class:`LayerwiseNet` of blocks
(:func:`elad_mlp`, :func:`elad_convnet`) that :func:`ibcore.training.train_layerwise` trains one
block at a time (Elad et al. 2019).

Modules, one idea each: ``layers`` (activations, :class:`GaussianNoise`, the output head),
``mlp`` (:class:`LayeredNet`, :class:`MLP`), ``conv`` (:class:`ConvNet`, :class:`MNISTCNN`,
:class:`CIFAR10ConvNet`), ``registry`` (the specs: :func:`build_model`, :func:`normalize_spec`,
:func:`set_noise`) and ``layerwise`` (:class:`LayerwiseNet`).
"""

from __future__ import annotations

from ibcore.models.conv import MNISTCNN, CIFAR10ConvNet, ConvNet
from ibcore.models.layers import ACTIVATIONS, NOISE_MODES, OUTPUT_ACTIVATIONS, GaussianNoise, make_activation
from ibcore.models.layerwise import LayerwiseNet, elad_convnet, elad_mlp
from ibcore.models.mlp import MLP, LayeredNet, mlp
from ibcore.models.registry import MODEL_KINDS, build_model, normalize_spec, set_noise

__all__ = [
    "ACTIVATIONS",
    "OUTPUT_ACTIVATIONS",
    "NOISE_MODES",
    "GaussianNoise",
    "LayeredNet",
    "MLP",
    "mlp",
    "MNISTCNN",
    "CIFAR10ConvNet",
    "MODEL_KINDS",
    "build_model",
    "normalize_spec",
    "set_noise",
    "make_activation",
    "ConvNet",
    "LayerwiseNet",
    "elad_mlp",
    "elad_convnet",
]
