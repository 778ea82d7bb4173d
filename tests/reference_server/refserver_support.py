"""Helpers the reference-server tests import (a module name no other test folder uses: with several
test folders on one command line, `conftest` names whichever conftest.py pytest loaded last)."""

from __future__ import annotations

import uuid


class FakeClock:
    """Epoch seconds that only move when a test says so."""

    def __init__(self, start: float = 1_484_906_400.25) -> None:  # 2017-01-20T10:00:00.25Z
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def unique(prefix: str = "t") -> str:
    """A name no other test uses, so tests do not depend on an empty server."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"
