"""Deliberate contract violations, for the contract suite's self-check (`rancher-contract serve
--fault NAME`).

Each fault is a bug a real implementation could ship, and breaks one rule of the contract. A fault
wraps one of the three parts the reference server is built from: the backend (a proxy class around
the real one), the authenticator, or the ASGI app (a middleware that rewrites requests or
responses). `apply_faults` is called once at start-up; faults combine (each wraps what the previous
ones returned).

`tests/contract_suite/test_faults.py` runs the contract suite against each fault and expects it to
fail, naming one of the fault's `rules` (ids of `contract_tests.rules.RULES`).
"""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

__all__ = ["FAULTS", "Fault", "FaultedParts", "apply_faults"]

ASGIApp = Any  # starlette.types.ASGIApp; kept loose so this module has no import-time dependencies
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


@dataclass(frozen=True)
class Fault:
    name: str
    description: str
    contract_section: str
    rules: tuple[str, ...] = ()  # contract rules the suite should name when it catches this fault
    # the transition time (`serve --transition-delay`) the server needs for the fault to show: a
    # fault in a transitioning state is invisible while transitions complete at once
    transition_delay: float = 0.0
    # the resources whose tests catch it (`rancher-contract test --resource`); empty: the API
    # credential resource (the bootstrap keys' type), whose faults most of these are
    resources: tuple[str, ...] = ()


@dataclass(frozen=True)
class FaultedParts:
    backend: Any  # generated.server.ApiKeyBackend
    authenticator: Any  # generated.server.Authenticator | None
    wrap_app: Callable[[ASGIApp], ASGIApp]


@dataclass
class _Parts:
    backend: Any
    authenticator: Any
    middlewares: list[Callable[[ASGIApp], ASGIApp]] = field(default_factory=list)


# -- building blocks
# ---------------------------------------------------------------------------------------


class _Proxy:
    """Delegates every call to the real backend; a fault overrides the methods it breaks."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _model() -> Any:
    """The spec model (read when a fault is applied: no import-time dependency)."""
    from rancher_contract.reference_server._layout import default_model

    return default_model()


def _api_key() -> Any:
    """The apiKey resource of the spec model: the faults break its rules."""
    return _model().resource("apiKey")


def _reason(status: int) -> str:
    """The reason of a status error, as the spec's `x-rancher-errors` gives it."""
    return str(_model().errors.reason(status) or status)


def _server() -> Any:
    import rancher_contract.generated.server as server

    return server


ResponseRewrite = Callable[[Scope, int, dict[str, str], bytes], tuple[int, dict[str, str], bytes]]
RequestRewrite = Callable[[Scope, bytes], tuple[Scope, bytes] | tuple[int, dict[str, str], bytes]]


class _Rewriter:
    """ASGI middleware: buffers the request and the response, and lets a fault rewrite either."""

    def __init__(
        self,
        app: ASGIApp,
        response: ResponseRewrite | None = None,
        request: RequestRewrite | None = None,
    ) -> None:
        self.app = app
        self.response = response
        self.request = request

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.request is not None:
            body = b""
            while True:
                message = await receive()
                body += message.get("body", b"")
                if not message.get("more_body"):
                    break
            result = self.request(scope, body)
            if len(result) == 3:
                status, headers, payload = result
                await _send(send, status, headers, payload)
                return
            scope, body = result
            sent = False

            async def replay() -> Message:
                nonlocal sent
                if sent:
                    return {"type": "http.disconnect"}
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}

            receive = replay
        if self.response is None:
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []
        rewrite = self.response

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    headers = {
                        k.decode("latin-1").lower(): v.decode("latin-1")
                        for k, v in start["headers"]
                    }
                    status, headers, payload = rewrite(
                        scope, start["status"], headers, b"".join(chunks)
                    )
                    await _send(send, status, headers, payload)
            else:
                await send(message)

        await self.app(scope, receive, capture)


async def _send(send: Send, status: int, headers: dict[str, str], body: bytes) -> None:
    headers = {k: v for k, v in headers.items() if k != "content-length"}
    raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def _json_rewrite(
    fn: Callable[[Scope, int, dict[str, str], Any], tuple[int, Any] | None],
) -> Callable[[ASGIApp], ASGIApp]:
    """A response middleware over parsed JSON: `fn` returns (status, body) to change the response,
    or None.
    """

    def rewrite(
        scope: Scope, status: int, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        try:
            data = json.loads(body) if body else None
        except ValueError:
            return status, headers, body
        changed = fn(scope, status, headers, data)
        if changed is None:
            return status, headers, body
        new_status, new_data = changed
        return new_status, headers, json.dumps(new_data).encode()

    return lambda app: _Rewriter(app, response=rewrite)


def _headers_rewrite(
    fn: Callable[[Scope, int, dict[str, str]], None],
) -> Callable[[ASGIApp], ASGIApp]:
    def rewrite(
        scope: Scope, status: int, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        fn(scope, status, headers)
        return status, headers, body

    return lambda app: _Rewriter(app, response=rewrite)


def _resources(data: Any) -> list[dict[str, Any]]:
    """The API credential resources (apiKey) in a response body (the resource or a collection's
    data)."""
    return _typed(data, _api_key().type)


def _query(scope: Scope) -> dict[str, str]:
    return dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))


def _segments(scope: Scope) -> list[str]:
    return [s for s in str(scope.get("path", "")).split("/") if s]


def _is_collection(scope: Scope) -> bool:
    segments = _segments(scope)
    return (
        len(segments) == 2 and segments[0] == "v1" and segments[1].lower() in {"apikeys", "apikey"}
    )


def _error(
    scope: Scope, status: int, code: str, message: str | None
) -> tuple[int, dict[str, str], bytes]:
    """A Rancher error object as the stubs render it (so that only the fault itself is wrong)."""
    headers_in = {
        k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])
    }
    base = f"{scope.get('scheme', 'http')}://{headers_in.get('host', 'localhost')}"
    body = {
        "id": "fault", "type": "error", "links": {}, "actions": {}, "status": status, "code": code,
        "message": message, "detail": None, "baseType": "error",
    }  # fmt: skip
    headers = {
        "content-type": "application/json; charset=utf-8",
        "x-api-schemas": f"{base}/v1/schemas",
    }
    return status, headers, json.dumps(body).encode()


# -- the faults
# ---------------------------------------------------------------------------------------------

FaultFn = Callable[[_Parts], None]
_IMPLEMENTATIONS: dict[str, FaultFn] = {}
FAULTS: dict[str, Fault] = {}


def _fault(
    name: str,
    section: str,
    rules: tuple[str, ...],
    description: str,
    transition_delay: float = 0.0,
    resources: tuple[str, ...] = (),
) -> Callable[[FaultFn], FaultFn]:
    def register(fn: FaultFn) -> FaultFn:
        FAULTS[name] = Fault(name, description, section, rules, transition_delay, resources)
        _IMPLEMENTATIONS[name] = fn
        return fn

    return register


@_fault(
    "create-without-secret",
    "§2",
    ("2.secret-once",),
    "the create (201) response has secretValue null",
)
def _create_without_secret(parts: _Parts) -> None:
    class Backend(_Proxy):
        def create_api_key(self, data: Any) -> Any:
            return dataclasses.replace(self._inner.create_api_key(data), secret_value=None)

    parts.backend = Backend(parts.backend)


@_fault("get-leaks-secret", "§2", ("2.secret-once", "2.secret-hidden"),
        "the secret is stored in clear and shown again by GET and lists")  # fmt: skip
def _get_leaks_secret(parts: _Parts) -> None:
    secrets: dict[str, str] = {}

    def fn(scope: Scope, status: int, headers: dict[str, str], data: Any) -> tuple[int, Any] | None:
        items = _resources(data)
        if status == 201:
            for item in items:
                if isinstance(item.get("secretValue"), str):
                    secrets[item["id"]] = item["secretValue"]
            return None
        changed = False
        for item in items:
            if item.get("id") in secrets:
                item["secretValue"] = secrets[item["id"]]
                changed = True
        return (status, data) if changed else None

    parts.middlewares.append(_json_rewrite(fn))


@_fault("deactivate-keeps-active", "§3", ("3.action-result", "4.active-only"),
        "deactivate answers 202 but the key stays active")  # fmt: skip
def _deactivate_keeps_active(parts: _Parts) -> None:
    class Backend(_Proxy):
        def perform_api_key_action(self, id: str, action: Any) -> Any:
            if str(action) == "deactivate":
                record = self._inner.get_api_key(id)
                if record is None:
                    raise _server().NotFoundError()
                if record.state == "active":
                    return record
            return self._inner.perform_api_key_action(id, action)

    parts.backend = Backend(parts.backend)


@_fault("inactive-key-authenticates", "§4", ("4.active-only",),
        "authentication checks the secret but not the key's state")  # fmt: skip
def _inactive_key_authenticates(parts: _Parts) -> None:
    inner = parts.authenticator
    if inner is None:
        return

    class Authenticator:
        def authenticate(self, access_key: str, secret_key: str) -> bool:
            check = getattr(inner, "check_secret", None)
            return (
                bool(check(access_key, secret_key))
                if check
                else bool(inner.authenticate(access_key, secret_key))
            )

    parts.authenticator = Authenticator()


@_fault(
    "any-secret-accepted",
    "§4",
    ("4.challenge",),
    "a known access key authenticates with any secret",
)
def _any_secret_accepted(parts: _Parts) -> None:
    inner, backend = parts.authenticator, parts.backend
    if inner is None:
        return
    server = _server()

    class Authenticator:
        def authenticate(self, access_key: str, secret_key: str) -> bool:
            query = server.CollectionQuery(
                filters=(server.Filter("publicValue", "eq", access_key),), limit=1
            )
            page = backend.list_api_keys(query)
            return any(item.state == "active" for item in page.items)

    parts.authenticator = Authenticator()


@_fault(
    "delete-active-key",
    "§3",
    ("3.delete-active",),
    "DELETE of an active key deactivates and removes it",
)
def _delete_active_key(parts: _Parts) -> None:
    server = _server()

    class Backend(_Proxy):
        def delete_api_key(self, id: str) -> Any:
            try:
                return self._inner.delete_api_key(id)
            except server.MethodNotAllowedError:
                self._inner.perform_api_key_action(id, server.ApiKeyAction("deactivate"))
                self._inner.get_api_key(id)  # completes an immediate transition
                return self._inner.delete_api_key(id)

    parts.backend = Backend(parts.backend)


def _matches(record: Any, condition: Any) -> bool:
    """A rough evaluation of eq/ne/prefix/null/notnull on a record; other modifiers are taken as
    true.
    """
    attrs = {"id": "id", "name": "name", "description": "description",
             "publicValue": "public_value",
             "state": "state", "uuid": "uuid", "kind": "kind"}  # fmt: skip
    attr = attrs.get(condition.field)
    if attr is None:
        return True
    value = getattr(record, attr)
    modifier = condition.modifier
    if modifier == "null":
        return value is None
    if modifier == "notnull":
        return value is not None
    if value is None:
        return False
    if modifier == "eq":
        return bool(value == condition.value)
    if modifier == "ne":
        return bool(value != condition.value)
    if modifier == "prefix":
        return str(value).startswith(condition.value)
    return True


@_fault("removed-keys-listed", "§3", ("3.removed-hidden",), "lists still show removed keys")
def _removed_keys_listed(parts: _Parts) -> None:
    removed: set[str] = set()

    class Backend(_Proxy):
        def delete_api_key(self, id: str) -> Any:
            record = self._inner.delete_api_key(id)
            removed.add(id)
            return record

        def perform_api_key_action(self, id: str, action: Any) -> Any:
            record = self._inner.perform_api_key_action(id, action)
            if str(action) == "remove":
                removed.add(id)
            return record

        def list_api_keys(self, query: Any) -> Any:
            page = self._inner.list_api_keys(query)
            extra = []
            for key_id in sorted(removed):
                record = self._inner.get_api_key(key_id)
                if record is not None and all(_matches(record, c) for c in query.filters):
                    extra.append(record)
            known = {item.id for item in page.items}
            items = [*page.items, *(r for r in extra if r.id not in known)]
            return dataclasses.replace(page, items=items)

    parts.backend = Backend(parts.backend)


@_fault(
    "activate-on-active",
    "§3",
    ("3.actions-map",),
    "the actions map of an active key lists activate",
)
def _activate_on_active(parts: _Parts) -> None:
    def fn(scope: Scope, status: int, headers: dict[str, str], data: Any) -> tuple[int, Any] | None:
        items = [
            i
            for i in _resources(data)
            if i.get("state") == "active" and isinstance(i.get("links"), dict)
        ]
        for item in items:
            item.setdefault("actions", {})["activate"] = (
                f"{str(item['links'].get('self')).rstrip('/')}/?action=activate"
            )
        return (status, data) if items else None

    parts.middlewares.append(_json_rewrite(fn))


@_fault("no-schemas-header-on-errors", "§7", ("7.headers",), "error responses lack X-API-Schemas")
def _no_schemas_header_on_errors(parts: _Parts) -> None:
    def fn(scope: Scope, status: int, headers: dict[str, str]) -> None:
        if status >= 400:
            headers.pop("x-api-schemas", None)

    parts.middlewares.append(_headers_rewrite(fn))


@_fault(
    "no-www-authenticate",
    "§4",
    ("4.challenge", "7.headers"),
    "401 without the WWW-Authenticate challenge",
)
def _no_www_authenticate(parts: _Parts) -> None:
    def fn(scope: Scope, status: int, headers: dict[str, str]) -> None:
        if status == 401:
            headers.pop("www-authenticate", None)

    parts.middlewares.append(_headers_rewrite(fn))


@_fault("html-errors", "§7", ("7.headers",), "error responses are sent as text/html")
def _html_errors(parts: _Parts) -> None:
    def fn(scope: Scope, status: int, headers: dict[str, str]) -> None:
        if status >= 400:
            headers["content-type"] = "text/html; charset=utf-8"

    parts.middlewares.append(_headers_rewrite(fn))


@_fault(
    "limit-not-clamped",
    "§5",
    ("5.limit",),
    "pagination.limit echoes a limit over the spec's maximum (x-rancher-max) or <= 0 unclamped",
)
def _limit_not_clamped(parts: _Parts) -> None:
    maximum = _api_key().limits.maximum

    def fn(scope: Scope, status: int, headers: dict[str, str], data: Any) -> tuple[int, Any] | None:
        raw = _query(scope).get("limit", "")
        if status != 200 or not _is_collection(scope) or not raw.lstrip("-").isdigit():
            return None
        limit = int(raw)
        if 0 < limit <= maximum or not isinstance(data, dict) or "pagination" not in data:
            return None
        data["pagination"]["limit"] = limit
        return status, data

    parts.middlewares.append(_json_rewrite(fn))


@_fault(
    "next-skips-a-row", "§5", ("5.pagination",), "following pagination.next skips one key per page"
)
def _next_skips_a_row(parts: _Parts) -> None:
    class Backend(_Proxy):
        def list_api_keys(self, query: Any) -> Any:
            if query.offset:
                query = dataclasses.replace(query, offset=query.offset + 1)
            return self._inner.list_api_keys(query)

    parts.backend = Backend(parts.backend)


@_fault(
    "partial-always-false",
    "§5",
    ("5.pagination", "5.limit"),
    "pagination.partial is false on truncated pages",
)
def _partial_always_false(parts: _Parts) -> None:
    def fn(scope: Scope, status: int, headers: dict[str, str], data: Any) -> tuple[int, Any] | None:
        if (
            status != 200
            or not isinstance(data, dict)
            or not isinstance(data.get("pagination"), dict)
        ):
            return None
        data["pagination"]["partial"] = False
        return status, data

    parts.middlewares.append(_json_rewrite(fn))


@_fault("sort-desc-ignored", "§5", ("5.sort", "5.pagination"), "order=desc sorts ascending")
def _sort_desc_ignored(parts: _Parts) -> None:
    class Backend(_Proxy):
        def list_api_keys(self, query: Any) -> Any:
            return self._inner.list_api_keys(dataclasses.replace(query, order="asc"))

    parts.backend = Backend(parts.backend)


def _modifier_swap(old: str, new: str) -> FaultFn:
    def apply(parts: _Parts) -> None:
        class Backend(_Proxy):
            def list_api_keys(self, query: Any) -> Any:
                filters = tuple(
                    dataclasses.replace(f, modifier=new) if f.modifier == old else f
                    for f in query.filters
                )
                return self._inner.list_api_keys(dataclasses.replace(query, filters=filters))

        parts.backend = Backend(parts.backend)

    return apply


_fault("ne-as-eq", "§5", ("5.filter", "5.filter-and"), "the ne modifier is treated as eq")(
    _modifier_swap("ne", "eq")
)
_fault(
    "like-as-prefix", "§5", ("5.filter", "5.filter-and"), "like matches as a prefix (LIKE 'v%')"
)(_modifier_swap("like", "prefix"))
_fault("lt-as-lte", "§5", ("5.filter",), "lt includes the value itself (lte)")(
    _modifier_swap("lt", "lte")
)


@_fault(
    "filters-or-ed",
    "§5",
    ("5.filter-and", "5.filter"),
    "only the last filter of a query is applied",
)
def _filters_or_ed(parts: _Parts) -> None:
    class Backend(_Proxy):
        def list_api_keys(self, query: Any) -> Any:
            return self._inner.list_api_keys(dataclasses.replace(query, filters=query.filters[-1:]))

    parts.backend = Backend(parts.backend)


@_fault(
    "unknown-filter-rejected", "§5", ("5.filter-ignored",), "an unknown query parameter answers 400"
)
def _unknown_filter_rejected(parts: _Parts) -> None:
    known_fields = {spec.field for spec in _api_key().filters}
    known = {"sort", "order", "limit", "marker", "action", *known_fields}

    def request(
        scope: Scope, body: bytes
    ) -> tuple[Scope, bytes] | tuple[int, dict[str, str], bytes]:
        if scope.get("method") == "GET" and _is_collection(scope):
            for name in _query(scope):
                if name not in known and name.rpartition("_")[0] not in known_fields:
                    return _error(scope, 400, "InvalidFilter", "Invalid filter")
        return scope, body

    parts.middlewares.append(lambda app: _Rewriter(app, request=request))


@_fault("not-found-as-500", "§6", ("6.not-found", "6.no-server-error"), "an unknown id answers 500")
def _not_found_as_500(parts: _Parts) -> None:
    def fn(scope: Scope, status: int, headers: dict[str, str], data: Any) -> tuple[int, Any] | None:
        if status != 404:
            return None
        if isinstance(data, dict):
            data.update(status=500, code="ServerError", message=_reason(500))
        return 500, data

    parts.middlewares.append(_json_rewrite(fn))


@_fault("unknown-action-400", "§3", ("3.invalid-action",), "an unknown action name answers 400")
def _unknown_action_400(parts: _Parts) -> None:
    def fn(scope: Scope, status: int, headers: dict[str, str], data: Any) -> tuple[int, Any] | None:
        if status == 422 and isinstance(data, dict) and data.get("code") == "InvalidAction":
            data.update(status=400, code="BadRequest", message="Bad Request")
            data.pop("fieldName", None)
            return 400, data
        return None

    parts.middlewares.append(_json_rewrite(fn))


@_fault("action-error-without-fieldname", "§3", ("6.error-object", "3.action-not-available"),
        "ActionNotAvailable has no fieldName")  # fmt: skip
def _action_error_without_fieldname(parts: _Parts) -> None:
    def fn(scope: Scope, status: int, headers: dict[str, str], data: Any) -> tuple[int, Any] | None:
        if isinstance(data, dict) and data.get("code") == "ActionNotAvailable":
            data.pop("fieldName", None)
            return status, data
        return None

    parts.middlewares.append(_json_rewrite(fn))


@_fault("unavailable-action-accepted", "§3", ("3.action-not-available",),
        "an action not valid in the state answers 202 and does nothing")  # fmt: skip
def _unavailable_action_accepted(parts: _Parts) -> None:
    server = _server()

    class Backend(_Proxy):
        def perform_api_key_action(self, id: str, action: Any) -> Any:
            try:
                return self._inner.perform_api_key_action(id, action)
            except server.ActionNotAvailableError:
                return self._inner.get_api_key(id)

    parts.backend = Backend(parts.backend)


@_fault(
    "put-changes-state", "§3", ("3.put-keeps-state",), "PUT of an active key also deactivates it"
)
def _put_changes_state(parts: _Parts) -> None:
    server = _server()

    class Backend(_Proxy):
        def update_api_key(self, id: str, data: Any) -> Any:
            record = self._inner.update_api_key(id, data)
            if record is not None and record.state == "active":
                self._inner.perform_api_key_action(id, server.ApiKeyAction("deactivate"))
                record = self._inner.get_api_key(id)
            return record

    parts.backend = Backend(parts.backend)


@_fault(
    "long-name-truncated",
    "§2",
    ("2.max-length",),
    "a name over 255 characters is truncated and accepted",
)
def _long_name_truncated(parts: _Parts) -> None:
    def request(
        scope: Scope, body: bytes
    ) -> tuple[Scope, bytes] | tuple[int, dict[str, str], bytes]:
        try:
            data = json.loads(body) if body else None
        except ValueError:
            return scope, body
        if isinstance(data, dict) and isinstance(data.get("name"), str) and len(data["name"]) > 255:
            data["name"] = data["name"][:255]
            return scope, json.dumps(data).encode()
        return scope, body

    parts.middlewares.append(lambda app: _Rewriter(app, request=request))


@_fault(
    "relative-self-link", "§1", ("1.absolute-urls", "2.links-self"), "links.self is a relative URL"
)
def _relative_self_link(parts: _Parts) -> None:
    def fn(scope: Scope, status: int, headers: dict[str, str], data: Any) -> tuple[int, Any] | None:
        items = [
            i
            for i in _resources(data)
            if isinstance(i.get("links"), dict) and i["links"].get("self")
        ]
        for item in items:
            item["links"]["self"] = urlsplit(item["links"]["self"]).path
        return (status, data) if items else None

    parts.middlewares.append(_json_rewrite(fn))


@_fault(
    "transition-never-completes",
    "§3",
    ("3.transitions",),
    "a deactivated key stays in deactivating forever",
)
def _transition_never_completes(parts: _Parts) -> None:
    stuck: set[str] = set()

    def hang(record: Any) -> Any:
        if record is None or record.id not in stuck or record.state != "inactive":
            return record
        return dataclasses.replace(
            record, state="deactivating", transitioning="yes", transitioning_message="In Progress"
        )

    class Backend(_Proxy):
        def perform_api_key_action(self, id: str, action: Any) -> Any:
            if str(action) == "deactivate":
                stuck.add(id)
            return hang(self._inner.perform_api_key_action(id, action))

        def get_api_key(self, id: str) -> Any:
            return hang(self._inner.get_api_key(id))

    parts.backend = Backend(parts.backend)


@_fault(
    "auth-before-body",
    "§6",
    ("6.invalid-body",),
    "malformed JSON is answered 401 (authentication first)",
)
def _auth_before_body(parts: _Parts) -> None:
    authenticator = parts.authenticator
    if authenticator is None:
        return

    def request(
        scope: Scope, body: bytes
    ) -> tuple[Scope, bytes] | tuple[int, dict[str, str], bytes]:
        headers = {
            k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])
        }
        header = headers.get("authorization", "")
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            ok = header.lower().startswith("basic ") and authenticator.authenticate(user, password)
        except ValueError:
            ok = False
        if body and not ok:
            status, out, payload = _error(scope, 401, _reason(401), _reason(401))
            out["www-authenticate"] = str(_model().www_authenticate)
            return status, out, payload
        return scope, body

    parts.middlewares.append(lambda app: _Rewriter(app, request=request))


@_fault("create-answers-200", "§1", ("1.success-status",), "create answers 200 instead of 201")
def _create_answers_200(parts: _Parts) -> None:
    def rewrite(
        scope: Scope, status: int, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        return (200 if status == 201 else status), headers, body

    parts.middlewares.append(lambda app: _Rewriter(app, response=rewrite))


@_fault(
    "removed-key-404",
    "§3",
    ("3.removed-hidden", "3.delete-removes"),
    "GET of a removed key answers 404",
)
def _removed_key_404(parts: _Parts) -> None:
    class Backend(_Proxy):
        def get_api_key(self, id: str) -> Any:
            record = self._inner.get_api_key(id)
            return None if record is not None and record.removed is not None else record

    parts.backend = Backend(parts.backend)


@_fault(
    "delete-removed-405",
    "§3",
    ("3.delete-removes",),
    "DELETE of an already removed key answers 405",
)
def _delete_removed_405(parts: _Parts) -> None:
    server = _server()
    removed = frozenset(_api_key().lifecycle.removed_states)

    class Backend(_Proxy):
        def delete_api_key(self, id: str) -> Any:
            record = self._inner.get_api_key(id)
            if record is not None and record.state in removed:
                raise server.MethodNotAllowedError()
            return self._inner.delete_api_key(id)

    parts.backend = Backend(parts.backend)


@_fault(
    "null-fields-omitted", "§2", ("2.resource-shape",), "fields whose value is null are left out"
)
def _null_fields_omitted(parts: _Parts) -> None:
    def fn(scope: Scope, status: int, headers: dict[str, str], data: Any) -> tuple[int, Any] | None:
        items = _resources(data)
        for item in items:
            for name in [k for k, v in item.items() if v is None]:
                del item[name]
        return (status, data) if items else None

    parts.middlewares.append(_json_rewrite(fn))


@_fault(
    "created-ts-in-seconds",
    "§2",
    ("2.resource-shape",),
    "createdTS is in seconds, not milliseconds",
)
def _created_ts_in_seconds(parts: _Parts) -> None:
    def slow(record: Any) -> Any:
        return (
            None
            if record is None
            else dataclasses.replace(record, created_ts=record.created_ts // 1000)
        )

    class Backend(_Proxy):
        def create_api_key(self, data: Any) -> Any:
            return slow(self._inner.create_api_key(data))

        def get_api_key(self, id: str) -> Any:
            return slow(self._inner.get_api_key(id))

        def list_api_keys(self, query: Any) -> Any:
            page = self._inner.list_api_keys(query)
            return dataclasses.replace(page, items=[slow(r) for r in page.items])

    parts.backend = Backend(parts.backend)


@_fault(
    "singular-type-404",
    "§1",
    ("1.type-segment",),
    "the singular type segment /v1/apiKey answers 404",
)
def _singular_type_404(parts: _Parts) -> None:
    def request(
        scope: Scope, body: bytes
    ) -> tuple[Scope, bytes] | tuple[int, dict[str, str], bytes]:
        segments = _segments(scope)
        if len(segments) >= 2 and segments[0] == "v1" and segments[1].lower() == "apikey":
            return _error(scope, 404, _reason(404), _reason(404))
        return scope, body

    parts.middlewares.append(lambda app: _Rewriter(app, request=request))


@_fault(
    "action-needs-slash",
    "§1",
    ("1.action-slash",),
    "an action without the slash before ?action= is 405",
)
def _action_needs_slash(parts: _Parts) -> None:
    def request(
        scope: Scope, body: bytes
    ) -> tuple[Scope, bytes] | tuple[int, dict[str, str], bytes]:
        path = str(scope.get("path", ""))
        if scope.get("method") == "POST" and "action" in _query(scope) and not path.endswith("/"):
            return _error(scope, 405, _reason(405), _reason(405))
        return scope, body

    parts.middlewares.append(lambda app: _Rewriter(app, request=request))


@_fault(
    "secret-filterable", "§2", ("2.secret-hidden",), "a secretValue filter matches the clear secret"
)
def _secret_filterable(parts: _Parts) -> None:
    secrets: dict[str, str] = {}

    class Backend(_Proxy):
        def create_api_key(self, data: Any) -> Any:
            record = self._inner.create_api_key(data)
            if record.secret_value:
                secrets[record.id] = record.secret_value
            return record

        def list_api_keys(self, query: Any) -> Any:
            wanted = [
                f.value for f in query.filters if f.field == "secretValue" and f.modifier == "eq"
            ]
            if not wanted:
                return self._inner.list_api_keys(query)
            ids = [key_id for key_id, secret in secrets.items() if secret in wanted]
            items = [r for r in (self._inner.get_api_key(i) for i in ids) if r is not None]
            return _server().Page(items=items, has_more=False)

    parts.backend = Backend(parts.backend)


@_fault(
    "schema-name-not-updatable",
    "§7",
    ("7.schema-document",),
    "the schema says name cannot be updated",
)
def _schema_name_not_updatable(parts: _Parts) -> None:
    def fn(scope: Scope, status: int, headers: dict[str, str], data: Any) -> tuple[int, Any] | None:
        fields = (
            data.get("resourceFields")
            if isinstance(data, dict) and data.get("type") == "schema"
            else None
        )
        if not isinstance(fields, dict) or not isinstance(fields.get("name"), dict):
            return None
        fields["name"]["update"] = False
        return status, data

    parts.middlewares.append(_json_rewrite(fn))


# -- one action in one state: each cell of the action x state matrix a server can get wrong ------


def _action_in_state(action: str, states: frozenset[str], accept: bool) -> FaultFn:
    """`action` on a key in one of `states`: accepted (202, the key unchanged) although the state
    does not allow it, or refused (422 ActionNotAvailable) although it does. The actions map stays
    right: only probing the action in that state shows the fault.
    """

    def apply(parts: _Parts) -> None:
        server = _server()

        class Backend(_Proxy):
            def perform_api_key_action(self, id: str, act: Any) -> Any:
                if str(getattr(act, "value", act)) == action:
                    record = self._inner.get_api_key(id)
                    if record is not None and record.state in states:
                        if accept:
                            return record
                        raise server.ActionNotAvailableError()
                return self._inner.perform_api_key_action(id, act)

        parts.backend = Backend(parts.backend)

    return apply


# The transitioning-state faults need a transition long enough for the matrix's probes to land in
# it on a loaded machine (0.5 s was missed under load): 2 s.
for _name, _action, _states, _accept, _delay, _rules in (
    ("activate-accepted-when-active", "activate", {"active"}, True, 0.0,
     ("3.action-not-available",)),
    ("deactivate-accepted-when-removed", "deactivate", {"removed"}, True, 0.0,
     ("3.action-not-available",)),
    ("purge-accepted-when-inactive", "purge", {"inactive"}, True, 0.0,
     ("3.action-not-available",)),
    ("activate-accepted-when-purged", "activate", {"purged"}, True, 0.0,
     ("3.action-not-available",)),
    ("purge-refused-when-removed", "purge", {"removed"}, False, 0.0,
     ("3.action-result",)),
    ("remove-refused-when-registering", "remove", {"registering"}, False, 2.0,
     ("3.action-result",)),
    ("activate-accepted-when-deactivating", "activate", {"deactivating"}, True, 2.0,
     ("3.action-not-available",)),
    ("deactivate-refused-when-activating", "deactivate", {"activating"}, False, 2.0,
     ("3.action-result",)),
):  # fmt: skip
    _fault(
        _name,
        "§3",
        _rules,
        f"{_action} on a key in {', '.join(sorted(_states))} is "
        + (
            "accepted (202) although the state does not allow it"
            if _accept
            else "refused (422) although the state allows it"
        ),
        transition_delay=_delay,
    )(_action_in_state(_action, frozenset(_states), _accept))


@_fault(
    "update-refused-when-inactive",
    "§3",
    ("3.put-keeps-state",),
    "PUT of an inactive key answers 422 (update treated as an action of active keys only)",
)
def _update_refused_when_inactive(parts: _Parts) -> None:
    server = _server()

    class Backend(_Proxy):
        def update_api_key(self, id: str, data: Any) -> Any:
            record = self._inner.get_api_key(id)
            if record is not None and record.state == "inactive":
                raise server.ActionNotAvailableError()
            return self._inner.update_api_key(id, data)

    parts.backend = Backend(parts.backend)


@_fault(
    "action-shows-secret",
    "§2",
    ("2.secret-once",),
    "an action response shows the key's clear secret (a hash would be allowed)",
)
def _action_shows_secret(parts: _Parts) -> None:
    secrets: dict[str, str] = {}

    def fn(scope: Scope, status: int, headers: dict[str, str], data: Any) -> tuple[int, Any] | None:
        items = _resources(data)
        if status == 201:
            for item in items:
                if isinstance(item.get("secretValue"), str):
                    secrets[item["id"]] = item["secretValue"]
            return None
        if status != 202 or scope.get("method") != "POST":
            return None
        changed = False
        for item in items:
            if item.get("id") in secrets:
                item["secretValue"] = secrets[item["id"]]
                changed = True
        return (status, data) if changed else None

    parts.middlewares.append(_json_rewrite(fn))


# -- registryCredential (the second resource): request/response rewrites on its routes
# ----------------------------------------------------------------------------------------------

_RC = ("registryCredential",)


def _on(scope: Scope, plural: str, *, item: bool) -> bool:
    """Whether the request is on the collection `plural` (item=False) or one of its resources."""
    segments = _segments(scope)
    names = {plural.lower(), plural.lower().removesuffix("s")}
    if item:
        return len(segments) == 3 and segments[0] == "v1" and segments[1].lower() in names
    return len(segments) == 2 and segments[0] == "v1" and segments[1].lower() in names


def _json_body(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


def _typed(data: Any, type_name: str) -> list[dict[str, Any]]:
    if not isinstance(data, dict):
        return []
    if data.get("type") == type_name:
        return [data]
    if data.get("type") == "collection":
        return [
            i for i in data.get("data", []) if isinstance(i, dict) and i.get("type") == type_name
        ]
    return []


@_fault("rc-secret-on-get", "§4", ("2.secret-once",),
        "registryCredential: GET and lists show the secretValue sent at create",
        resources=_RC)  # fmt: skip
def _rc_secret_on_get(parts: _Parts) -> None:
    secrets: dict[str, str] = {}

    def read(scope: Scope, data: Any) -> Scope | None:
        if isinstance(data, dict) and isinstance(data.get("secretValue"), str):
            return {**scope, "rc_secret": data["secretValue"]}
        return None

    def rewrite(
        scope: Scope, status: int, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        data = _json_body(body)
        if status == 201 and "rc_secret" in scope and isinstance(data, dict):
            secrets[str(data.get("id"))] = scope["rc_secret"]
            return status, headers, body
        if scope.get("method") == "POST":
            return status, headers, body
        items = [i for i in _typed(data, "registryCredential") if i.get("id") in secrets]
        for item in items:
            item["secretValue"] = secrets[item["id"]]
        return (status, headers, json.dumps(data).encode()) if items else (status, headers, body)

    # the request rewrite wraps the response one (appended last): the latter sees `rc_secret`
    parts.middlewares.append(lambda app: _Rewriter(app, response=rewrite))
    parts.middlewares.append(_rc_request("POST", item=False, change=read))


@_fault("rc-registry-id-changeable", "§2", ("2.create-only",),
        "registryCredential: a registryId in a PUT body is applied (it is create-only)",
        resources=_RC)  # fmt: skip
def _rc_registry_id_changeable(parts: _Parts) -> None:
    changed: dict[str, str] = {}

    def read(scope: Scope, data: Any) -> Scope | None:
        if isinstance(data, dict) and isinstance(data.get("registryId"), str):
            changed[_segments(scope)[2]] = data["registryId"]
        return None

    def fn(scope: Scope, status: int, headers: dict[str, str], data: Any) -> tuple[int, Any] | None:
        items = [i for i in _typed(data, "registryCredential") if i.get("id") in changed]
        for item in items:
            item["registryId"] = changed[item["id"]]
        return (status, data) if items else None

    parts.middlewares.append(_json_rewrite(fn))
    parts.middlewares.append(_rc_request("PUT", item=True, change=read))


@_fault("rc-missing-email-accepted", "§6", ("2.required",),
        "registryCredential: a create without email is accepted (email defaults to '')",
        resources=_RC)  # fmt: skip
def _rc_missing_email_accepted(parts: _Parts) -> None:
    def read(scope: Scope, data: Any) -> Scope | None:
        if isinstance(data, dict) and "email" not in data:
            data["email"] = "nobody@example.com"
            return scope
        return None

    parts.middlewares.append(_rc_request("POST", item=False, change=read))


@_fault("rc-unknown-registry-accepted", "§6", ("2.reference",),
        "registryCredential: a registryId that names no registry is accepted (the last registry "
        "created is used)", resources=_RC)  # fmt: skip
def _rc_unknown_registry_accepted(parts: _Parts) -> None:
    seen: list[str] = []

    def registries(
        scope: Scope, status: int, headers: dict[str, str], data: Any
    ) -> tuple[int, Any] | None:
        for item in _typed(data, "registry"):
            if isinstance(item.get("id"), str) and item["id"] not in seen:
                seen.append(item["id"])
        return None

    def read(scope: Scope, data: Any) -> Scope | None:
        if (
            isinstance(data, dict)
            and isinstance(data.get("registryId"), str)
            and data["registryId"] not in seen
            and seen
        ):
            data["registryId"] = seen[-1]
            return scope
        return None

    parts.middlewares.append(_rc_request("POST", item=False, change=read))
    parts.middlewares.append(_json_rewrite(registries))


@_fault("rc-no-cascade", "§3", ("3.cascade",),
        "registryCredential: purging a registry leaves its credentials as they are",
        resources=_RC)  # fmt: skip
def _rc_no_cascade(parts: _Parts) -> None:
    inner = parts.backend
    while isinstance(inner, _Proxy):
        inner = inner._inner
    # the backend runs the spec's cascades in `_cascade`; this server skips them
    inner._cascade = lambda *args, **kwargs: None


def _rc_request(
    method: str, *, item: bool, change: Callable[[Scope, Any], Scope | None]
) -> Callable[[ASGIApp], ASGIApp]:
    """A request rewrite on registryCredential's collection (item=False) or its resources:
    `change(scope, data)` gets the parsed JSON body (None if there is none), may edit it in place,
    and returns the scope to use (the body re-encoded), or None to leave the request alone."""

    def read(scope: Scope, body: bytes) -> tuple[Scope, bytes] | tuple[int, dict[str, str], bytes]:
        if scope.get("method") != method or not _on(scope, "registryCredentials", item=item):
            return scope, body
        data = _json_body(body)
        changed = change(scope, data)
        if changed is None:
            return scope, body
        return changed, (json.dumps(data).encode() if isinstance(data, dict) else body)

    return lambda app: _Rewriter(app, request=read)


def _with_query(
    scope: Scope, edit: Callable[[list[tuple[str, str]]], list[tuple[str, str]]]
) -> Scope:
    from urllib.parse import urlencode

    pairs = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    return {**scope, "query_string": urlencode(edit(pairs)).encode("latin-1")}


@_fault("rc-sort-desc-ignored", "§5", ("5.sort", "5.pagination"),
        "registryCredential: order=desc lists ascending", resources=_RC)  # fmt: skip
def _rc_sort_desc_ignored(parts: _Parts) -> None:
    def change(scope: Scope, data: Any) -> Scope:
        return _with_query(scope, lambda q: [(k, "asc" if k == "order" else v) for k, v in q])

    parts.middlewares.append(_rc_request("GET", item=False, change=change))


@_fault("rc-limit-not-clamped", "§5", ("5.limit",),
        "registryCredential: pagination.limit echoes a limit over the maximum or <= 0",
        resources=_RC)  # fmt: skip
def _rc_limit_not_clamped(parts: _Parts) -> None:
    resource = _model().resource("registryCredential")
    maximum = resource.limits.maximum

    def fn(scope: Scope, status: int, headers: dict[str, str], data: Any) -> tuple[int, Any] | None:
        raw = _query(scope).get("limit", "")
        if (
            status != 200
            or not _on(scope, "registryCredentials", item=False)
            or not raw.lstrip("-").isdigit()
            or 0 < int(raw) <= maximum
            or not isinstance(data, dict)
            or not isinstance(data.get("pagination"), dict)
        ):
            return None
        data["pagination"]["limit"] = int(raw)
        return status, data

    parts.middlewares.append(_json_rewrite(fn))


@_fault("rc-patch-reads", "§6", ("6.method-not-allowed",),
        "registryCredential: PATCH on a credential answers it like GET instead of 405",
        resources=_RC)  # fmt: skip
def _rc_patch_reads(parts: _Parts) -> None:
    parts.middlewares.append(
        _rc_request("PATCH", item=True, change=lambda scope, data: {**scope, "method": "GET"})
    )


@_fault("rc-activate-refused", "§3",
        ("3.action-result", "3.action-not-available", "3.actions-map", "1.action-slash"),
        "registryCredential: activate answers 422 ActionNotAvailable although the credential "
        "lists it", resources=_RC)  # fmt: skip
def _rc_activate_refused(parts: _Parts) -> None:
    def read(scope: Scope, body: bytes) -> tuple[Scope, bytes] | tuple[int, dict[str, str], bytes]:
        if (
            scope.get("method") == "POST"
            and _on(scope, "registryCredentials", item=True)
            and _query(scope).get("action") == "activate"
        ):
            status, headers, payload = _error(scope, 422, "ActionNotAvailable", None)
            data = json.loads(payload)
            data["fieldName"] = "action"
            return status, headers, json.dumps(data).encode()
        return scope, body

    parts.middlewares.append(lambda app: _Rewriter(app, request=read))


# Other names a fault is known by (the issue tracker's words): accepted by `serve --fault`.
ALIASES: dict[str, str] = {"secret-on-get": "get-leaks-secret"}


def apply_faults(names: Sequence[str], backend: Any, authenticator: Any) -> FaultedParts:
    names = [ALIASES.get(name, name) for name in names]
    unknown = sorted(set(names) - set(FAULTS))
    if unknown:
        raise ValueError(
            f"unknown fault(s): {', '.join(unknown)}; known: {', '.join(sorted(FAULTS))}"
        )
    parts = _Parts(backend, authenticator)
    for name in names:
        _IMPLEMENTATIONS[name](parts)
    middlewares = list(parts.middlewares)

    def wrap_app(app: ASGIApp) -> ASGIApp:
        for middleware in middlewares:
            app = middleware(app)
        return app

    return FaultedParts(backend=parts.backend, authenticator=parts.authenticator, wrap_app=wrap_app)
