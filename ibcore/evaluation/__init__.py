"""The estimators scored against ground truth (:mod:`~ibcore.evaluation.suite`, appendix A2) and
timed against the anchors' reference implementations (:mod:`~ibcore.evaluation.benchmark`, A1)."""
