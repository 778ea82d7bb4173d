"""Black-box helpers of the acceptance tests: an HTTP client over a real server, and contract
constants.

Everything here is written from `shared/reference/apikey-contract.md` alone. The helpers follow the
links a server returns (`links.self`, the URLs in `actions`) wherever a link exists, and wait on
`transitioning` like Rancher's own `cattle.Client.wait_success`."""

from __future__ import annotations

import calendar
import re
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

# --- contract constants ---------------------------------------------------------------------------

STATES = frozenset(
    {
        "requested",
        "registering",
        "activating",
        "active",
        "deactivating",
        "inactive",
        "updating-active",
        "updating-inactive",
        "removing",
        "removed",
        "purging",
        "purged",
    }
)
TRANSITIONING_STATES = frozenset(
    {
        "registering",
        "activating",
        "deactivating",
        "removing",
        "purging",
        "updating-active",
        "updating-inactive",
    }
)
LIFECYCLE_ACTIONS = ("activate", "deactivate", "remove", "purge")
EXTRA_ACTIONS = frozenset({"update", "create"})  # a server MAY list these too (section 3)

# action -> (start states, transitioning state, done state), section 3
ACTION_TABLE: dict[str, tuple[frozenset[str], str, str]] = {
    "activate": (frozenset({"inactive", "registering"}), "activating", "active"),
    "deactivate": (
        frozenset(
            {
                "requested",
                "registering",
                "active",
                "activating",
                "updating-active",
                "updating-inactive",
            }
        ),
        "deactivating",
        "inactive",
    ),
    "remove": (
        frozenset({"requested", "registering", "inactive", "updating-active", "updating-inactive"}),
        "removing",
        "removed",
    ),
    "purge": (frozenset({"removed"}), "purging", "purged"),
}
# the lifecycle part of the `actions` map, exactly (section 3, MUST)
ACTIONS_BY_STATE: dict[str, frozenset[str]] = {
    "active": frozenset({"deactivate"}),
    "inactive": frozenset({"activate", "remove"}),
    "removed": frozenset({"purge"}),
    "registering": frozenset({"activate", "deactivate", "remove"}),
    "purged": frozenset(),
}


def valid_actions(state: str) -> frozenset[str]:
    """The lifecycle actions the table of section 3 lets start from `state`."""
    return frozenset(name for name, (starts, _, _) in ACTION_TABLE.items() if state in starts)


RESOURCE_FIELDS = (
    "id",
    "type",
    "links",
    "actions",
    "baseType",
    "name",
    "description",
    "accountId",
    "kind",
    "publicValue",
    "secretValue",
    "state",
    "transitioning",
    "transitioningMessage",
    "transitioningProgress",
    "uuid",
    "created",
    "createdTS",
    "removed",
)
COMPARABLE_FIELDS = ("id", "created", "removed", "removeTime")
TEXT_FIELDS = ("name", "description", "kind", "publicValue", "secretValue", "uuid")
REFERENCE_FIELDS = ("accountId", "registryId", "state")
FILTERABLE_FIELDS = COMPARABLE_FIELDS + TEXT_FIELDS + REFERENCE_FIELDS
MODIFIERS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(COMPARABLE_FIELDS, ("eq", "ne", "lt", "lte", "gt", "gte", "null", "notnull")),
    **dict.fromkeys(TEXT_FIELDS, ("eq", "ne", "prefix", "like", "notlike", "null", "notnull")),
    **dict.fromkeys(REFERENCE_FIELDS, ("eq", "ne", "null", "notnull")),
}

CONTENT_TYPE = "application/json; charset=utf-8"
WWW_AUTHENTICATE = 'Basic realm="Enter API access key and secret key as username and password"'
ERROR_KEYS = ("id", "type", "links", "actions", "status", "code", "message", "detail", "baseType")
STATUS_REASONS = {
    401: "Unauthorized",
    404: "Not Found",
    405: "Method not allowed",
    409: "Conflict",
}

ID_RE = re.compile(r"^1c[0-9]+$")
PUBLIC_VALUE_RE = re.compile(r"^[0-9A-F]{20}$")
DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")
UUID4_RE = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", re.I
)

ASYNC_DELAY = 0.2  # seconds a transition takes on the asynchronous-mode server
# A kept-alive connection to a uvicorn server running in a thread of the test process answers each
# request only after ~40 ms on this machine (a server in another process: ~1 ms); a connection per
# request keeps the suite fast. It changes nothing the contract speaks about.
CLIENT_HEADERS = {"Connection": "close"}
WAIT_TIMEOUT = 15.0  # seconds a transition may take before the test fails


# --- small pure helpers ---------------------------------------------------------------------------


def unique(prefix: str = "acc") -> str:
    """A name prefix no other test (or other run against the same server) uses; [a-z0-9-] only."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def id_number(key_id: str) -> int:
    assert ID_RE.match(key_id), f"id {key_id!r} is not of the form 1c<n>"
    return int(key_id[2:])


def epoch_ms(date: str) -> int:
    """`2017-01-20T10:00:00Z` -> epoch milliseconds."""
    assert DATE_RE.match(date), f"{date!r} is not an ISO-8601 UTC date with second precision"
    return calendar.timegm(time.strptime(date, "%Y-%m-%dT%H:%M:%SZ")) * 1000


def query_of(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


def lifecycle_actions(resource: Mapping[str, Any]) -> set[str]:
    """The actions of a resource's `actions` map without the extras a server MAY list."""
    return set(resource["actions"]) - EXTRA_ACTIONS


def describe(response: httpx.Response) -> str:
    """`METHOD url -> status body` for assertion messages (and FINDINGS.md)."""
    body = response.text
    if len(body) > 600:
        body = body[:600] + "..."
    return f"{response.request.method} {response.request.url} -> {response.status_code} {body}"


def assert_json(response: httpx.Response) -> Any:
    assert response.headers.get("content-type") == CONTENT_TYPE, (
        f"Content-Type {response.headers.get('content-type')!r}: {describe(response)}"
    )
    return response.json()


def assert_status(response: httpx.Response, status: int) -> Any:
    assert response.status_code == status, f"expected {status}: {describe(response)}"
    return response.json()


def assert_error(
    response: httpx.Response,
    status: int,
    code: str,
    *,
    field_name: str | None = None,
) -> dict[str, Any]:
    """The Rancher error object of section 6, with its status, code, and message rules."""
    assert response.status_code == status, f"expected {status} {code}: {describe(response)}"
    body = response.json()
    assert isinstance(body, dict), describe(response)
    missing = [k for k in ERROR_KEYS if k not in body]
    assert not missing, f"error object lacks {missing}: {describe(response)}"
    assert body["type"] == "error", describe(response)
    assert body["baseType"] == "error", describe(response)
    assert body["links"] == {}, describe(response)
    assert body["actions"] == {}, describe(response)
    assert body["status"] == status, describe(response)
    assert body["code"] == code, f"expected code {code!r}: {describe(response)}"
    if status in STATUS_REASONS:
        assert body["message"] == STATUS_REASONS[status], (
            f"a status error uses the reason as message: {describe(response)}"
        )
    if status == 422:
        assert body.get("fieldName") == field_name, (
            f"expected fieldName {field_name!r}: {describe(response)}"
        )
        assert body["message"] is None, f"a validation error has message null: {describe(response)}"
    elif field_name is not None:
        assert body.get("fieldName") == field_name, describe(response)
    return body


# --- the client -----------------------------------------------------------------------------------


@dataclass
class Api:
    """One server: its `/v1` base URL, credentials, and an httpx client (auth set when access
    control on)."""

    base_url: str  # ends in /v1
    auth: tuple[str, str] | None
    client: httpx.Client
    # True for a reference server these tests started with a transition delay: its transitions must
    # then be observable (a reference-server setting; any server MAY complete a transition at once)
    delayed: bool = False

    @property
    def root(self) -> str:
        return self.base_url[: -len("/v1")]

    @property
    def collection(self) -> str:
        """The documented collection URL (section 1)."""
        return f"{self.base_url}/apiKeys"

    def url(self, key_id: str) -> str:
        return f"{self.collection}/{key_id}"

    def action_url(self, key_id: str, action: str, *, slash: bool = False) -> str:
        return f"{self.url(key_id)}{'/' if slash else ''}?action={action}"

    # requests

    def request(self, method: str, url: str, **kw: Any) -> httpx.Response:
        return self.client.request(method, url, **kw)

    def create_response(self, body: Any = None, **kw: Any) -> httpx.Response:
        return self.client.post(self.collection, json={} if body is None else body, **kw)

    def create(self, **body: Any) -> dict[str, Any]:
        """POST a key; the 201 body (with the secret in clear)."""
        response = self.create_response(body)
        created = assert_status(response, 201)
        assert created.get("type") == "apiKey", describe(response)
        return created

    def get(self, key: Mapping[str, Any] | str) -> dict[str, Any]:
        url = self.url(key) if isinstance(key, str) else key["links"]["self"]
        response = self.client.get(url)
        return assert_status(response, 200)

    def wait(self, key: Mapping[str, Any] | str, timeout: float = WAIT_TIMEOUT) -> dict[str, Any]:
        """Poll the key until `transitioning` is not "yes" (cattle's wait_transitioning); fail on
        timeout."""
        deadline = time.monotonic() + timeout
        sleep = 0.01
        current = self.get(key)
        while current["transitioning"] == "yes":
            assert time.monotonic() < deadline, (
                f"key {current['id']} never left the transitioning state {current['state']!r}"
            )
            time.sleep(sleep)
            sleep = min(sleep * 2, 0.1)
            current = self.get(key)
        return current

    def act(self, key: Mapping[str, Any], action: str) -> httpx.Response:
        """POST an action, through the URL in the key's `actions` map when it lists it."""
        url = key.get("actions", {}).get(action) or self.action_url(key["id"], action)
        return self.client.post(url)

    def do(self, key: Mapping[str, Any], action: str) -> dict[str, Any]:
        """Run an action that must be accepted (202) and wait for its done state."""
        response = self.act(key, action)
        assert_status(response, 202)
        return self.wait(response.json())

    def delete(self, key: Mapping[str, Any] | str) -> httpx.Response:
        url = self.url(key) if isinstance(key, str) else key["links"]["self"]
        return self.client.delete(url)

    def put(self, key: Mapping[str, Any] | str, body: Any) -> httpx.Response:
        url = self.url(key) if isinstance(key, str) else key["links"]["self"]
        return self.client.put(url, json=body)

    def list(self, params: Any = None, url: str | None = None) -> dict[str, Any]:
        response = self.client.get(url or self.collection, params=params)
        collection = assert_status(response, 200)
        assert collection.get("type") == "collection", describe(response)
        return collection

    def list_all(self, params: Iterable[tuple[str, str]] = ()) -> list[dict[str, Any]]:
        """Every item matching `params`, following `pagination.next` (pages of 3000)."""
        items: list[dict[str, Any]] = []
        page = self.list([*params, ("limit", "3000")])
        for _ in range(1000):
            items.extend(page["data"])
            next_url = page["pagination"]["next"]
            if not next_url:
                return items
            page = self.list(url=next_url)
        raise AssertionError("pagination.next never ended")

    # keys in a given state (each waits for its done state)

    def new_active(self, name: str | None = None, **body: Any) -> dict[str, Any]:
        if name is not None:
            body["name"] = name
        created = self.create(**body)
        key = self.wait(created)
        assert key["state"] == "active", key
        key["_secret"] = created["secretValue"]
        return key

    def new_inactive(self, name: str | None = None, **body: Any) -> dict[str, Any]:
        active = self.new_active(name, **body)
        key = self.do(active, "deactivate")
        assert key["state"] == "inactive", key
        key["_secret"] = active["_secret"]
        return key

    def new_removed(self, name: str | None = None, **body: Any) -> dict[str, Any]:
        key = self.do(self.new_inactive(name, **body), "remove")
        assert key["state"] == "removed", key
        return key

    def new_purged(self, name: str | None = None, **body: Any) -> dict[str, Any]:
        key = self.do(self.new_removed(name, **body), "purge")
        assert key["state"] == "purged", key
        return key

    def new_in(self, state: str, name: str | None = None) -> dict[str, Any]:
        return {
            "active": self.new_active,
            "inactive": self.new_inactive,
            "removed": self.new_removed,
            "purged": self.new_purged,
        }[state](name)

    def with_auth(self, auth: tuple[str, str] | None) -> httpx.Client:
        """A separate client with other credentials (None: none at all); the caller closes it."""
        return httpx.Client(auth=auth, timeout=self.client.timeout, headers=CLIENT_HEADERS)
