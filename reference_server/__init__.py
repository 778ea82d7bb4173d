"""The reference server: the generated server stubs (`generated.server`) on a SQLite backend.

Modules: `backend` (`SqliteBackend`, alias `SqliteApiKeyBackend`: every resource of the spec
model behind the generated protocols, and the `Authenticator`), `settings`, `app`
(`build_app`/`build_server`: backend + faults + stubs), `cli` (`rancher-contract serve`), `testing`
(`running_server`), `faults` (deliberate violations, owned by the contract suite); private:
`_layout` (tables, columns and filters read from the spec model), `_schema` (tables, indexes),
`_query` (filters, sort, pages as SQL), `_secrets`.
"""

from __future__ import annotations

__all__: list[str] = []
