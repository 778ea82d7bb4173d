"""Where the files every command needs are, whether the package runs from a checkout or a wheel.

The spec, the schemathesis configuration, the suite's pytest configuration and the generator's
templates are package data, found through `importlib.resources`: nothing depends on the current
directory. What the tool writes for itself (caches, the reference server's default database) goes
to the per-user directories of the platform, never into the installed package.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import platformdirs

__all__ = [
    "DEFAULT_SPEC",
    "PACKAGE_DIR",
    "SCHEMATHESIS_CONFIG",
    "SPEC_DIR",
    "SUITE_DIR",
    "SUITE_PYTEST_INI",
    "cache_dir",
    "data_dir",
]

# A regular package on the file system (wheel or checkout): its resources are plain paths.
PACKAGE_DIR = Path(str(resources.files("rancher_contract")))
SPEC_DIR = PACKAGE_DIR / "spec"
DEFAULT_SPEC = SPEC_DIR / "apikey.openapi.yaml"
SCHEMATHESIS_CONFIG = PACKAGE_DIR / "schemathesis.toml"
SUITE_DIR = PACKAGE_DIR / "contract_tests"
SUITE_PYTEST_INI = SUITE_DIR / "pytest.ini"

_APP = "rancher-contract"


def cache_dir() -> Path:
    """Hypothesis's example database and compiled templates: `$RANCHER_CONTRACT_CACHE_DIR` or the
    per-user cache directory. Losing it costs only speed and remembered failing examples."""
    override = os.environ.get("RANCHER_CONTRACT_CACHE_DIR")
    return Path(override) if override else Path(platformdirs.user_cache_dir(_APP))


def data_dir() -> Path:
    """The reference server's default database: `$RANCHER_CONTRACT_DATA_DIR` or the per-user data
    directory, so that keys survive a restart and nothing is written into site-packages."""
    override = os.environ.get("RANCHER_CONTRACT_DATA_DIR")
    return Path(override) if override else Path(platformdirs.user_data_dir(_APP))
