"""The generated client against a live server (uvicorn, loopback), the ASGI app, MockTransport."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from gen_support import FakeApiKeys

from rancher_contract.generated.client import (
    ApiKey,
    ApiKeyAction,
    ApiKeyCreate,
    ApiKeyState,
    ApiKeyUpdate,
    AsyncRancherClient,
    MethodNotAllowedError,
    NotFoundError,
    RancherApiError,
    RancherClient,
    TransitionError,
    Transitioning,
    TransitionTimeoutError,
    UnauthorizedError,
    ValidationError,
)
from rancher_contract.generated.server import ResourceBackends, create_app


def test_sync_client_against_a_live_server(live_server: str) -> None:
    with RancherClient(live_server, "AK", "SK") as client:
        created = client.api_keys.create(ApiKeyCreate(name="ci", description="deploy"))
        assert isinstance(created, ApiKey)
        assert created.secret_value == "S" * 40 and created.state == ApiKeyState.ACTIVE
        assert created.transitioning is Transitioning.NO
        fetched = client.api_keys.get(created.id)
        assert fetched.secret_value is None and fetched.name == "ci"
        renamed = client.api_keys.update(fetched, ApiKeyUpdate(name="renamed"))
        assert renamed.name == "renamed" and renamed.description == "deploy"
        with pytest.raises(MethodNotAllowedError) as refused:
            client.api_keys.delete(renamed)
        assert refused.value.status == 405 and refused.value.code == "Method not allowed"
        inactive = client.api_keys.wait_for_transition(client.api_keys.deactivate(renamed))
        assert inactive.state == "inactive" and set(inactive.actions) == {"activate", "remove"}
        with pytest.raises(ValidationError) as not_available:
            client.api_keys.deactivate(inactive.id)
        assert not_available.value.code == "ActionNotAvailable"
        assert not_available.value.field_name == "action"
        active = client.api_keys.activate(inactive)
        assert active.state == "active"
        removed = client.api_keys.delete(client.api_keys.deactivate(active))
        assert removed.state == "removed" and removed.removed_ts == 1484992800000
        purged = client.api_keys.purge(removed)
        assert purged.state == "purged"
        with pytest.raises(NotFoundError) as missing:
            client.api_keys.get("1c999")
        assert missing.value.status == 404 and missing.value.error is not None
        assert client.root()["links"]["apiKeys"] == f"{live_server}/v1/apikeys"
        assert client.schemas()["data"][0]["id"] == "apiKey"


def test_typed_validation_error(live_server: str) -> None:
    with RancherClient(live_server + "/v1", "AK", "SK") as client:
        with pytest.raises(ValidationError) as too_long:
            client.api_keys.create(ApiKeyCreate(name="x" * 256))
    assert too_long.value.status == 422
    assert too_long.value.code == "MaxLengthExceeded" and too_long.value.field_name == "name"
    assert too_long.value.message is None


def test_wrong_credentials(live_server: str) -> None:
    with (
        RancherClient(live_server, "AK", "nope") as client,
        pytest.raises(UnauthorizedError) as err,
    ):
        client.api_keys.list()
    assert err.value.status == 401 and err.value.code == "Unauthorized"
    assert isinstance(err.value, RancherApiError)


def test_list_filters_and_iteration(live_server: str, fake: FakeApiKeys) -> None:
    with RancherClient(live_server, "AK", "SK") as client:
        for index in range(5):
            client.api_keys.create(ApiKeyCreate(name=f"it-{index}"))
        client.api_keys.create(ApiKeyCreate(name="other"))
        page = client.api_keys.list(filters={"name_prefix": "it-"}, limit=2, order="desc")
        assert len(page.data) == 2 and page.pagination.partial is True
        assert page.pagination.next is not None
        names = [
            key.name for key in client.api_keys.iterate(filters={"name_prefix": "it-"}, limit=2)
        ]
        assert names == [f"it-{index}" for index in range(5)]
        assert fake.queries[-1].limit == 2
        with pytest.raises(ValueError, match="unsupported filter"):
            client.api_keys.list(filters={"name_lt": "x"})
        with pytest.raises(ValueError, match="unsupported filter"):
            client.api_keys.list(filters=[("bogus", "x")])


def test_async_client_against_a_live_server(live_server: str) -> None:
    async def scenario() -> None:
        async with AsyncRancherClient(live_server, "AK", "SK") as client:
            created = await client.api_keys.create(ApiKeyCreate(name="async"))
            assert created.secret_value is not None
            inactive = await client.api_keys.wait_for_transition(
                await client.api_keys.deactivate(created)
            )
            assert inactive.state == "inactive"
            removed = await client.api_keys.remove(inactive)
            assert removed.state == "removed"
            seen = [key.id async for key in client.api_keys.iterate(limit=1)]
            assert created.id not in seen  # removed keys are hidden from lists
            with pytest.raises(NotFoundError):
                await client.api_keys.get("1c999")
            assert (await client.root())["id"] == "v1"

    asyncio.run(scenario())


def test_async_client_over_the_asgi_app(fake: FakeApiKeys) -> None:
    async def scenario() -> None:
        transport = httpx.ASGITransport(app=create_app(ResourceBackends(api_key=fake)))
        async with AsyncRancherClient("http://testserver", transport=transport) as client:
            created = await client.api_keys.create()
            assert created.name is None
            page = await client.api_keys.list()
            assert [key.id for key in page.data] == [created.id]

    asyncio.run(scenario())


# --- MockTransport: what goes over the wire ---------------------------------------------------
def _resource(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "1c7",
        "type": "apiKey",
        "links": {"self": "http://mock/v1/apikeys/1c7"},
        "actions": {"deactivate": "http://mock/v1/apikeys/1c7/?action=deactivate"},
        "baseType": "credential",
        "name": None,
        "description": None,
        "accountId": None,
        "kind": "apiKey",
        "publicValue": "A" * 20,
        "secretValue": None,
        "state": "active",
        "transitioning": "no",
        "transitioningMessage": None,
        "transitioningProgress": None,
        "uuid": "u",
        "created": "2017-01-20T10:00:00Z",
        "createdTS": 1,
        "removed": None,
    }
    body.update(changes)
    return body


def _mock(handler: Callable[[httpx.Request], httpx.Response]) -> RancherClient:
    return RancherClient("http://mock", "AK", "SK", transport=httpx.MockTransport(handler))


def test_requests_carry_basic_auth_and_follow_action_links() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(202, json=_resource(state="deactivating", transitioning="yes"))

    client = _mock(handler)
    result = client.api_keys.deactivate(ApiKey.from_dict(_resource()))
    assert result.state == "deactivating"
    request = seen[0]
    assert request.method == "POST"
    assert str(request.url) == "http://mock/v1/apikeys/1c7/?action=deactivate"
    expected = "Basic " + base64.b64encode(b"AK:SK").decode()
    assert request.headers["authorization"] == expected
    client.api_keys.perform_action("1c7", ApiKeyAction.REMOVE)
    assert str(seen[1].url) == "http://mock/v1/apiKeys/1c7?action=remove"


def test_create_sends_only_the_fields_set() -> None:
    bodies: list[Any] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(201, json=_resource(secretValue="s" * 40))

    client = _mock(handler)
    client.api_keys.create(ApiKeyCreate(name="only"))
    client.api_keys.create()
    client.api_keys.create(ApiKeyCreate(description=None))
    assert bodies == [{"name": "only"}, {}, {"description": None}]


def test_wait_for_transition_polls_until_done() -> None:
    states = iter([("activating", "yes"), ("activating", "yes"), ("active", "no")])
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        state, transitioning = next(states)
        return httpx.Response(200, json=_resource(state=state, transitioning=transitioning))

    client = _mock(handler)
    start = ApiKey.from_dict(_resource(state="registering", transitioning="yes"))
    done = client.api_keys.wait_for_transition(start, interval=0.001)
    assert done.state == "active" and len(calls) == 3
    assert set(calls) == {"http://mock/v1/apikeys/1c7"}


def test_wait_for_transition_times_out_and_reports_errors() -> None:
    client = _mock(lambda request: httpx.Response(200, json=_resource(transitioning="yes")))
    with pytest.raises(TransitionTimeoutError):
        client.api_keys.wait_for_transition("1c7", timeout=0.05, interval=0.01)
    failing = _mock(lambda request: httpx.Response(200, json=_resource(transitioning="error")))
    with pytest.raises(TransitionError) as failed:
        failing.api_keys.wait_for_transition("1c7")
    assert failed.value.resource.id == "1c7"


def test_non_json_errors_still_raise_typed() -> None:
    client = _mock(lambda request: httpx.Response(502, text="bad gateway"))
    with pytest.raises(RancherApiError) as err:
        client.api_keys.get("1c7")
    assert err.value.status == 502 and err.value.error is None


def test_injected_http_client_is_used_and_not_closed() -> None:
    http = httpx.Client(
        transport=httpx.MockTransport(lambda r: httpx.Response(200, json=_resource()))
    )
    with RancherClient("http://mock", http_client=http) as client:
        assert client.api_keys.get("1c7").id == "1c7"
    assert not http.is_closed
    http.close()
