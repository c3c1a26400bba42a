"""Appendix A2, estimator accuracy on ground truth.

The sizes of ``A2_estimator_accuracy.ipynb`` per profile (data only), read by
:func:`ibcore.study.profiles.setup`; the keys are identical across the three profiles.
"""

PROFILE = {
    # Appendix: every estimator on ground-truth tasks (ibcore.evaluation.suite, ibcore.ground_truth).
    # dims: d of the dense/sparse Gaussian d+d tasks; mi_grid (nats) at grid_dims; maps and
    # Student-t at map_dims/student_dims; ns: sample sizes; MINE (cost ~ mine_iter, not N) only
    # at mine_ns and mine_seeds; Renyi (O(N^2) memory, eigenvalues) at renyi_ns; n_ref: the N
    # of the heatmap and of the checks. default stops at 25+25 and N = 5000: on the loaded 2-core
    # CPU one 50+50 KSG estimate at N = 10^4 took 114 s, one 25+25 estimate 27 s (KL 38 s).
    "smoke": {
        "dims": [1, 5],
        "mi_grid": [1.0, 8.0],
        "grid_dims": [1],
        "map_dims": [2],
        "student_dims": [2],
        "layer_widths": [5],
        "renyi_dims": [2],
        "ns": [500, 1000],
        "seeds": [0],
        "mine_iter": 100,
        "mine_ns": [1000],
        "mine_seeds": [0],
        "renyi_ns": [500],
        "wkl_ks": [5, 20],
        "n_ref": 1000,
    },
    "default": {
        "dims": [1, 2, 5, 10, 25],
        "mi_grid": [0.5, 1.0, 2.0, 4.0, 6.0, 8.0, 10.0],
        "grid_dims": [1, 5],
        "map_dims": [2, 5],
        "student_dims": [1, 2, 5],
        "layer_widths": [2, 5, 10],
        "renyi_dims": [1, 2, 5],
        "ns": [1000, 5000],
        "seeds": [0, 1],
        "mine_iter": 1000,
        "mine_ns": [5000],
        "mine_seeds": [0],
        "renyi_ns": [1000],
        "wkl_ks": [5, 20],
        "n_ref": 5000,
    },
    "paper": {
        "dims": [1, 2, 5, 10, 25, 50],
        "mi_grid": [0.5, 1.0, 2.0, 4.0, 6.0, 8.0, 10.0],
        "grid_dims": [1, 5, 10],
        "map_dims": [2, 5, 10],
        "student_dims": [1, 2, 5, 10],
        "layer_widths": [2, 5, 10, 20],
        "renyi_dims": [1, 2, 5, 10],
        "ns": [1000, 5000, 10000],
        "seeds": [0, 1, 2, 3, 4],
        "mine_iter": 5000,
        "mine_ns": [1000, 5000, 10000],
        "mine_seeds": [0, 1, 2, 3, 4],
        "renyi_ns": [1000, 2000],
        "wkl_ks": [5, 20],
        "n_ref": 5000,
    },
}
