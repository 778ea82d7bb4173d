"""The suite's HTTP client: it follows the server's links, validates every response and records the
requests.

Each test gets its own `Recorder`; when a test fails, the plugin prints the recorded requests as
curl commands, which reproduce the failure against a live server better than a replay of generated
data would.
"""

from __future__ import annotations

import contextlib
import json as jsonlib
import signal
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from rancher_contract.contract_tests import pace
from rancher_contract.contract_tests.resources import path_to, spec_model
from rancher_contract.contract_tests.rules import ContractViolation
from rancher_contract.contract_tests.target import Target
from rancher_contract.contract_tests.validate import (
    NOT_JSON,
    Exchange,
    origin_of,
    validate_exchange,
)
from rancher_contract.specmodel import Resource

__all__ = [
    "NAME_PREFIX",
    "Api",
    "Credentials",
    "Janitor",
    "Recorder",
    "Reply",
    "labelled",
    "remove_keys",
    "unique_prefix",
]

BOOTSTRAP_CURL = '-u "$RANCHER_ACCESS_KEY:$RANCHER_SECRET_KEY"'


# Every key a run creates carries this name prefix, so that an operator can tell them apart on a
# live server; the run removes them at its end (also when it fails or is interrupted).
NAME_PREFIX = "rc-contract-"
JSON = "application/json"


def unique_prefix() -> str:
    """A name prefix no other run uses: tests only look at keys under their own prefix."""
    return f"{NAME_PREFIX}{uuid.uuid4().hex[:10]}-"


@dataclass(frozen=True)
class Credentials:
    access_key: str
    secret_key: str
    bootstrap: bool = False

    @property
    def curl(self) -> str:
        if self.bootstrap:
            return BOOTSTRAP_CURL
        return f"-u '{self.access_key}:{self.secret_key}'"


@dataclass
class Recorder:
    """The exchanges of one test, in order."""

    exchanges: list[Exchange] = field(default_factory=list)
    limit: int = 60

    def add(self, exchange: Exchange) -> None:
        self.exchanges.append(exchange)

    def clear(self) -> None:
        self.exchanges.clear()

    def curl_lines(self) -> list[str]:
        shown = self.exchanges[-self.limit :]
        lines = [f"{e.curl()}    # -> {e.status}" for e in shown]
        if len(self.exchanges) > len(shown):
            lines.insert(0, f"# ... {len(self.exchanges) - len(shown)} earlier requests left out")
        return lines


class Reply:
    """A response as the tests use it."""

    def __init__(self, exchange: Exchange) -> None:
        self.exchange = exchange
        self.status = exchange.status
        self.headers = exchange.headers
        self.json: Any = exchange.json if exchange.json is not NOT_JSON else None

    @property
    def body(self) -> dict[str, Any]:
        if not isinstance(self.json, dict):
            raise ContractViolation(
                "7.headers", f"expected a JSON object, got: {self.exchange.summary()}"
            )
        return self.json

    def expect(self, rule_id: str, *statuses: int) -> Reply:
        if self.status not in statuses:
            wanted = " or ".join(str(s) for s in statuses)
            raise ContractViolation(
                rule_id, f"expected {wanted}, got:\n  {self.exchange.summary()}"
            )
        return self

    def expect_error(
        self, rule_id: str, status: int, code: str, field_name: str | None = None
    ) -> Reply:
        self.expect(rule_id, status)
        body = self.body
        if body.get("code") != code or (
            field_name is not None and body.get("fieldName") != field_name
        ):
            got = f"code {body.get('code')!r}, fieldName {body.get('fieldName')!r}"
            want = f"code {code!r}" + (f", fieldName {field_name!r}" if field_name else "")
            raise ContractViolation(
                rule_id, f"expected {want}, got {got}:\n  {self.exchange.summary()}"
            )
        return self


class Api:
    """A client of one target; every response is validated against the rules that always hold."""

    def __init__(
        self, target: Target, recorder: Recorder | None = None, http: httpx.Client | None = None
    ) -> None:
        self.target = target
        self.recorder = recorder if recorder is not None else Recorder()
        self.http = http or httpx.Client(timeout=httpx.Timeout(15.0), follow_redirects=False)
        self.janitor: Janitor | None = None
        creds = target.credentials
        self.bootstrap = Credentials(creds[0], creds[1], bootstrap=True) if creds else None
        self._links: dict[str, str] | None = None

    # -- requests -------------------------------------------------------------------------------
    def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        content: str | None = None,
        params: dict[str, str] | list[tuple[str, str]] | None = None,
        credentials: Credentials | bool | None = True,
        headers: dict[str, str] | None = None,
        validate: bool = True,
    ) -> Reply:
        if credentials is True:
            credentials = self.bootstrap
        elif credentials is False:
            credentials = None
        url = str(httpx.URL(url, params=params)) if params else url
        request_headers = dict(headers or {})
        if json is not None:
            content = jsonlib.dumps(json)
        if content is not None:
            request_headers.setdefault("Content-Type", "application/json")
        auth = (credentials.access_key, credentials.secret_key) if credentials else None
        try:
            response = self.http.request(
                method, url, content=content, headers=request_headers, auth=auth
            )
        except httpx.HTTPError as exc:
            raise ContractViolation("6.no-server-error", f"{method} {url} failed: {exc!r}") from exc
        exchange = Exchange(
            method=method,
            url=str(response.request.url),
            status=response.status_code,
            headers={k.lower(): v for k, v in response.headers.items()},
            text=response.text,
            request_body=content,
            request_headers=request_headers,
            auth=credentials.curl if credentials else None,
        )
        self.recorder.add(exchange)
        if exchange.status == 201 and self.janitor is not None and isinstance(exchange.json, dict):
            self.janitor.remember(exchange.json)
        if validate:
            validate_exchange(exchange, self.target.url)
        return Reply(exchange)

    def get(self, url: str, **kwargs: Any) -> Reply:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Reply:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> Reply:
        return self.request("PUT", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Reply:
        return self.request("DELETE", url, **kwargs)

    # -- links ----------------------------------------------------------------------------------
    def links(self) -> dict[str, str]:
        """The API root's links (GET /v1), read once."""
        if self._links is None:
            root = self.get(self.target.url).expect("1.root-links", 200).body
            links = root.get("links")
            wanted = {"schemas", self.credential_plural}
            if not isinstance(links, dict) or not wanted <= set(links):
                raise ContractViolation("1.root-links", f"GET /v1 links are {links!r}")
            self._links = {str(k): str(v) for k, v in links.items()}
        return self._links

    @property
    def credential_plural(self) -> str:
        from rancher_contract.contract_tests.spec import credential_resource

        return credential_resource().plural

    @property
    def collection(self) -> str:
        """The collection of the API credential resource (the bootstrap keys' type)."""
        return self.links()[self.credential_plural]

    def collection_of(self, resource: Resource | str) -> str:
        """The collection of a resource of the spec set (its root link, else /v1/<plural>)."""
        found = spec_model().resource(resource) if isinstance(resource, str) else resource
        if found is None:
            raise LookupError(f"the spec set declares no resource {resource!r}")
        return self.links().get(found.plural) or f"{self.target.url}/{found.plural}"

    def create(
        self,
        body: dict[str, Any] | None = None,
        resource: Resource | str | None = None,
        **kwargs: Any,
    ) -> Reply:
        """POST `body` to the collection of `resource` (default: the API credential's)."""
        url = self.collection if resource is None else self.collection_of(resource)
        return self.post(url, json=body if body is not None else {}, **kwargs)

    def wait(
        self, resource: dict[str, Any], credentials: Credentials | bool | None = True
    ) -> dict[str, Any]:
        """Poll links.self until `transitioning` is not "yes" (like cattle's wait_success)."""
        return self.wait_all([resource], credentials)[0]

    def wait_all(
        self, resources: list[dict[str, Any]], credentials: Credentials | bool | None = True
    ) -> list[dict[str, Any]]:
        """Wait for every key at once: each round polls the keys still transitioning, so that
        transitions started together are awaited together (one wait, however many keys).
        """
        current = list(resources)
        started = time.monotonic()
        deadline = started + self.target.transition_timeout
        delay = 0.02
        polled = False
        while busy := [i for i, r in enumerate(current) if r.get("transitioning") == "yes"]:
            if time.monotonic() > deadline:
                stuck = current[busy[0]]
                raise ContractViolation(
                    "3.transitions",
                    f"key {stuck.get('id')} is still in {stuck.get('state')!r} (transitioning "
                    f"'yes') after {self.target.transition_timeout:g} s",
                )
            time.sleep(delay)
            delay = min(delay * 2, 0.2)
            polled = True
            for i in busy:
                reply = self.get(current[i]["links"]["self"], credentials=credentials)
                if reply.status == 404:
                    raise ContractViolation(
                        "3.removed-hidden",
                        f"key {current[i].get('id')} answers 404 while in "
                        f"{current[i].get('state')!r}: a key stays readable (removed keys too)",
                    )
                current[i] = reply.expect("3.transitions", 200).body
        if polled:
            pace.record_wait(len(resources), time.monotonic() - started)
        for item in current:
            if item.get("transitioning") == "error":
                raise ContractViolation(
                    "3.transitions",
                    f"key {item.get('id')} ended its transition in error: "
                    f"{item.get('transitioningMessage')!r}",
                )
        return current

    def action_url(self, resource: dict[str, Any], action: str, slash: bool = True) -> str:
        """The URL of an action: the server's own link when it lists the action, else built from
        links.self.
        """
        link = resource.get("actions", {}).get(action)
        if link:
            return str(link)
        base = str(resource["links"]["self"]).rstrip("/")
        return f"{base}/?action={action}" if slash else f"{base}?action={action}"

    def walk(
        self,
        url: str,
        params: list[tuple[str, str]] | None = None,
        max_pages: int = 200,
        rule_id: str = "5.pagination",
    ) -> Iterator[Reply]:
        """Every page of a collection, following pagination.next; the first page answers 200 (rule
        `rule_id`).
        """
        reply = self.get(url, params=params).expect(rule_id, 200)
        yield reply
        pages = 1
        while (nxt := reply.body["pagination"].get("next")) is not None:
            pages += 1
            if pages > max_pages:
                raise ContractViolation(
                    "5.pagination", f"more than {max_pages} pages: next keeps coming ({nxt})"
                )
            reply = self.get(nxt).expect("5.pagination", 200)
            yield reply

    def same_origin(self, url: str) -> bool:
        return origin_of(url) == origin_of(self.target.url)


class Janitor:
    """Keys the suite created; `clean()` deactivates, labels and deletes them at the end of the
    run."""

    def __init__(self) -> None:
        self.selves: dict[str, str] = {}

    def remember(self, resource: dict[str, Any]) -> None:
        """Any resource of the spec set that a create answered (by its links.self)."""
        links = resource.get("links")
        if (
            spec_model().resource(str(resource.get("type"))) is not None
            and isinstance(links, dict)
            and isinstance(links.get("self"), str)
        ):
            self.selves[str(resource.get("id"))] = links["self"]

    def clean(self, api: Api) -> None:
        """Remove every key this janitor remembers (see `remove_keys`)."""
        selves, self.selves = dict(self.selves), {}
        remove_keys(api.http, selves, api.target.credentials, api.target.transition_timeout)


def labelled(name: object, key_id: str = "") -> str:
    """`name` with the run's prefix: the first characters replaced (the length stays, so that a
    valid name stays valid and an over-long one stays over-long), or the prefix and the key's id for
    a name that is not a string."""
    if isinstance(name, str):
        if name.startswith(NAME_PREFIX):
            return name
        if len(name) >= len(NAME_PREFIX):
            return NAME_PREFIX + name[len(NAME_PREFIX) :]
        return NAME_PREFIX + name
    return f"{NAME_PREFIX}{key_id}"


@contextlib.contextmanager
def _sigint_deferred() -> Iterator[None]:
    """A second Ctrl-C while the keys are being removed would leave them behind: it only says so."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def note(signum: int, frame: object) -> None:
        print("rancher-contract: removing the keys this run created, a moment ...", file=sys.stderr)

    try:
        previous = signal.signal(signal.SIGINT, note)
    except ValueError:  # not the main interpreter
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def remove_keys(
    http: httpx.Client,
    selves: Mapping[str, str],
    credentials: tuple[str, str] | None,
    transition_timeout: float = 30.0,
    headers: Mapping[str, str] | None = None,
) -> int:
    """Remove the keys a run created (id -> links.self): each one that is still active is
    deactivated, each one whose name lacks the run's prefix gets it (the suite also creates keys
    without a name or with a coerced one), then all are deleted once their transitions are done.
    Errors are skipped: cleaning up never fails a run. Returns how many keys were deleted.
    """
    if not selves:
        return 0
    removed = 0
    with _sigint_deferred():
        auth = credentials
        extra = dict(headers or {})

        def call(method: str, url: str, body: Any = None) -> httpx.Response | None:
            try:
                return http.request(
                    method,
                    url,
                    auth=auth,
                    headers=extra if body is None else {**extra, "Content-Type": JSON},
                    content=None if body is None else jsonlib.dumps(body),
                    timeout=10.0,
                )
            except httpx.HTTPError:
                return None

        def read(url: str) -> dict[str, Any] | None:
            current = call("GET", url)
            if current is None or current.status_code != 200:
                return None
            try:
                body = current.json()
            except ValueError:
                return None
            return body if isinstance(body, dict) else None

        def deactivate(url: str, body: dict[str, Any]) -> bool:
            """Start the first action towards a state DELETE removes from (deactivate); False
            when there is none to take (already there, or no lifecycle)."""
            step = _step_to_deletable(body)
            link = (body.get("actions") or {}).get(step) if step else None
            if isinstance(link, str) and same_origin(link, url):
                call("POST", link)
                return True
            return False

        gone = _gone_states()
        pending: list[str] = []
        for key_id, url in selves.items():
            body = read(url)
            if body is None:
                continue
            name = body.get("name")
            if not (isinstance(name, str) and name.startswith(NAME_PREFIX)):
                call("PUT", url, {"name": labelled(name, key_id)[:255]})
            if body.get("state") in gone:
                continue
            deactivate(url, body)
            pending.append(url)
        deadline = time.monotonic() + min(transition_timeout, 10)
        for url in pending:
            for _attempt in range(2):  # a key still activating is active once settled: again
                body = read(url)
                while body is not None and body.get("transitioning") == "yes":
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.05)
                    body = read(url)
                if body is None or not deactivate(url, body):
                    break
            deleted = call("DELETE", url)
            if deleted is not None and deleted.status_code == 200:
                removed += 1
    return removed


def _step_to_deletable(body: dict[str, Any]) -> str | None:
    """The first action of the shortest path from the resource's state to one where DELETE runs
    its action (an active key: deactivate), by its type's lifecycle; None when it is there."""
    resource = spec_model().resource(str(body.get("type")))
    lifecycle = resource.lifecycle if resource is not None else None
    runs = lifecycle.action(lifecycle.delete.runs) if lifecycle and lifecycle.delete.runs else None
    if lifecycle is None or runs is None:
        return None
    plan = path_to(lifecycle, str(body.get("state")), runs.from_states)
    return plan[0] if plan else None


def _gone_states() -> set[str]:
    """The states of every resource of the spec set in which DELETE has nothing left to do: the
    removed states and the transitioning state of the action DELETE runs."""
    found: set[str] = set()
    for resource in spec_model().resources:
        lifecycle = resource.lifecycle
        if lifecycle is None:
            continue
        found |= set(lifecycle.removed_states)
        runs = lifecycle.action(lifecycle.delete.runs) if lifecycle.delete.runs else None
        if runs is not None and runs.through:
            found.add(runs.through)
    return found


def same_origin(url: str, other: str) -> bool:
    """Whether two URLs share scheme, host and port (credentials go nowhere else)."""
    return origin_of(url) == origin_of(other)
