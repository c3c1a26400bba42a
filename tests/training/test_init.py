"""Saxe et al.'s initialisation (TrainConfig(init="saxe")): its statistics, the cache key, errors."""

import math

import pytest
import torch

from ibcore.models import MLP
from ibcore.training import TrainConfig, train_and_record, train_seeds
from ibcore.training.init import initialize

pytestmark = pytest.mark.usefixtures("one_thread")


def test_saxe_init_statistics():
    torch.manual_seed(0)
    net = initialize(MLP([12, 400, 300, 2]), "saxe")
    for name, width in (("layer1", 400), ("layer2", 300)):
        w = net.get_submodule(f"{name}.linear").weight.detach()
        std = 1 / math.sqrt(width)
        # truncated at 2 sd; the sd of a normal truncated at +-2 sd is 0.8796 sd
        assert float(w.abs().max()) <= 2 * std + 1e-7
        # 4800+ entries: the sample sd is within ~3 % of 0.8796 std (4 standard errors)
        assert float(w.std()) == pytest.approx(0.8796 * std, rel=0.04)
        assert float(net.get_submodule(f"{name}.linear").bias.detach().abs().max()) == 0.0
    out = net.get_submodule("output.pre.linear")
    bound = math.sqrt(6 / (300 + 2))
    assert float(out.weight.detach().abs().max()) <= bound
    assert float(out.bias.detach().abs().max()) == 0.0


def test_idnns_init_statistics_every_layer_by_fan_in():
    torch.manual_seed(0)
    net = initialize(MLP([300, 400, 500]), "idnns")
    for name, fan_in in (("layer1.linear", 300), ("output.pre.linear", 400)):
        lin = net.get_submodule(name)
        w = lin.weight.detach()
        std = 1 / math.sqrt(fan_in)
        assert float(w.abs().max()) <= 2 * std + 1e-7
        # 1.2e5+ entries: the sd of a normal truncated at 2 sd is 0.8796 sd, within 1 %
        assert float(w.std()) == pytest.approx(0.8796 * std, rel=0.01)
        assert float(lin.bias.detach().abs().max()) == 0.0


def test_glorot_init_every_layer_uniform():
    torch.manual_seed(0)
    net = initialize(MLP([300, 400, 500]), "glorot")
    for name, (m, n) in (("layer1.linear", (300, 400)), ("output.pre.linear", (400, 500))):
        lin = net.get_submodule(name)
        w = lin.weight.detach()
        bound = math.sqrt(6 / (m + n))
        assert float(w.abs().max()) <= bound
        # uniform on +-bound has sd bound / sqrt(3); 1.2e5+ entries put the sample sd within 1 %
        assert float(w.std()) == pytest.approx(bound / math.sqrt(3), rel=0.01)
        assert float(lin.bias.detach().abs().max()) == 0.0


def test_every_scheme_is_described():
    from ibcore.training.init import DESCRIPTIONS, INITS

    assert set(DESCRIPTIONS) == set(INITS)


def test_torch_init_changes_nothing():
    torch.manual_seed(1)
    net = MLP([12, 10, 2])
    before = {k: v.clone() for k, v in net.state_dict().items()}
    initialize(net, "torch")
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())


def test_init_errors():
    with pytest.raises(ValueError, match="init"):
        initialize(MLP([4, 3, 2]), "xavier")
    with pytest.raises(ValueError, match="ibcore MLP"):
        initialize(torch.nn.Linear(3, 2), "saxe")
    with pytest.raises(ValueError, match="init"):
        TrainConfig(model={"kind": "mlp", "widths": [4, 3, 2]}, init="he")


def test_default_init_stays_out_of_the_cache_key_and_saxe_enters_it():
    spec = {"kind": "mlp", "widths": [4, 3, 2]}
    assert "init" not in TrainConfig(model=spec).to_dict()
    assert TrainConfig(model=spec, init="saxe").to_dict()["init"] == "saxe"
    assert TrainConfig.from_dict(TrainConfig(model=spec, init="saxe").to_dict()).init == "saxe"


def _data():
    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, 2, (64, 4), generator=g).float()
    return x, (x.sum(1) > 2).long()


def test_runs_start_from_the_saxe_weights_batched_or_not():
    x, y = _data()
    cfg = TrainConfig(
        model={"kind": "mlp", "widths": [4, 3, 2], "activation": "relu"},
        n_epochs=0,
        schedule=[0],
        init="saxe",
    )
    single = train_and_record(cfg, train=(x, y), cache=False, progress=False)
    torch.manual_seed(0)
    ref = initialize(MLP([4, 3, 2], activation="relu"), "saxe")
    for k, v in ref.state_dict().items():
        assert torch.allclose(single.model_state[k], v), k
    stacked = train_seeds(cfg, [0, 1], train=(x, y), cache=False, progress=False, batched=True)
    for k, v in ref.state_dict().items():
        assert torch.allclose(stacked[0].model_state[k], v, atol=1e-7), k
    assert float(stacked[1].model_state["layer1.linear.bias"].abs().max()) == 0.0


def test_init_with_a_custom_model_is_an_error():
    x, y = _data()
    cfg = TrainConfig(model=None, n_epochs=1, init="saxe")
    with pytest.raises(ValueError, match="keeps its own weights"):
        train_and_record(cfg, train=(x, y), model=MLP([4, 3, 2]), cache=False, progress=False)
