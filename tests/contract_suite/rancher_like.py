"""A second, independent implementation of the apiKey contract, written from the contract alone.

It takes Rancher's side of every latitude of contract section 8 where the reference server may take
the other: asynchronous transitions, lowercase links (`/v1/apikeys/1c5`), the extra actions
`update`/`create`, case-insensitive text filters, numbers coerced to text, query parameters merged
into write bodies, `_method` overriding the method, no `Allow` header on 405, extra fields and
links, any `kind` condition replaced by kind=apiKey (so `kind_ne=apiKey` lists every key), and the
stored secret hash in `secretValue` of action responses. The contract suite must pass it too: a
false alarm here is a false alarm on a real Rancher.

Run: python tests/contract_suite/rancher_like.py --port 8080 --access-key AK --secret-key SK
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

STATES_TRANSITIONING = {
    "registering",
    "activating",
    "deactivating",
    "updating-active",
    "updating-inactive",
    "removing",
    "purging",
}
ACTIONS = {
    "activate": ({"inactive", "registering"}, "activating", "active"),
    "deactivate": (
        {
            "requested",
            "registering",
            "active",
            "activating",
            "updating-active",
            "updating-inactive",
        },
        "deactivating",
        "inactive",
    ),
    "remove": (
        {"requested", "registering", "inactive", "updating-active", "updating-inactive"},
        "removing",
        "removed",
    ),
    "purge": ({"removed"}, "purging", "purged"),
}
EXTRA_ACTIONS = {"active": ["update"], "inactive": ["update"], "requested": ["create"]}
FILTERS = {
    **dict.fromkeys(["id", "created", "removed", "removeTime"], "cmp"),
    **dict.fromkeys(["name", "description", "kind", "publicValue", "secretValue", "uuid"], "text"),
    **dict.fromkeys(["accountId", "registryId", "state"], "ref"),
}
MODIFIERS = {
    "cmp": {"eq", "ne", "lt", "lte", "gt", "gte", "null", "notnull"},
    "text": {"eq", "ne", "prefix", "like", "notlike", "null", "notnull"},
    "ref": {"eq", "ne", "null", "notnull"},
}
ALL_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]
REALM = 'Basic realm="Enter API access key and secret key as username and password"'
REASONS = {401: "Unauthorized", 404: "Not Found", 405: "Method not allowed", 409: "Conflict"}


class Key:
    def __init__(
        self, num: int, name: Any, description: Any, public: str, secret: str, delay: float
    ):
        now = time.time()
        self.num = num
        self.name = name
        self.description = description
        self.public = public
        salt = secrets.token_hex(8)
        # stored salted and hashed, as Rancher does; shown (hashed) in action responses only
        self.secret_hash = f"{salt}:{hashlib.sha256((salt + secret).encode()).hexdigest()}"
        self.uuid = str(uuid.uuid4())
        self.created_ts = int(now * 1000)
        self.removed_ts: int | None = None
        self.state = "registering" if delay > 0 else "active"
        self.pending: tuple[str, float] | None = ("active", now + delay) if delay > 0 else None
        self.delay = delay

    def settle(self) -> None:
        if self.pending and time.time() >= self.pending[1]:
            self.finish(self.pending[0])

    def finish(self, state: str) -> None:
        self.state, self.pending = state, None
        if state == "removed" and self.removed_ts is None:
            self.removed_ts = int(time.time() * 1000)

    def start(self, action: str) -> None:
        _, through, to = ACTIONS[action]
        if self.delay > 0:
            self.state, self.pending = through, (to, time.time() + self.delay)
        else:
            self.finish(to)

    def value(self, field: str) -> Any:
        return {
            "id": self.num,
            "name": self.name,
            "description": self.description,
            "kind": "apiKey",
            "publicValue": self.public,
            "secretValue": self.secret_hash,  # the stored hash: no clear secret ever matches it
            "uuid": self.uuid,
            "accountId": "1a5",
            "registryId": None,
            "state": self.state,
            "created": iso(self.created_ts),
            "removed": iso(self.removed_ts) if self.removed_ts else None,
            "removeTime": None,
        }[field]


def iso(ms: int | None) -> str | None:
    if ms is None:
        return None
    return datetime.fromtimestamp(ms // 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Store:
    def __init__(self, access_key: str, secret_key: str, delay: float) -> None:
        self.lock = threading.Lock()
        self.keys: dict[int, Key] = {}
        self.next = 100
        self.delay = delay
        boot = self.add("bootstrap", None, access_key, secret_key)
        boot.finish("active")

    def add(
        self, name: Any, description: Any, public: str | None = None, secret: str | None = None
    ) -> Key:
        public = public or secrets.token_hex(10).upper()
        key = Key(
            self.next,
            name,
            description,
            public,
            secret or secrets.token_urlsafe(30)[:40],
            self.delay,
        )
        self.keys[self.next] = key
        self.next += 1
        return key

    def get(self, raw_id: str) -> Key | None:
        m = re.fullmatch(r"1c(\d+)", raw_id)
        key = self.keys.get(int(m.group(1))) if m else None
        if key:
            key.settle()
        return key


def parse_id(value: str) -> int | None:
    m = re.fullmatch(r"1c(\d+)", value)
    return int(m.group(1)) if m else None


def like(pattern: str, value: str) -> bool:
    rx = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.fullmatch(rx, value, re.IGNORECASE | re.DOTALL) is not None


def matches(key: Key, field: str, modifier: str, raw: str) -> bool:
    value = key.value(field)
    if modifier == "null":
        return value is None
    if modifier == "notnull":
        return value is not None
    if value is None:
        return False  # SQL: comparisons never match NULL
    if field == "id":
        target: Any = parse_id(raw)
        if target is None:
            return False
    else:
        target = raw
    if isinstance(value, str):
        value, target = value.lower(), str(target).lower()  # MySQL collation: case-insensitive
    ops: dict[str, Callable[[], bool]] = {
        "eq": lambda: value == target,
        "ne": lambda: value != target,
        "lt": lambda: value < target,
        "lte": lambda: value <= target,
        "gt": lambda: value > target,
        "gte": lambda: value >= target,
        "prefix": lambda: str(value).startswith(str(target)),
        "like": lambda: like(str(target), str(value)),
        "notlike": lambda: not like(str(target), str(value)),
    }
    return bool(ops[modifier]())


class App:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.app = Starlette(
            routes=[
                Route("/v1", self.root, methods=ALL_METHODS),
                Route("/v1/", self.root, methods=ALL_METHODS),
                Route("/v1/schemas", self.schemas, methods=ALL_METHODS),
                Route("/v1/schemas/{sid}", self.schema, methods=ALL_METHODS),
                Route("/v1/{kind}", self.collection, methods=ALL_METHODS),
                Route("/v1/{kind}/{kid}", self.resource, methods=ALL_METHODS),
                Route("/v1/{kind}/{kid}/", self.resource, methods=ALL_METHODS),
            ]
        )

    # -- rendering --------------------------------------------------------------------------------
    @staticmethod
    def base(request: Request) -> str:
        proto = request.headers.get("x-forwarded-proto", request.url.scheme)
        host = request.headers.get("x-forwarded-host") or request.headers.get("host", "localhost")
        return f"{proto}://{host}"

    def send(self, request: Request, status: int, body: Any) -> Response:
        text = json.dumps(body).replace("/", "\\/")  # Rancher escapes slashes
        headers = {
            "X-API-Schemas": f"{self.base(request)}/v1/schemas",
            "X-Rancher-Version": "v1.6.0",
        }
        if status == 401:
            headers["WWW-Authenticate"] = REALM
        return Response(text, status, headers, media_type="application/json; charset=utf-8")

    def error(
        self, request: Request, status: int, code: str | None = None, field: str | None = None
    ) -> Response:
        body: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "type": "error",
            "links": {},
            "actions": {},
            "status": status,
            "code": code or REASONS[status],
            "message": None if field else REASONS.get(status),
            "detail": None,
            "baseType": "error",
        }
        if field:
            body["fieldName"] = field
        return self.send(request, status, body)

    def render(self, request: Request, key: Key, secret: str | None = None) -> dict[str, Any]:
        base = self.base(request)
        me = f"{base}/v1/apikeys/1c{key.num}"
        names = [a for a, (start, _, _) in ACTIONS.items() if key.state in start]
        if key.state in {"activating", "deactivating", "removing", "purging"}:
            names = []
        names = [*names, *EXTRA_ACTIONS.get(key.state, [])]
        if key.state in {"requested", "updating-active", "updating-inactive"}:
            names = [n for n in names if n != "activate"]
        body = {
            "id": f"1c{key.num}",
            "type": "apiKey",
            "links": {"self": me, "account": f"{me}/account", "images": f"{me}/images"},
            "actions": {name: f"{me}/?action={name}" for name in names},
            "baseType": "credential",
            "name": key.name,
            "description": key.description,
            "accountId": "1a5",
            "kind": "apiKey",
            "publicValue": key.public,
            "secretValue": secret,
            "state": key.state,
            "transitioning": "yes" if key.state in STATES_TRANSITIONING else "no",
            "transitioningMessage": "In Progress" if key.state in STATES_TRANSITIONING else None,
            "transitioningProgress": None,
            "uuid": key.uuid,
            "created": iso(key.created_ts),
            "createdTS": key.created_ts,
            "removed": iso(key.removed_ts),
            "data": {},
        }
        if key.removed_ts:
            body["removedTS"] = key.removed_ts
        return body

    # -- request plumbing
    # ---------------------------------------------------------------------------
    async def prelude(self, request: Request) -> tuple[str, dict[str, Any] | None, Response | None]:
        method = request.method
        override = request.query_params.get("_method")
        if override:
            method = override.upper()
        raw = await request.body()
        body: dict[str, Any] | None = None
        if raw.strip():
            try:
                parsed = json.loads(raw)
            except ValueError:
                return method, None, self.error(request, 400, "InvalidBodyContent")
            body = parsed if isinstance(parsed, dict) else {}
        if not self.authenticated(request):
            return method, None, self.error(request, 401)
        return method, body, None

    def authenticated(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        with self.store.lock:
            for key in self.store.keys.values():
                key.settle()
                salt = key.secret_hash.split(":", 1)[0]
                digest = hashlib.sha256((salt + password).encode()).hexdigest()
                if key.public == user and key.secret_hash == f"{salt}:{digest}":
                    return key.state == "active"
        return False

    def writable(
        self, request: Request, body: dict[str, Any] | None
    ) -> tuple[dict[str, Any], Response | None]:
        merged: dict[str, Any] = {
            k: v for k, v in request.query_params.items() if k in {"name", "description"}
        }
        merged.update({k: v for k, v in (body or {}).items() if k in {"name", "description"}})
        for field, limit in (("name", 255), ("description", 1024)):
            if field not in merged:
                continue
            value = merged[field]
            if isinstance(value, (dict, list)):
                return merged, self.error(request, 422, "InvalidFormat", field)
            if isinstance(value, bool):
                value = str(value).lower()
            elif isinstance(value, (int, float)):
                value = str(value)
            if isinstance(value, str) and len(value) > limit:
                return merged, self.error(request, 422, "MaxLengthExceeded", field)
            merged[field] = value
        return merged, None

    # -- endpoints
    # ----------------------------------------------------------------------------------
    async def root(self, request: Request) -> Response:
        method, _, failure = await self.prelude(request)
        if failure:
            return failure
        if method != "GET":
            return self.error(request, 405)
        base = f"{self.base(request)}/v1"
        links = {"self": base, "schemas": f"{base}/schemas", "apiKeys": f"{base}/apikeys"}
        links["accounts"] = f"{base}/accounts"
        return self.send(
            request, 200, {"id": "v1", "type": "apiVersion", "links": links, "actions": {}}
        )

    async def schemas(self, request: Request) -> Response:
        method, _, failure = await self.prelude(request)
        if failure:
            return failure
        if method != "GET":
            return self.error(request, 405)
        doc = schema_document(self.base(request))
        coll = {"type": "collection", "resourceType": "schema", "links": {}, "data": [doc]}
        return self.send(request, 200, coll)

    async def schema(self, request: Request) -> Response:
        method, _, failure = await self.prelude(request)
        if failure:
            return failure
        if method != "GET":
            return self.error(request, 405)
        if request.path_params["sid"].lower() != "apikey":
            return self.error(request, 404)
        return self.send(request, 200, schema_document(self.base(request)))

    async def collection(self, request: Request) -> Response:
        if request.path_params["kind"].lower() not in {"apikeys", "apikey"}:
            _, _, failure = await self.prelude(request)
            return failure or self.error(request, 404)
        method, body, failure = await self.prelude(request)
        if failure:
            return failure
        if method == "GET":
            return self.list(request)
        if method == "POST":
            data, bad = self.writable(request, body)
            if bad:
                return bad
            with self.store.lock:
                secret = secrets.token_urlsafe(30)[:40]
                key = self.store.add(data.get("name"), data.get("description"), secret=secret)
            return self.send(request, 201, self.render(request, key, secret))
        return self.error(request, 405)

    def list(self, request: Request) -> Response:
        params = list(parse_qsl(request.url.query, keep_blank_values=True))
        conditions: dict[str, list[dict[str, Any]]] = {}
        for name, value in params:
            field, _, modifier = name.rpartition("_") if "_" in name else (name, "", "eq")
            if field not in FILTERS:
                field, modifier = name, "eq"
            if field == "kind":
                # Rancher's resource manager puts kind=apiKey into the criteria, over the client's
                # condition (apiKey is a view of the credential table): any kind filter lists all
                conditions["kind"] = [{"modifier": "eq", "value": "apiKey"}]
            elif field in FILTERS and modifier in MODIFIERS[FILTERS[field]]:
                conditions.setdefault(field, []).append({"modifier": modifier, "value": value})
        query = dict(params)
        sort = query.get("sort") if query.get("sort") in FILTERS else None
        order = "desc" if query.get("order") == "desc" else "asc"
        limit = 100
        if re.fullmatch(r"-?\d+", query.get("limit", "")):
            limit = int(query["limit"])
            limit = 3000 if limit <= 0 or limit > 3000 else limit
        offset = int(query["marker"][1:]) if re.fullmatch(r"m\d+", query.get("marker", "")) else 0
        with self.store.lock:
            rows = []
            for key in self.store.keys.values():
                key.settle()
                if key.removed_ts is not None:
                    continue
                if all(
                    matches(key, f, c["modifier"], c["value"])
                    for f, cs in conditions.items()
                    for c in cs
                ):
                    rows.append(key)

            def sort_key(k: Key) -> tuple[Any, ...]:
                v = k.value(sort) if sort else k.num
                if isinstance(v, str):
                    v = v.lower()
                return (v is not None, v if v is not None else 0)

            rows.sort(key=lambda k: k.num)
            if sort:
                rows.sort(key=sort_key, reverse=order == "desc")
            else:
                rows.sort(key=lambda k: k.num, reverse=order == "desc")
            page = rows[offset : offset + limit]
            more = len(rows) > offset + limit
            data = [self.render(request, k) for k in page]
        base = f"{self.base(request)}/v1/apikeys"
        keep = [(k, v) for k, v in params if k != "marker"]
        nxt = f"{base}?{urlencode([*keep, ('marker', f'm{offset + limit}')])}" if more else None
        self_url = f"{base}?{request.url.query}" if request.url.query else base

        def flipped(field: str, new_order: str) -> str:
            q = [(k, v) for k, v in params if k not in {"sort", "order", "marker"}]
            return f"{base}?{urlencode([*q, ('sort', field), ('order', new_order)])}"

        body = {
            "type": "collection",
            "resourceType": "apiKey",
            "links": {"self": self_url},
            "createTypes": {},
            "actions": {},
            "data": data,
            "sortLinks": {f: flipped(f, "asc") for f in FILTERS},
            "pagination": {
                "first": None,
                "previous": None,
                "next": nxt,
                "limit": limit,
                "total": None,
                "partial": more,
            },
            "sort": {
                "name": sort,
                "order": order,
                "reverse": flipped(sort, "asc" if order == "desc" else "desc"),
            }
            if sort
            else None,
            "filters": {f: conditions.get(f) for f in FILTERS},
            "createDefaults": {},
        }
        return self.send(request, 200, body)

    async def resource(self, request: Request) -> Response:
        if request.path_params["kind"].lower() not in {"apikeys", "apikey"}:
            _, _, failure = await self.prelude(request)
            return failure or self.error(request, 404)
        method, body, failure = await self.prelude(request)
        if failure:
            return failure
        action = request.query_params.get("action")
        with self.store.lock:
            key = self.store.get(request.path_params["kid"])
            if method == "POST" and action is None:
                return self.error(request, 405)
            if method not in {"GET", "PUT", "DELETE", "POST"}:
                return self.error(request, 405)
            if method == "POST" and action not in {*ACTIONS, "update", "create"}:
                return self.error(request, 422, "InvalidAction", "action")
            if key is None:
                return self.error(request, 404)
            if method == "GET":
                return self.send(request, 200, self.render(request, key))
            if method == "PUT":
                data, bad = self.writable(request, body)
                if bad:
                    return bad
                if "name" in data:
                    key.name = data["name"]
                if "description" in data:
                    key.description = data["description"]
                return self.send(request, 200, self.render(request, key))
            if method == "DELETE":
                if key.state in {"removed", "purging", "purged", "removing"}:
                    return self.send(request, 200, self.render(request, key))
                if key.state not in ACTIONS["remove"][0]:
                    return self.error(request, 405)
                key.start("remove")
                return self.send(request, 200, self.render(request, key))
            assert action is not None
            if action not in ACTIONS or action not in self.render(request, key)["actions"]:
                return self.error(request, 422, "ActionNotAvailable", "action")
            key.start(action)
            # Rancher's output filter blanks the secret on non-POST requests only: an action
            # response carries the stored hash (never the clear secret)
            return self.send(request, 202, self.render(request, key, key.secret_hash))


def schema_document(base: str) -> dict[str, Any]:
    path = Path(__file__).with_name("fixtures") / "v1-schema-apikey-user.json"
    text = path.read_text(encoding="utf-8")
    return json.loads(text.replace("http://RANCHER:8080", base))  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--access-key", default="AK" * 10)
    parser.add_argument("--secret-key", default="S" * 40)
    parser.add_argument(
        "--delay", type=float, default=0.2, help="transition time in seconds (0: at once)"
    )
    args = parser.parse_args()
    app = App(Store(args.access_key, args.secret_key, args.delay)).app
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
