"""Readings of recorded runs that belong to no chapter: information planes over runs
(:mod:`~ibcore.analysis.infoplane`), their summaries (:mod:`~ibcore.analysis.summary`), cluster
geometry (:mod:`~ibcore.analysis.geometry`), estimator-parameter sweeps
(:mod:`~ibcore.analysis.sensitivity`), sample propagation over noisy runs
(:mod:`~ibcore.analysis.propagation`), input subsamples of runs (:mod:`~ibcore.analysis.subsample`),
compression beside clustering (:mod:`~ibcore.analysis.clustering`) and the phases of a curve over
epochs (:mod:`~ibcore.analysis.phases`)."""
