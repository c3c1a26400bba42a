"""One module per notebook of the book: today each holds the notebook's profile table (``PROFILE``).

:data:`NOTEBOOKS` maps a notebook's name (its file name without ``.ipynb``) to its module, in
the order of the profile table.
"""

from ibcore.study.chapters import (
    aa_mine_ib,
    estimator_accuracy,
    estimator_dependence,
    estimator_speed,
    information_plane,
    lossy_compression,
    noisy_dnns,
)

NOTEBOOKS = {
    "00_information_plane": information_plane,
    "01_estimator_dependence": estimator_dependence,
    "02_noisy_dnns": noisy_dnns,
    "03_lossy_compression": lossy_compression,
    "A1_estimator_speed": estimator_speed,
    "A2_estimator_accuracy": estimator_accuracy,
    "04_aa_mine_ib": aa_mine_ib,
}
