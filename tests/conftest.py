"""Shared fixtures: MNIST from the data cache (linked from ../shared/data when offline)."""

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist.npz"


def ensure_mnist_cache() -> Path:
    """Put MNIST in the project's data cache from ../shared/data when it is not there."""
    target = ROOT / "data" / "mnist.npz"
    if not target.exists() and SHARED_MNIST.exists():
        shutil.copyfile(SHARED_MNIST, target)
    return target


ensure_mnist_cache()
os.environ.setdefault("KERAS_BACKEND", "tensorflow")


@pytest.fixture(scope="session")
def mnist():
    """((x_train, y_train), (x_test, y_test)) of real MNIST, or skip if unavailable."""
    from infogan_utils import MNISTError, load_mnist

    try:
        return load_mnist()
    except MNISTError as err:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"MNIST not available: {err}")
