"""Shared fixtures for the unit tests (pure NumPy: these also run inside Pyodide)."""

from __future__ import annotations

import numpy as np
import pytest

from scratchnn import mnist


@pytest.fixture(scope="session")
def mnist_data() -> mnist.MnistData:
    """The real MNIST, verified, in the original's layout. Found via $SCRATCHNN_DATA_DIR (the
    test command points it at ../shared/data/mnist when that exists), else downloaded."""
    return mnist.load()


@pytest.fixture()
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)
