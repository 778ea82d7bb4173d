"""The generator: spec/apikey.openapi.yaml -> load -> IR -> Jinja2 templates -> ruff -> generated/.

Nothing here is specific to apiKey: every resource schema carrying `x-rancher-resource` gets the
same outputs.
"""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "1"
