"""Where the project's files are, so that every command has the same defaults."""

from __future__ import annotations

from pathlib import Path

__all__ = ["CACHE_DIR", "DEFAULT_SPEC", "GENERATED_DIR", "REPO_ROOT"]

# The package is installed in editable mode from the repository: the root is one level up.
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SPEC = REPO_ROOT / "spec" / "apikey.openapi.yaml"
GENERATED_DIR = REPO_ROOT / "generated"
# Hypothesis's example database and other caches live here (git-ignored).
CACHE_DIR = REPO_ROOT / ".cache"
