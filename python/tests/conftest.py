"""Where the golden files are, and whether a GPU adapter is there (tests that need one fail
when ``CI`` is set and none is found, as the Rust suite does)."""

import os
import pathlib

import pytest

import brainwgpu as bw

DATA = pathlib.Path(__file__).resolve().parents[2] / "tests" / "data"


def gpu_available():
    try:
        bw.gpu_info()
        return True
    except bw.DeviceError:
        return False


@pytest.fixture
def gpu():
    """'gpu' when an adapter exists; a failure under CI without one; else a skip."""
    if gpu_available():
        return "gpu"
    if os.environ.get("CI"):
        pytest.fail("no GPU adapter (install mesa-vulkan-drivers libvulkan1 for the software one)")
    pytest.skip("no GPU adapter")
