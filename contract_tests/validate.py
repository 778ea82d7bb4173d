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
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from rancher_contract.contract_tests.rules import ContractViolation
from rancher_contract.contract_tests.spec import load_spec

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
    "operation_of",
    "origin_of",
    "validate_exchange",
]

NOT_JSON: Any = type("NotJson", (), {"__repr__": lambda self: "<not JSON>"})()

RESOURCE_KEYS = (
    "id type links actions baseType name description accountId kind publicValue secretValue state "
    "transitioning transitioningMessage transitioningProgress uuid created createdTS removed"
).split()
COLLECTION_KEYS = (
    "type resourceType links createTypes actions data sortLinks pagination sort filters "
    "createDefaults"
).split()
REASONS = {401: "Unauthorized", 404: "Not Found", 405: "Method not allowed", 409: "Conflict"}
ID_RE = re.compile(r"^1c[0-9]+$")
PUBLIC_RE = re.compile(r"^[0-9A-F]{20}$")
DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")
REALM = 'Basic realm="Enter API access key and secret key as username and password"'


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
    """The Rancher error object (contract section 6)."""
    body = exchange.json
    if not isinstance(body, dict):
        raise _fail(
            "6.error-object",
            exchange,
            f"the error body is not a JSON object: {exchange.text[:200]!r}",
        )
    missing = [
        k
        for k in (
            "id",
            "type",
            "links",
            "actions",
            "status",
            "code",
            "message",
            "detail",
            "baseType",
        )
        if k not in body
    ]
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
    reason = REASONS.get(exchange.status)
    if reason and (body["code"] != reason or body["message"] != reason):
        problems.append(
            f"a {exchange.status} has code/message {body['code']!r}/{body['message']!r}, "
            f"expected {reason!r} for both"
        )
    if exchange.status == 422 and not isinstance(body.get("fieldName"), str):
        problems.append(f"a 422 validation error without a fieldName (code {body['code']!r})")
    if problems:
        raise _fail("6.error-object", exchange, "; ".join(problems))
    if exchange.status == 401 and exchange.headers.get("www-authenticate") != REALM:
        raise _fail(
            "4.challenge",
            exchange,
            f"WWW-Authenticate is {exchange.headers.get('www-authenticate')!r}, expected {REALM!r}",
        )


def _epoch(text: str) -> int:
    return int(datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp())


ALL_PARTS = frozenset({"shape", "secret", "actions"})


def check_resource(
    exchange: Exchange, obj: Any, *, created: bool, parts: frozenset[str] = ALL_PARTS
) -> None:
    """The apiKey resource (contract sections 2 and 3): shape and links, the secret, the actions
    map.
    """
    spec = load_spec()
    if not isinstance(obj, dict):
        raise _fail("2.resource-shape", exchange, f"the resource is not an object: {obj!r}")
    missing = [k for k in RESOURCE_KEYS if k not in obj]
    if missing:
        raise _fail(
            "2.resource-shape",
            exchange,
            f"the resource {obj.get('id')!r} lacks {', '.join(missing)}",
        )
    rid = obj["id"]
    problems = []
    checks: list[tuple[bool, str]] = [
        (isinstance(rid, str) and bool(ID_RE.match(rid)), f"id {rid!r} is not of the form 1c<n>"),
        (obj["type"] == "apiKey", f"type is {obj['type']!r}"),
        (obj["baseType"] == "credential", f"baseType is {obj['baseType']!r}"),
        (obj["kind"] == "apiKey", f"kind is {obj['kind']!r}"),
        (obj["name"] is None or isinstance(obj["name"], str), f"name is {obj['name']!r}"),
        (
            obj["description"] is None or isinstance(obj["description"], str),
            f"description is {obj['description']!r}",
        ),
        (
            obj["accountId"] is None or isinstance(obj["accountId"], str),
            f"accountId is {obj['accountId']!r}",
        ),
        (obj["state"] in spec.states, f"state {obj['state']!r} is not a lifecycle state"),
        (
            obj["transitioning"] in ("yes", "no", "error"),
            f"transitioning is {obj['transitioning']!r}",
        ),
        (
            obj["transitioningMessage"] is None or isinstance(obj["transitioningMessage"], str),
            f"transitioningMessage is {obj['transitioningMessage']!r}",
        ),
        (
            obj["transitioningProgress"] is None or type(obj["transitioningProgress"]) is int,
            f"transitioningProgress is {obj['transitioningProgress']!r}",
        ),
        (
            isinstance(obj["links"], dict) and isinstance(obj["actions"], dict),
            "links or actions is not an object",
        ),
    ]
    problems += [message for ok, message in checks if not ok]
    if obj["state"] in spec.transitioning_states and obj["transitioning"] == "no":
        problems.append(
            f"state {obj['state']!r} is a transitioning state but transitioning is 'no'"
        )
    if obj["state"] not in spec.transitioning_states and obj["transitioning"] == "yes":
        problems.append(
            f"state {obj['state']!r} is not a transitioning state but transitioning is 'yes'"
        )
    try:
        uuid.UUID(str(obj["uuid"]))
    except ValueError:
        problems.append(f"uuid {obj['uuid']!r} is not a UUID")
    created_text, created_ts = obj["created"], obj["createdTS"]
    if not (isinstance(created_text, str) and DATE_RE.match(created_text)):
        problems.append(
            f"created {created_text!r} is not an ISO-8601 UTC date with second precision"
        )
    elif type(created_ts) is not int or abs(created_ts // 1000 - _epoch(created_text)) > 1:
        problems.append(
            f"createdTS {created_ts!r} is not created ({created_text}) in epoch milliseconds"
        )
    removed = obj["removed"]
    if removed is not None:
        if not (isinstance(removed, str) and DATE_RE.match(removed)):
            problems.append(f"removed {removed!r} is not an ISO-8601 UTC date")
        elif (
            type(obj.get("removedTS")) is not int
            or abs(obj["removedTS"] // 1000 - _epoch(removed)) > 1
        ):
            problems.append(
                f"removed is set but removedTS {obj.get('removedTS')!r} does not match it"
            )
    if problems and "shape" in parts:
        raise _fail("2.resource-shape", exchange, f"resource {rid}: " + "; ".join(problems))
    if "secret" in parts:
        check_secret(exchange, obj, created=created)
    if "actions" in parts and not problems:
        check_actions(exchange, obj)
    if "shape" not in parts:
        return
    if not (isinstance(obj["publicValue"], str) and PUBLIC_RE.match(obj["publicValue"])):
        raise _fail(
            "2.generated-values",
            exchange,
            f"publicValue {obj['publicValue']!r} is not 20 characters [0-9A-F]",
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
        or segments[-2].lower() not in {"apikeys", "apikey"}
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


# The clear secrets of the keys this process saw created (id -> secret), so that an action
# response can be told apart: it MAY carry the stored hash (contract section 8), never the secret.
CLEAR_SECRETS: dict[str, str] = {}


def check_secret(exchange: Exchange, obj: dict[str, Any], *, created: bool) -> None:
    secret = obj.get("secretValue")
    if created and not (isinstance(secret, str) and len(secret) == 40):
        raise _fail(
            "2.secret-once",
            exchange,
            f"the create response has secretValue {secret!r}, not the 40-character secret",
        )
    if created:
        CLEAR_SECRETS[str(obj.get("id"))] = str(secret)
        return
    if secret is None:
        return
    if exchange.method == "POST" and operation_of(exchange) == "action":
        # Rancher blanks the secret on non-POST requests only: an action response may show the
        # stored (salted, hashed) value, which is never the clear secret.
        if secret == CLEAR_SECRETS.get(str(obj.get("id"))):
            raise _fail(
                "2.secret-once",
                exchange,
                f"the {exchange.method} action response shows the clear secret of key "
                f"{obj.get('id')} again",
            )
        if not isinstance(secret, str):
            raise _fail("2.secret-once", exchange, f"secretValue is {secret!r}")
        return
    raise _fail(
        "2.secret-once",
        exchange,
        f"secretValue is readable again in {exchange.method} ({secret!r})",
    )


def check_actions(exchange: Exchange, obj: dict[str, Any]) -> None:
    spec = load_spec()
    state, actions = obj["state"], obj["actions"]
    lifecycle = frozenset(actions) & spec.lifecycle_actions
    expected = spec.expected_actions(state)
    if expected is not None and lifecycle != expected:
        extra = sorted(set(actions) - spec.lifecycle_actions - spec.optional_actions)
        raise _fail(
            "3.actions-map",
            exchange,
            f"resource {obj['id']} in state {state!r} lists the lifecycle actions "
            f"{sorted(lifecycle)}, "
            f"expected exactly {sorted(expected)}"
            + (f" (other actions: {extra})" if extra else ""),
        )
    for name, url in actions.items():
        if name in spec.lifecycle_actions and parse_qs(urlsplit(url).query).get("action") != [name]:
            raise _fail(
                "3.actions-map",
                exchange,
                f"the URL of action {name!r} is {url!r}, without ?action={name}",
            )


def check_collection(
    exchange: Exchange, body: dict[str, Any], parts: frozenset[str] = ALL_PARTS
) -> None:
    """The collection envelope (contract section 5) and every resource in it."""
    spec = load_spec()
    missing = [k for k in COLLECTION_KEYS if k not in body]
    if missing:
        raise _fail("5.envelope", exchange, f"the collection lacks {', '.join(missing)}")
    problems = []
    if body["resourceType"] != "apiKey":
        problems.append(f"resourceType is {body['resourceType']!r}")
    if not isinstance(body["data"], list):
        problems.append("data is not a list")
    if not isinstance(body["links"], dict) or not _absolute(
        body["links"].get("self"), exchange.url
    ):
        problems.append(f"links.self is not an absolute URL ({body['links']!r})")
    for key in ("createTypes", "actions", "createDefaults"):
        if not isinstance(body[key], dict):
            problems.append(f"{key} is not an object")
    sort_links = body["sortLinks"]
    if not isinstance(sort_links, dict) or set(spec.filters) - set(sort_links):
        problems.append(f"sortLinks lacks {sorted(set(spec.filters) - set(sort_links or {}))}")
    elif not all(_absolute(url, exchange.url) for url in sort_links.values()):
        problems.append("a sortLinks URL is not absolute")
    pagination = body["pagination"]
    if not isinstance(pagination, dict) or not {"next", "limit", "partial"} <= set(pagination):
        problems.append(f"pagination lacks next/limit/partial: {pagination!r}")
    else:
        if pagination["next"] is not None and not _absolute(pagination["next"], exchange.url):
            problems.append(f"pagination.next {pagination['next']!r} is not an absolute URL")
        if type(pagination["limit"]) is not int or not isinstance(pagination["partial"], bool):
            problems.append(
                f"pagination.limit/partial are {pagination['limit']!r}/{pagination['partial']!r}"
            )
    sort = body["sort"]
    if sort is not None and (
        not isinstance(sort, dict)
        or not {"name", "order", "reverse"} <= set(sort)
        or sort["order"] not in ("asc", "desc")
        or not _absolute(sort["reverse"], exchange.url)
    ):
        problems.append(f"sort is {sort!r}, not null or {{name, order, reverse}}")
    filters = body["filters"]
    if not isinstance(filters, dict) or set(spec.filters) - set(filters):
        problems.append(f"filters lacks {sorted(set(spec.filters) - set(filters or {}))}")
    else:
        for name in spec.filters:
            conditions = filters[name]
            if conditions is not None and not (
                isinstance(conditions, list)
                and all(isinstance(c, dict) and {"modifier", "value"} <= set(c) for c in conditions)
            ):
                problems.append(
                    f"filters.{name} is {conditions!r}, not null or a list of {{modifier, value}}"
                )
    if problems and "shape" in parts:
        raise _fail("5.envelope", exchange, "; ".join(problems))
    for item in body["data"] if isinstance(body["data"], list) else []:
        check_resource(exchange, item, created=False, parts=parts)


def operation_of(exchange: Exchange) -> str:
    """Which operation of the API the request was: list, create, read, update, delete, action or
    other.
    """
    segments = urlsplit(exchange.url).path.rstrip("/").split("/")
    if (
        len(segments) >= 2
        and segments[-1].lower() in {"apikeys", "apikey"}
        and segments[-2] == "v1"
    ):
        return {"GET": "list", "POST": "create"}.get(exchange.method, "other")
    if (
        len(segments) >= 3
        and segments[-2].lower() in {"apikeys", "apikey"}
        and segments[-3] == "v1"
    ):
        if exchange.method == "POST":
            return "action" if "action" in exchange.query else "other"
        return {"GET": "read", "PUT": "update", "DELETE": "delete"}.get(exchange.method, "other")
    return "other"


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
    if body.get("type") == "apiKey":
        check_resource(exchange, body, created=operation_of(exchange) == "create", parts=parts)
    elif body.get("type") == "collection" and body.get("resourceType") == "apiKey":
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
