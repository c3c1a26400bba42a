"""Tests of the Parseval retraction (ibcore.training.retraction) and TrainConfig.parseval_alpha."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from toy_runs import SZT8, config

from ibcore.training import TrainConfig, parseval_retraction, train_and_record, train_seeds

pytestmark = pytest.mark.usefixtures("one_thread")


def _orthogonal(n: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    q, _ = torch.linalg.qr(torch.randn(n, n, generator=g, dtype=torch.float64))
    return q


def test_orthogonal_and_orthonormal_rows_are_fixed_points():
    q = _orthogonal(5, 0)
    w = q.clone()
    parseval_retraction([w], 0.3)
    torch.testing.assert_close(w, q, rtol=0, atol=1e-12)
    rows = q[:3].clone()  # 3 orthonormal rows of length 5 (a narrowing layer)
    parseval_retraction([rows], 0.3)
    torch.testing.assert_close(rows, q[:3], rtol=0, atol=1e-12)


def test_singular_values_move_to_s_minus_alpha_s3_minus_s():
    u, v = _orthogonal(4, 1), _orthogonal(6, 2)
    s = torch.tensor([2.0, 1.3, 0.7, 0.1], dtype=torch.float64)
    w = u @ torch.diag(s) @ v[:4]
    alpha = 0.05
    parseval_retraction([w], alpha)
    expected = u @ torch.diag(s - alpha * (s**3 - s)) @ v[:4]
    torch.testing.assert_close(w, expected, rtol=0, atol=1e-12)
    torch.testing.assert_close(
        torch.linalg.svdvals(w), torch.sort(s - alpha * (s**3 - s), descending=True).values
    )


def test_batched_matrices_and_transposes():
    g = torch.Generator().manual_seed(3)
    w = torch.randn(3, 4, 7, generator=g, dtype=torch.float64)
    each = [m.clone() for m in w]
    for m in each:
        parseval_retraction([m], 0.1)
    wt = w.transpose(-1, -2).clone()
    parseval_retraction([w], 0.1)
    torch.testing.assert_close(w, torch.stack(each))
    parseval_retraction([wt], 0.1)  # the retraction commutes with the transpose (StackedMLP's layout)
    torch.testing.assert_close(wt.transpose(-1, -2), w)


def test_zero_alpha_is_a_no_op_and_negative_alpha_fails():
    w = torch.randn(3, 3)
    before = w.clone()
    parseval_retraction([w], 0.0)
    assert torch.equal(w, before)
    with pytest.raises(ValueError):
        parseval_retraction([w], -0.1)
    with pytest.raises(ValueError):
        parseval_retraction([torch.ones(3)], 0.1)


def test_config_option_out_of_the_cache_key_at_its_default():
    base = TrainConfig(model={"kind": "mlp", "widths": [12, 4, 2]})
    assert "parseval_alpha" not in base.to_dict()
    on = dataclasses.replace(base, parseval_alpha=1e-3)
    assert on.to_dict()["parseval_alpha"] == 1e-3
    assert TrainConfig.from_dict(on.to_dict()) == on
    with pytest.raises(ValueError):
        TrainConfig(model={"kind": "mlp", "widths": [12, 4, 2]}, parseval_alpha=-1.0)


def _hidden(state: dict[str, torch.Tensor]) -> list[str]:
    return [k for k in state if k.endswith("weight") and not k.startswith("output")]


def test_training_applies_it_to_hidden_layers_only():
    cfg = config(n_epochs=4, activation_dtype="float32")
    plain = train_and_record(cfg, SZT8, cache=False, progress=False, device="cpu")
    # a large alpha pulls the hidden layers' singular values towards 1 within a few steps
    ret = train_and_record(
        dataclasses.replace(cfg, parseval_alpha=0.2), SZT8, cache=False, progress=False, device="cpu"
    )
    assert ret.key != plain.key
    hidden = _hidden(ret.model_state)
    assert hidden
    for k in hidden:
        dev_ret = (torch.linalg.svdvals(ret.model_state[k].double()) - 1).abs().max()
        dev_plain = (torch.linalg.svdvals(plain.model_state[k].double()) - 1).abs().max()
        assert dev_ret < dev_plain
        assert dev_ret < 0.1


def test_batched_seeds_match_single_seeds(tmp_path):
    cfg = config(n_epochs=3, activation_dtype="float32", parseval_alpha=0.05)
    seeds = [0, 3]
    batched = train_seeds(cfg, seeds, SZT8, cache_dir=tmp_path / "b", progress=False, device="cpu")
    assert all(r.info.get("batched_with") == seeds for r in batched)
    for r in batched:
        alone = train_and_record(
            dataclasses.replace(cfg, seed=r.seed), SZT8, cache=False, progress=False, device="cpu"
        )
        for k in alone.model_state:
            torch.testing.assert_close(r.model_state[k], alone.model_state[k], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(r.history.to_numpy(), alone.history.to_numpy(), rtol=1e-5, atol=1e-7)


def test_engines_retract_every_linear_layer_but_the_output():
    from ibcore.models import build_model
    from ibcore.training.engines import SingleEngine, StackedMLP

    cfg = config(parseval_alpha=0.1)
    torch.manual_seed(0)
    models = [build_model(cfg.model) for _ in range(2)]
    single = SingleEngine(models[0], cfg, torch.device("cpu"), torch.float32)
    out = models[0].get_submodule("output.pre.linear").weight
    assert len(single.hidden_weights) == 2 and all(w is not out for w in single.hidden_weights)
    stacked = StackedMLP(models, cfg, torch.device("cpu"), torch.float32)
    x, y = torch.as_tensor(SZT8[0][:64]).float(), torch.as_tensor(SZT8[1][:64]).long()
    perms = [torch.arange(64), torch.arange(64)]
    lr0 = dataclasses.replace(cfg, lr=1e-12)  # no optimiser movement: only the retraction acts
    stacked = StackedMLP(models, lr0, torch.device("cpu"), torch.float32)
    w_out = stacked.layers_wb[-1][0].detach().clone()
    w_hidden = stacked.layers_wb[0][0].detach().clone()
    stacked.train_epoch(x, y, perms, batch_size=64)
    torch.testing.assert_close(stacked.layers_wb[-1][0].detach(), w_out, rtol=0, atol=1e-9)
    expected = w_hidden - 0.1 * (w_hidden @ w_hidden.transpose(-1, -2) @ w_hidden - w_hidden)
    torch.testing.assert_close(stacked.layers_wb[0][0].detach(), expected, rtol=1e-5, atol=1e-6)
