"""Device selection: one code path for CPU and CUDA."""

import pytest
import torch

from ibcore._device import resolve_device
from ibcore._validation import as_2d


def test_auto_and_none_pick_cuda_only_when_available():
    want = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device(None).type == want
    assert resolve_device("auto").type == want
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")


def test_bad_devices_are_refused():
    with pytest.raises(ValueError, match="not a device torch knows"):
        resolve_device("gpu0")
    with pytest.raises(TypeError, match="device must be"):
        resolve_device(3)
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            resolve_device("cuda")


def test_a_tensor_is_moved_to_the_device_asked_for():
    # documented in _device: device=None keeps a tensor where it is; an explicit device moves it
    t = torch.ones(3, 2)
    assert as_2d(t, device=None).device == t.device
    assert as_2d(t, device="cpu").device == torch.device("cpu")


@pytest.mark.gpu
def test_cpu_tensor_goes_to_cuda_when_asked():
    assert as_2d(torch.ones(3, 2), device="cuda").device.type == "cuda"
