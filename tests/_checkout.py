"""The checkout the project's own tests run from (tests only: shipped code finds its files through
`rancher_contract.paths`)."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
