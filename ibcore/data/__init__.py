"""Data sets of the study: MNIST, CIFAR-10 and the Shwartz-Ziv & Tishby (SZT) binary task.

Every loader returns a :class:`Dataset` (``x`` float32 in [0, 1], ``y`` int64 labels, CPU tensors)
read from the canonical public files, verified by md5 before they are read.

Where the files come from, in this order (:func:`fetch`):

1. the cache, ``root`` (default :func:`ibcore._paths.data_dir`), laid out like torchvision's
   ``root`` (``MNIST/raw/...``, ``cifar-10-python.tar.gz``, ``cifar-10-batches-py/...``) plus
   ``szt/var_u.mat``;
2. a read-only mirror laid out the same way, named by the environment variable
   ``IBCORE_DATA_MIRROR``: the file is copied into the cache; nothing is ever written into the mirror;
3. the public URL (``download=True``), fetched with :mod:`urllib` into the cache.

A file that is found nowhere raises :class:`DataNotFoundError` (a ``FileNotFoundError``) saying
where it looked and how to get the file; a file whose md5 differs raises :class:`DataChecksumError`
naming both sums. Nothing is substituted silently. A verified file gets a ``<name>.md5-ok`` stamp
(md5, size, mtime) beside it, so later loads skip hashing until the file changes.

Two readers give identical tensors: torchvision's dataset classes when ``import torchvision``
works, otherwise ibcore's own reader of the same files (idx for MNIST, the CIFAR-10 python
pickles). ``Dataset.reader`` and a log line say which one ran.

Modules, one idea each: ``dataset`` (:class:`Dataset`, subsets and splits), ``files`` (verified
fetching: cache, mirror, download, md5 stamps), ``readers`` (torchvision or ibcore's own),
``mnist``, ``cifar`` (CIFAR-10 and the partial copy) and ``szt``.
"""

from __future__ import annotations

from ibcore.data.cifar import load_cifar10, load_cifar10_partial
from ibcore.data.dataset import Dataset, subset, subset_indices, train_test_split
from ibcore.data.files import MIRROR_ENV as MIRROR_ENV  # public, outside __all__ as before
from ibcore.data.files import DataChecksumError, DataNotFoundError, fetch
from ibcore.data.mnist import load_mnist
from ibcore.data.readers import torchvision_available
from ibcore.data.szt import load_szt

__all__ = [
    "Dataset",
    "DataNotFoundError",
    "DataChecksumError",
    "load_mnist",
    "load_cifar10",
    "load_cifar10_partial",
    "load_szt",
    "fetch",
    "subset",
    "subset_indices",
    "train_test_split",
    "torchvision_available",
]
