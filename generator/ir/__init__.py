"""The intermediate model (frozen dataclasses) and its builder. Never imports Jinja2."""

from __future__ import annotations

from .build import build_api
from .model import Api, EnumDef, Field, Lifecycle, Model, Resource

__all__ = ["Api", "EnumDef", "Field", "Lifecycle", "Model", "Resource", "build_api"]
