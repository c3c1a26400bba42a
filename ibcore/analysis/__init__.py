"""Readings of recorded runs that belong to no chapter: information planes over runs
(:mod:`~ibcore.analysis.infoplane`), their summaries (:mod:`~ibcore.analysis.summary`), cluster
geometry (:mod:`~ibcore.analysis.geometry`) and estimator-parameter sweeps
(:mod:`~ibcore.analysis.sensitivity`)."""
