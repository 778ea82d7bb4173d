"""Rules that every response of the API must follow, as plain functions over one request/response
exchange.

The suite's HTTP client runs `validate_exchange` on every response it receives, and the schemathesis
checks in `checks.py` run the same functions, so that a rule is written once. Each function raises
`ContractViolation`.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from rancher_contract.contract_tests.resources import settled_paths, spec_model
from rancher_contract.contract_tests.rules import ContractViolation
from rancher_contract.contract_tests.schemacheck import (
    collection_problems as collection_schema_problems,
)
from rancher_contract.contract_tests.schemacheck import field_problems
from rancher_contract.specmodel import STORE_SALTED_HASH, Resource

__all__ = [
    "ALL_PARTS",
    "NOT_JSON",
    "Exchange",
    "check_body",
    "check_collection",
    "check_error",
    "check_headers",
    "check_resource",
    "check_secret",
    "operation_and_resource",
    "operation_of",
    "origin_of",
    "validate_exchange",
]

NOT_JSON: Any = type("NotJson", (), {"__repr__": lambda self: "<not JSON>"})()

ERROR_KEYS = ("id", "type", "links", "actions", "status", "code", "message", "detail", "baseType")
# a date as the spec's date-time fields carry it (to compare with its epoch-millisecond twin)
DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")


@dataclass
class Exchange:
    """One request and its response, as the suite saw them."""

    method: str
    url: str
    status: int
    headers: Mapping[str, str]  # response headers, keys lower-case
    text: str
    request_body: str | None = None
    request_headers: dict[str, str] = field(default_factory=dict)
    auth: str | None = (
        None  # how to pass the credentials to curl (`-u ...`), None for no credentials
    )
    json: Any = NOT_JSON

    def __post_init__(self) -> None:
        if self.json is NOT_JSON and self.text:
            try:
                self.json = json.loads(self.text)
            except ValueError:
                self.json = NOT_JSON

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.url).query, keep_blank_values=True)

    def curl(self) -> str:
        parts = ["curl", "-sS", "-i"]
        if self.method != "GET":
            parts += ["-X", self.method]
        command = " ".join(shlex.quote(p) for p in parts)
        if self.auth:
            command += f" {self.auth}"
        for name, value in self.request_headers.items():
            command += f" -H {shlex.quote(f'{name}: {value}')}"
        if self.request_body is not None:
            command += f" --data-raw {shlex.quote(self.request_body)}"
        return f"{command} {shlex.quote(self.url)}"

    def summary(self) -> str:
        body = self.text if len(self.text) <= 600 else self.text[:600] + "..."
        return f"{self.method} {self.url} -> {self.status}\n{body}"


def _fail(rule_id: str, exchange: Exchange, message: str) -> ContractViolation:
    return ContractViolation(
        rule_id, f"{message}\n  response: {exchange.method} {exchange.url} -> {exchange.status}"
    )


def origin_of(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port), the default port made explicit: http://h and http://h:80 are one."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    default = {"http": 80, "https": 443}.get(scheme)
    return scheme, (parts.hostname or "").lower(), port if port is not None else default


def _same_host(url: str, request_url: str) -> bool:
    return origin_of(url) == origin_of(request_url)


def _absolute(url: Any, request_url: str) -> bool:
    return (
        isinstance(url, str) and _same_host(url, request_url) and urlsplit(url).path.startswith("/")
    )


def check_headers(exchange: Exchange, api_base: str) -> None:
    """Content-Type and X-API-Schemas on every response (contract section 7)."""
    if exchange.method == "HEAD":
        return
    content_type = exchange.headers.get("content-type", "")
    media, *params = (p.strip() for p in content_type.split(";"))
    charset = {
        k.strip().lower(): v.strip().strip('"').lower()
        for k, _, v in (p.partition("=") for p in params)
    }
    if media.lower() != "application/json" or charset.get("charset") != "utf-8":
        raise _fail(
            "7.headers",
            exchange,
            f"Content-Type is {content_type!r}, not 'application/json; charset=utf-8'",
        )
    if exchange.json is NOT_JSON:
        raise _fail("7.headers", exchange, f"the body is not JSON: {exchange.text[:200]!r}")
    schemas = exchange.headers.get("x-api-schemas")
    expected = f"{api_base.rstrip('/')}/schemas"
    if (
        schemas is None
        or not _same_host(schemas, expected)
        or urlsplit(schemas).path.rstrip("/") != urlsplit(expected).path
    ):
        raise _fail("7.headers", exchange, f"X-API-Schemas is {schemas!r}, expected {expected!r}")


def check_error(exchange: Exchange) -> None:
    """The Rancher error object (contract section 6); the reasons and the challenge are the spec's
    (`x-rancher-errors`, the 401 `WWW-Authenticate`)."""
    model = spec_model()
    body = exchange.json
    if not isinstance(body, dict):
        raise _fail(
            "6.error-object",
            exchange,
            f"the error body is not a JSON object: {exchange.text[:200]!r}",
        )
    missing = [k for k in ERROR_KEYS if k not in body]
    if missing:
        raise _fail("6.error-object", exchange, f"the error object lacks {', '.join(missing)}")
    problems = []
    if body["type"] != "error" or body["baseType"] != "error":
        problems.append(f"type/baseType are {body['type']!r}/{body['baseType']!r}, not 'error'")
    if body["status"] != exchange.status:
        problems.append(
            f"status field {body['status']!r} differs from the HTTP status {exchange.status}"
        )
    if not isinstance(body["links"], dict) or not isinstance(body["actions"], dict):
        problems.append("links and actions are not objects")
    if not isinstance(body["id"], str) or not isinstance(body["code"], str) or not body["code"]:
        problems.append(f"id {body['id']!r} or code {body['code']!r} is not a string")
    reason = model.errors.reason(exchange.status)
    if reason and (body["code"] != reason or body["message"] != reason):
        problems.append(
            f"a {exchange.status} has code/message {body['code']!r}/{body['message']!r}, "
            f"expected {reason!r} for both"
        )
    if exchange.status == 422 and not isinstance(body.get("fieldName"), str):
        problems.append(f"a 422 validation error without a fieldName (code {body['code']!r})")
    if problems:
        raise _fail("6.error-object", exchange, "; ".join(problems))
    challenge = model.www_authenticate
    if exchange.status == 401 and exchange.headers.get("www-authenticate") != challenge:
        raise _fail(
            "4.challenge",
            exchange,
            f"WWW-Authenticate is {exchange.headers.get('www-authenticate')!r}, expected "
            f"{challenge!r}",
        )


def _epoch(text: str) -> int:
    return int(datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp())


ALL_PARTS = frozenset({"shape", "secret", "actions"})


def _resource_of(type_name: Any) -> Resource | None:
    if not isinstance(type_name, str):
        return None
    resource = spec_model().resource(type_name)
    return resource if resource is not None and resource.type == type_name else None


def check_resource(
    exchange: Exchange,
    obj: Any,
    *,
    created: bool,
    parts: frozenset[str] = ALL_PARTS,
    resource: Resource | None = None,
) -> None:
    """A resource of the spec set (contract sections 2 and 3): its JSON Schema (types, patterns,
    enums, formats, required properties: checked with jsonschema), and what the schema cannot
    say: transitioning against the lifecycle, the timestamps against their dates, generated
    values, links, the fields read on create only, the actions map."""
    if not isinstance(obj, dict):
        raise _fail("2.resource-shape", exchange, f"the resource is not an object: {obj!r}")
    resource = resource or _resource_of(obj.get("type"))
    if resource is None:
        raise _fail("2.resource-shape", exchange, f"type {obj.get('type')!r} is no resource")
    rid = obj.get("id")
    generated = {f.name for f in resource.fields if f.generate and not f.read_on_create_only}
    # the fields read on create only are check_secret's: an action response MAY carry the stored
    # value (a salted hash: not of the declared form)
    secret = {f.name for f in resource.fields if f.read_on_create_only}
    errors = [(n, m) for n, m in field_problems(resource.type, obj) if n not in secret]
    found = [message for name, message in errors if name not in generated]
    if found and "shape" in parts:
        raise _fail("2.resource-shape", exchange, f"{resource.type} {rid!r}: " + "; ".join(found))
    problems: list[str] = []
    lifecycle = resource.lifecycle
    state = obj.get("state")
    if lifecycle is not None and isinstance(state, str):
        if lifecycle.is_transitioning(state) and obj.get("transitioning") == "no":
            problems.append(f"state {state!r} is a transitioning state but transitioning is 'no'")
        if not lifecycle.is_transitioning(state) and obj.get("transitioning") == "yes":
            problems.append(
                f"state {state!r} is not a transitioning state but transitioning is 'yes'"
            )
    for date_field, ts_field in (("created", "createdTS"), ("removed", "removedTS")):
        text, ts = obj.get(date_field), obj.get(ts_field)
        if isinstance(text, str) and DATE_RE.match(text):
            if type(ts) is not int or abs(ts // 1000 - _epoch(text)) > 1:
                problems.append(f"{ts_field} {ts!r} is not {date_field} ({text}) in epoch ms")
    if problems and "shape" in parts:
        raise _fail("2.resource-shape", exchange, f"resource {rid}: " + "; ".join(problems))
    if "secret" in parts:
        check_secret(exchange, obj, created=created, resource=resource)
    if "actions" in parts and not found and not problems and lifecycle is not None:
        check_actions(exchange, obj, resource)
    if "shape" not in parts or (errors and found):
        return
    for prop in resource.fields:
        rule = prop.generate
        value = obj.get(prop.name)
        if rule is None or prop.read_on_create_only:
            continue
        if not (
            isinstance(value, str)
            and len(value) == rule.length
            and set(value) <= set(rule.alphabet)
        ):
            raise _fail(
                "2.generated-values",
                exchange,
                f"{prop.name} {value!r} is not {rule.length} characters of {rule.alphabet!r}",
            )
    self_link = obj["links"].get("self")
    if not _absolute(self_link, exchange.url):
        raise _fail(
            "1.absolute-urls",
            exchange,
            f"links.self {self_link!r} is not an absolute URL on the request's host",
        )
    segments = urlsplit(self_link).path.rstrip("/").split("/")
    if (
        segments[-1] != rid
        or len(segments) < 3
        or segments[-2].lower() not in {resource.url_segment, resource.type.lower()}
    ):
        raise _fail(
            "2.links-self", exchange, f"links.self {self_link!r} is not the URL of resource {rid}"
        )
    for name, url in {**obj["links"], **obj["actions"]}.items():
        if not _absolute(url, exchange.url):
            raise _fail(
                "1.absolute-urls",
                exchange,
                f"link or action {name!r} is {url!r}, not an absolute URL",
            )


# The clear values of the fields read on create only that this process saw in create responses
# ((type, id, field) -> value), so that an action response can be told apart: for a field stored as
# a salted hash it MAY carry the stored hash (contract section 8), never the clear value.
CLEAR_SECRETS: dict[tuple[str, str, str], str] = {}


def _sent(exchange: Exchange) -> dict[str, Any]:
    try:
        body = json.loads(exchange.request_body or "null")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def check_secret(
    exchange: Exchange, obj: dict[str, Any], *, created: bool, resource: Resource | None = None
) -> None:
    """The fields read on create only (`readOnCreateOnly`): a generated one is in the create
    response; a written one is the value sent or null there; every later GET, list, PUT and DELETE
    shows null; an action response MAY carry the stored value, never the clear one of a field
    stored as a salted hash."""
    resource = resource or _resource_of(obj.get("type"))
    if resource is None:
        return
    rid = str(obj.get("id"))
    for prop in resource.fields:
        if not prop.read_on_create_only:
            continue
        secret = obj.get(prop.name)
        key = (resource.type, rid, prop.name)
        if created:
            if prop.generate is not None and not (
                isinstance(secret, str) and len(secret) == prop.generate.length
            ):
                raise _fail(
                    "2.secret-once",
                    exchange,
                    f"the create response has {prop.name} {secret!r}, not the "
                    f"{prop.generate.length}-character generated value",
                )
            if prop.generate is None and secret is not None:
                sent = _sent(exchange).get(prop.name)
                # a number or boolean sent for text may be coerced (section 8): its form is open
                if secret != sent and (sent is None or isinstance(sent, str)):
                    raise _fail(
                        "2.secret-once",
                        exchange,
                        f"the create response has {prop.name} {secret!r}, neither the value "
                        f"sent ({sent!r}) nor null",
                    )
            if isinstance(secret, str):
                CLEAR_SECRETS[key] = secret
            continue
        if secret is None:
            continue
        if exchange.method == "POST" and operation_of(exchange) == "action":
            # Rancher blanks these fields on non-POST requests only: an action response may show
            # the stored value, which for a salted hash is never the clear one.
            if prop.store == STORE_SALTED_HASH and secret == CLEAR_SECRETS.get(key):
                raise _fail(
                    "2.secret-once",
                    exchange,
                    f"the {exchange.method} action response shows the clear {prop.name} of "
                    f"{resource.type} {rid} again",
                )
            if not isinstance(secret, str):
                raise _fail("2.secret-once", exchange, f"{prop.name} is {secret!r}")
            continue
        raise _fail(
            "2.secret-once",
            exchange,
            f"{prop.name} of {resource.type} {rid} is readable again in {exchange.method} "
            f"({secret!r})",
        )


def check_actions(
    exchange: Exchange, obj: dict[str, Any], resource: Resource | None = None
) -> None:
    """The actions map: exactly the lifecycle actions of the state where the contract fixes them
    (the settled states a client can reach and the create's state), and each lifecycle action's
    URL carries ?action=<name>."""
    resource = resource or _resource_of(obj.get("type"))
    if resource is None or resource.lifecycle is None:
        return
    lifecycle = resource.lifecycle
    names = frozenset(lifecycle.action_names)
    optional = frozenset(a.name for a in resource.schema_actions) - names
    state, actions = obj["state"], obj["actions"]
    listed = frozenset(actions) & names
    exact = set(settled_paths(lifecycle)) | {lifecycle.create_through}
    if state in exact and listed != frozenset(lifecycle.actions_in(state)):
        extra = sorted(set(actions) - names - optional)
        raise _fail(
            "3.actions-map",
            exchange,
            f"resource {obj['id']} in state {state!r} lists the lifecycle actions "
            f"{sorted(listed)}, expected exactly {sorted(lifecycle.actions_in(state))}"
            + (f" (other actions: {extra})" if extra else ""),
        )
    for name, url in actions.items():
        if name in names and parse_qs(urlsplit(url).query).get("action") != [name]:
            raise _fail(
                "3.actions-map",
                exchange,
                f"the URL of action {name!r} is {url!r}, without ?action={name}",
            )


def check_collection(
    exchange: Exchange,
    body: dict[str, Any],
    parts: frozenset[str] = ALL_PARTS,
    resource: Resource | None = None,
) -> None:
    """The collection envelope (contract section 5): its JSON Schema, the absolute URLs, a sort
    link and a filters entry for every filter of the spec; and every resource in it."""
    resource = resource or _resource_of(body.get("resourceType"))
    if resource is None:
        return
    found = collection_schema_problems(resource.type, {**body, "data": []})
    if found and "shape" in parts:
        # pagination.limit over the spec's maximum (x-rancher-max) breaks the limit rule
        limit = all(problem.startswith("pagination/limit:") for problem in found)
        raise _fail(
            "5.limit" if limit else "5.envelope",
            exchange,
            f"{resource.type} collection: " + "; ".join(found),
        )
    filters = [f.field for f in resource.filters]
    problems = []
    if not isinstance(body.get("links"), dict) or not _absolute(
        body["links"].get("self"), exchange.url
    ):
        problems.append(f"links.self is not an absolute URL ({body.get('links')!r})")
    sort_links = body.get("sortLinks")
    if not isinstance(sort_links, dict) or set(filters) - set(sort_links):
        problems.append(f"sortLinks lacks {sorted(set(filters) - set(sort_links or {}))}")
    elif not all(_absolute(url, exchange.url) for url in sort_links.values()):
        problems.append("a sortLinks URL is not absolute")
    pagination = body.get("pagination")
    if isinstance(pagination, dict):
        nxt = pagination.get("next")
        if nxt is not None and not _absolute(nxt, exchange.url):
            problems.append(f"pagination.next {nxt!r} is not an absolute URL")
    sort = body.get("sort")
    if isinstance(sort, dict) and not _absolute(sort.get("reverse"), exchange.url):
        problems.append(f"sort.reverse {sort.get('reverse')!r} is not an absolute URL")
    conditions = body.get("filters")
    if not isinstance(conditions, dict) or set(filters) - set(conditions):
        problems.append(f"filters lacks {sorted(set(filters) - set(conditions or {}))}")
    if problems and "shape" in parts:
        raise _fail("5.envelope", exchange, "; ".join(problems))
    for item in body["data"] if isinstance(body.get("data"), list) else []:
        check_resource(exchange, item, created=False, parts=parts, resource=resource)


def operation_of(exchange: Exchange) -> str:
    """Which operation of the API the request was: list, create, read, update, delete, action or
    other."""
    return operation_and_resource(exchange)[0]


def operation_and_resource(exchange: Exchange) -> tuple[str, Resource | None]:
    """The operation and the resource of the spec set it was on (the type segment in any case,
    singular or plural)."""
    segments = urlsplit(exchange.url).path.rstrip("/").split("/")
    model = spec_model()

    def named(segment: str) -> Resource | None:
        return model.resource(segment)

    if len(segments) >= 2 and segments[-2] == "v1" and (found := named(segments[-1])):
        return {"GET": "list", "POST": "create"}.get(exchange.method, "other"), found
    if len(segments) >= 3 and segments[-3] == "v1" and (found := named(segments[-2])):
        if exchange.method == "POST":
            return ("action" if "action" in exchange.query else "other"), found
        operation = {"GET": "read", "PUT": "update", "DELETE": "delete"}.get(exchange.method)
        return operation or "other", found
    return "other", None


SUCCESS_STATUS = {
    "list": 200,
    "create": 201,
    "read": 200,
    "update": 200,
    "delete": 200,
    "action": 202,
}


def check_body(exchange: Exchange, parts: frozenset[str] = ALL_PARTS) -> None:
    """The resource or collection in a successful response."""
    body = exchange.json
    if not 200 <= exchange.status < 300 or not isinstance(body, dict):
        return
    if (resource := _resource_of(body.get("type"))) is not None:
        created = operation_of(exchange) == "create"
        check_resource(exchange, body, created=created, parts=parts, resource=resource)
    elif body.get("type") == "collection" and _resource_of(body.get("resourceType")) is not None:
        check_collection(exchange, body, parts=parts)


def validate_exchange(exchange: Exchange, api_base: str) -> None:
    """Every rule that holds for any response, whatever the request was."""
    if exchange.status >= 500:
        raise _fail(
            "6.no-server-error",
            exchange,
            f"the server answered {exchange.status}:\n{exchange.text[:600]}",
        )
    operation = operation_of(exchange)
    expected = SUCCESS_STATUS.get(operation)
    if expected is not None and 200 <= exchange.status < 300 and exchange.status != expected:
        raise _fail(
            "1.success-status",
            exchange,
            f"{operation} answered {exchange.status}, expected {expected}",
        )
    check_headers(exchange, api_base)
    if exchange.status >= 400:
        check_error(exchange)
    else:
        check_body(exchange)
