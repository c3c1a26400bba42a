"""The information-plane computation over recorded runs, and the plots drawn from it."""

import contextlib
import logging
import os
import signal
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")  # tests only; notebooks keep the inline backend

import numpy as np
import pandas as pd
import pytest
import torch

import ibcore
from ibcore.analysis.infoplane import PairwiseMI, information_plane
from ibcore.estimators import KDE, Binning, DecisionRule
from ibcore.interface import IXL, IYL
from ibcore.plotting import plot_information_plane, plot_information_plane_grid, plot_mi_over_epochs


def fake_run(seed=0, n=256, epochs=(0, 1, 5, 10)):
    """A run-shaped object: two layers whose activations change over epochs in a known way."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(0, 2, (n, 6), generator=g).float()
    y = x[:, 0].long()  # the label is the first input bit
    e = len(epochs)
    scale = torch.linspace(0.1, 3.0, e)[:, None, None]  # units saturate more and more
    w1 = torch.randn(6, 4, generator=g)
    l1 = torch.tanh(scale * (x @ w1)[None])  # (E, N, 4)
    out = torch.stack([torch.softmax(s * torch.stack([x[:, 0], 1 - x[:, 0]], 1), 1) for s in scale[:, 0, 0]])
    return SimpleNamespace(
        seed=seed,
        epochs=np.array(epochs),
        layers=["layer1", "output"],
        activations={"layer1": l1.half(), "output": out.half()},
        x_eval=x,
        y_eval=y,
    )


def test_binning_columns_equal_direct_calls():
    run = fake_run()
    df = information_plane(run, Binning(n_bins=30, value_range=(-1, 1)), progress=False)
    assert list(df.columns[:5]) == ["estimator", "seed", "layer", "layer_index", "epoch"]
    assert len(df) == 2 * len(run.epochs)
    for e_idx, epoch in enumerate(run.epochs):
        direct = ibcore.mi_binning(
            run.activations["layer1"][e_idx].float(), labels=run.y_eval, n_bins=30, value_range=(-1, 1)
        )
        row = df[(df.layer == "layer1") & (df.epoch == epoch)].iloc[0]
        assert row[IXL] == pytest.approx(direct.i_xl, abs=1e-12)
        assert row[IYL] == pytest.approx(direct.i_yl, abs=1e-12)


def test_information_plane_obeys_its_bounds():
    run = fake_run()
    df = information_plane(run, [Binning(), KDE(noise_var=0.1)], progress=False)
    h_y = float(-(np.log(0.5)))  # labels are a fair-ish coin; I(Y;L) <= H(Y) <= log 2
    assert (df[IYL] <= df[IXL] + 1e-9).all()  # data processing: I(Y;L) <= I(X;L) for both estimators
    assert (df[IYL] <= h_y + 1e-9).all()
    assert (df[IXL] <= np.log(len(run.x_eval)) + 1e-9).all()  # at most log N
    kde = df[df.estimator.str.startswith("KDE")]
    assert (kde[f"{IXL} lower"] <= kde[IXL] + 1e-9).all()  # lower <= upper
    # the output layer's label information grows as the softmax sharpens (known by construction)
    out = df[(df.layer == "output") & (df.estimator.str.startswith("binning"))].sort_values("epoch")
    assert out[IYL].iloc[-1] > out[IYL].iloc[0]


def test_seeds_layers_and_epoch_subsets():
    runs = [fake_run(seed=s) for s in (0, 1, 2)]
    df = information_plane(runs, {"b": Binning()}, layers=["output"], epochs=[1, 10], progress=False)
    assert sorted(df.seed.unique()) == [0, 1, 2]
    assert set(df.layer) == {"output"} and set(df.epoch) == {1, 10}
    assert set(df.estimator) == {"b"}


def test_decision_rule_and_pairwise_adapters():
    run = fake_run()
    dr = information_plane(run, DecisionRule(), layers=["output"], progress=False)
    # the predicted class is the first input bit at every epoch, so I(Y; L-hat) = H(Y)
    h_y = float(
        pd.Series(run.y_eval.numpy()).value_counts(normalize=True).pipe(lambda p: -(p * np.log(p)).sum())
    )
    assert np.allclose(dr[IYL], h_y, atol=1e-9)
    pw = information_plane(
        run,
        PairwiseMI(ibcore.mi_ksg, {"k": 3, "jitter": 1e-6}),
        layers=["layer1"],
        epochs=[10],
        progress=False,
    )
    assert len(pw) == 1 and np.isfinite(pw[[IXL, IYL]].to_numpy()).all()


@pytest.mark.parametrize(
    ("kwargs", "err", "match"),
    [
        ({"layers": ["nope"]}, ValueError, "not recorded"),
        ({"epochs": [3]}, ValueError, "epochs \\[3\\] were not recorded"),
        ({"estimators": []}, ValueError, "estimators is empty"),
        ({"estimators": [42]}, TypeError, "estimate\\(x, y\\) or be a function"),
    ],
)
def test_information_plane_errors(kwargs, err, match):
    kwargs.setdefault("estimators", Binning())
    with pytest.raises(err, match=match):
        information_plane(fake_run(), progress=False, **kwargs)


def test_plots_draw_one_line_per_layer():
    df = information_plane([fake_run(0), fake_run(1)], [Binning(), KDE()], progress=False)
    ax = plot_information_plane(df, estimator="binning (30 bins)")
    assert len(ax.lines) == 2  # one connecting line per layer
    assert ax.get_xlabel() == "I(X;L) [bits]"
    with pytest.raises(ValueError, match="several estimators"):
        plot_information_plane(df)
    with pytest.raises(ValueError, match="unit"):
        plot_information_plane(df, estimator="binning (30 bins)", unit="bans")
    fig = plot_information_plane_grid(df, by="estimator")
    assert sum(a.get_visible() for a in fig.axes if a.get_label() != "<colorbar>") >= 2
    plot_mi_over_epochs(df, estimator="binning (30 bins)")
    matplotlib.pyplot.close("all")


# --- executors: local worker processes and a dask cluster give the same frame -----------------

PARALLEL_ESTIMATORS = {
    "binning": Binning(),
    "kde": KDE(noise_var=0.1),
    "ksg": PairwiseMI(ibcore.mi_ksg, {"k": 3, "jitter": 1e-6}),
}


def test_n_jobs_gives_the_same_frame_in_the_same_order():
    runs = [fake_run(seed=s, n=128) for s in (0, 1)]
    here = information_plane(runs, PARALLEL_ESTIMATORS, progress=False)
    workers = information_plane(runs, PARALLEL_ESTIMATORS, progress=False, n_jobs=2)
    # binning counts and kNN counts are exact; the KDE sums of 128 terms are float64 and the same
    # arithmetic in a worker (one torch thread there, the main process's count here): equal
    pd.testing.assert_frame_equal(here, workers, check_exact=False, rtol=0, atol=1e-12)
    assert list(workers.estimator.unique()) == list(PARALLEL_ESTIMATORS)


@contextlib.contextmanager
def _local_cluster(**config):
    """A real dask cluster of two worker processes (one thread each), each under a nanny.

    ``config`` sets dask options while the scheduler is created (it reads them then), e.g.
    ``{"distributed.scheduler.allowed-failures": 0}``.
    """
    distributed = pytest.importorskip("distributed")
    import dask

    with (
        dask.config.set(config),
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as lc,
        distributed.Client(lc) as client,
    ):
        client.wait_for_workers(2)
        yield client


@pytest.fixture
def cluster():
    """Function-scoped: a test that kills a worker leaves the next one a fresh cluster."""
    with _local_cluster() as client:
        yield client


def test_a_dask_cluster_of_worker_processes_gives_the_same_frame(cluster):
    pids = set(cluster.run(os.getpid).values())
    assert len(pids) == 2 and os.getpid() not in pids  # two separate worker processes
    runs = [fake_run(seed=s, n=128) for s in (0, 1)]
    here = information_plane(runs, PARALLEL_ESTIMATORS, progress=False)
    on_cluster = information_plane(runs, PARALLEL_ESTIMATORS, progress=False, client=cluster)
    # row for row: binning and kNN counts are exact; KDE's float64 sums of 128 terms in a worker
    # (one torch thread) and here differ by reordering only, ~1e-15 of values of a few nats
    pd.testing.assert_frame_equal(here, on_cluster, check_exact=False, rtol=0, atol=1e-12)


class _KillsItsWorker:
    """Binning that kills the worker process running it: on the first call only, or on every call.

    A marker file tells the first call from a retry across processes (a killed worker's nanny
    starts a new process, which knows nothing of the old one).
    """

    name = "binning"

    def __init__(self, marker, always=False):
        self.marker, self.always, self.inner = str(marker), always, Binning()

    def estimate_layer(self, acts, *, x, y):
        if self.always or not os.path.exists(self.marker):
            with open(self.marker, "w"):
                pass
            os.kill(os.getpid(), signal.SIGKILL)
        return self.inner.estimate_layer(acts, x=x, y=y)


def test_a_worker_killed_mid_run_is_replaced_and_the_frame_completes(cluster, tmp_path):
    runs = [fake_run(seed=s, n=128) for s in (0, 1)]
    here = information_plane(runs, {"binning": Binning()}, progress=False)
    dies_once = _KillsItsWorker(tmp_path / "killed")
    on_cluster = information_plane(runs, {"binning": dies_once}, progress=False, client=cluster)
    assert (tmp_path / "killed").exists()  # a worker did die mid-run
    pd.testing.assert_frame_equal(here, on_cluster)  # binning counts: exact


def test_a_job_the_cluster_gives_up_on_raises_instead_of_a_partial_frame(tmp_path):
    # no retry: the first worker death of the one job (one layer) ends it with KilledWorker
    always_dies = _KillsItsWorker(tmp_path / "k", always=True)
    with (
        _local_cluster(**{"distributed.scheduler.allowed-failures": 0}) as client,
        pytest.raises(
            RuntimeError,
            match=r"dask cluster lost the job of estimator 'binning', seed 0, layer 'layer1' \(KilledWorker",
        ),
    ):
        information_plane(
            fake_run(seed=0, n=64), {"binning": always_dies}, layers=["layer1"], progress=False, client=client
        )


@pytest.mark.parametrize(
    ("kwargs", "err", "match"),
    [
        ({"n_jobs": 0}, ValueError, "n_jobs must be"),
        ({"n_jobs": -2}, ValueError, "n_jobs must be"),
        ({"n_jobs": 1.5}, ValueError, "n_jobs must be"),
        ({"client": object()}, TypeError, "client must be a dask"),
    ],
)
def test_executor_errors(kwargs, err, match):
    with pytest.raises(err, match=match):
        information_plane(fake_run(), Binning(), progress=False, **kwargs)


def test_n_jobs_and_client_together_is_an_error():
    class FakeClient:
        def submit(self, *a, **k): ...

        def scatter(self, *a, **k): ...

    with pytest.raises(ValueError, match="not both"):
        information_plane(fake_run(), Binning(), progress=False, n_jobs=2, client=FakeClient())


def test_an_error_in_a_worker_reaches_the_caller():
    def broken(x, y):
        raise RuntimeError("estimator failed on purpose")

    with pytest.raises(RuntimeError, match="on purpose"):
        information_plane(fake_run(n=64), PairwiseMI(broken), progress=False, n_jobs=2)
