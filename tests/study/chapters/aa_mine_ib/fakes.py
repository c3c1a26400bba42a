"""Hand-made results for the tests of chapter 4 (Elad et al. 2019): Fig. 1 sweeps, Table 1 runs.

Shared by the test modules of this folder as ``fakes.<name>``; not a test module.
"""

import numpy as np


def sweep(variances, aa, mi, aa_diverged=None):
    import pandas as pd

    aa_diverged = aa_diverged or [False] * len(variances)
    rows = []
    for v, a, m, bad in zip(variances, aa, mi, aa_diverged, strict=True):
        s = float(np.sqrt(v))
        rows.append({"sigma": s, "variance": v, "estimator": "MINE", "estimate": m, "diverged": False})
        rows.append({"sigma": s, "variance": v, "estimator": "AA-MINE", "estimate": a, "diverged": bad})
    return pd.DataFrame(rows)


def anchor(variances, aa, truth):
    frame = sweep(variances, aa, [-50.0] * len(aa))  # MINE rows far off: they must not count
    frame["truth"] = np.repeat(truth, 2)
    return frame


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
