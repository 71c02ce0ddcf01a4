"""Shared test settings: how many random cases the property tests draw."""

import os

import numpy as np
import pytest

SEEDS = int(os.environ.get("AUTOGRADE_TEST_SEEDS", "60"))
"""Seeds per family in the generic family tests (CI may raise it)."""


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)
