"""Settings for every test of the project."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True, scope="session")
def _private_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    # `serve` without --db keeps its database in the per-user data directory: tests (and the
    # servers they start, which inherit the environment) must not touch the developer's own.
    folder = tmp_path_factory.mktemp("user-data")
    previous = os.environ.get("RANCHER_CONTRACT_DATA_DIR")
    os.environ["RANCHER_CONTRACT_DATA_DIR"] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop("RANCHER_CONTRACT_DATA_DIR", None)
    else:
        os.environ["RANCHER_CONTRACT_DATA_DIR"] = previous
