"""The reference server: the generated server stubs (`generated.server`) on a SQLite backend.

Modules: `backend` (`SqliteApiKeyBackend`: the `ApiKeyBackend` protocol and `Authenticator`),
`settings`, `app` (`build_app`/`build_server`: backend + faults + stubs), `cli`
(`rancher-contract serve`), `testing` (`running_server`), `faults` (deliberate violations, owned
by the contract suite); private: `_schema` (tables, indexes), `_query` (filters, sort, pages as
SQL), `_lifecycle`, `_secrets`.
"""

from __future__ import annotations

__all__: list[str] = []
