"""Hand-made results for the tests of chapter 4 (Elad et al. 2019): Fig. 1 sweeps, Table 1 runs, settings.

Shared by the test modules of this folder as ``fakes.<name>``; not a test module.
"""

import numpy as np

NB = "04_aa_mine_ib"


def sweep(variances, aa, mi, aa_diverged=None, seed=0, mi_diverged=None):
    """One seed's :func:`noise_sweep` frame (with its ``seed`` column)."""
    import pandas as pd

    aa_diverged = aa_diverged or [False] * len(variances)
    mi_diverged = mi_diverged or [False] * len(variances)
    rows = []
    for v, a, m, bad, mbad in zip(variances, aa, mi, aa_diverged, mi_diverged, strict=True):
        s = float(np.sqrt(v))
        common = {"sigma": s, "variance": v}
        rows.append({**common, "estimator": "MINE", "estimate": m, "diverged": mbad, "seed": seed})
        rows.append({**common, "estimator": "AA-MINE", "estimate": a, "diverged": bad, "seed": seed})
    return pd.DataFrame(rows)


def sweeps(variances, per_seed):
    """Several seeds' sweeps: ``per_seed`` is a list of (aa, mi) or (aa, mi, aa_diverged)."""
    import pandas as pd

    return pd.concat(
        [sweep(variances, *curves, seed=s) for s, curves in enumerate(per_seed)], ignore_index=True
    )


def anchor(variances, aa, truth, seed=0):
    frame = sweep(variances, aa, [-50.0] * len(aa), seed=seed)  # MINE rows far off: they must not count
    frame["truth"] = np.repeat(truth, 2)
    return frame


def anchors(variances, per_seed, truth):
    """Several seeds' anchors, the same closed form ``truth`` in each; ``per_seed`` lists AA-MINE curves."""
    import pandas as pd

    return pd.concat(
        [anchor(variances, aa, truth, seed=s) for s, aa in enumerate(per_seed)], ignore_index=True
    )


V3 = [1e-1, 1e-3, 1e-5]

N_HELDOUT = 60  # log 60 = 4.09 nats


def runs(acc):
    """Runs frame: acc maps data -> method -> accuracies (fractions), one per seed."""
    import pandas as pd

    rows = [
        {"data": d, "method": m, "seed": s, "accuracy": a}
        for d, per in acc.items()
        for m, accs in per.items()
        for s, a in enumerate(accs)
    ]
    return pd.DataFrame(rows)


ACC = {
    "MNIST 1%": {"ce": [0.80, 0.90], "iyl": [0.80, 0.80], "ib": [0.90, 0.90]},  # IB best
    "MNIST 100%": {"ce": [0.95, 0.95], "iyl": [0.90, 0.90], "ib": [0.92, 0.92]},  # CE beats IB
    "CIFAR-10 partial": {"ce": [0.3, 0.3], "iyl": [0.3, 0.3], "ib": [0.4, 0.4]},  # other data
}


def settings(profile="default", **params):
    """The page's Settings at ``profile`` (its PROFILE values), with ``params`` overriding some."""
    from ibcore.study.chapters.aa_mine_ib import PROFILE
    from ibcore.study.profiles import Settings

    return Settings(NB, profile, {**PROFILE[profile], **params}, seed=0, device="cpu")
