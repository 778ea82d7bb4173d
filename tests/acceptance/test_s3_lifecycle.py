"""Contract section 3: the lifecycle, in both transition modes.

`api` completes transitions at once (transition delay 0); `async_api` takes ASYNC_DELAY seconds per
transition, so the transitioning states can be observed and acted on. Either way the tests accept a
response in the transitioning state or already in the done state, and poll until `transitioning` is
not "yes"."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from ._support import (
    ACTION_TABLE,
    ACTIONS_BY_STATE,
    ASYNC_DELAY,
    EXTRA_ACTIONS,
    LIFECYCLE_ACTIONS,
    TRANSITIONING_STATES,
    Api,
    assert_error,
    assert_status,
    describe,
    lifecycle_actions,
    unique,
    valid_actions,
)

STABLE_STATES = ("active", "inactive", "removed", "purged")


def _assert_transition_response(response_body: dict[str, Any], action: str) -> None:
    """An action (or create) response shows the transitioning state, or already the done state."""
    _, through, done = ACTION_TABLE[action] if action != "create" else ((), "registering", "active")
    state = response_body["state"]
    assert state in (through, done), (
        f"{action}: response state {state!r}, expected {through} or {done}"
    )
    if state == through:
        assert response_body["transitioning"] == "yes", response_body
    else:
        assert response_body["transitioning"] == "no", response_body


# --- create ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_s3_create_goes_through_registering_to_active(api: Api, async_api: Api, mode: str) -> None:
    server = api if mode == "sync" else async_api
    created = server.create(name=unique("s3-create"))
    _assert_transition_response(created, "create")
    key = server.wait(created)
    assert key["state"] == "active" and key["transitioning"] == "no", key
    assert key["transitioningMessage"] is None, key


# --- every allowed action from every reachable start state ----------------------------------------

ALLOWED_SYNC = [
    ("active", "deactivate"),
    ("inactive", "activate"),
    ("inactive", "remove"),
    ("removed", "purge"),
]


@pytest.mark.parametrize(
    ("start", "action"), ALLOWED_SYNC, ids=[f"{s}-{a}" for s, a in ALLOWED_SYNC]
)
def test_s3_action_from_start_state_reaches_done_state(api: Api, start: str, action: str) -> None:
    """(In the asynchronous mode: test_s3_async_full_path_shows_every_transitioning_state.)"""
    key = api.new_in(start, unique(f"s3-{start}-{action}"))
    assert action in key["actions"], f"{action} not offered in {start}: {key['actions']}"
    response = api.act(key, action)
    body = assert_status(response, 202)
    assert body["id"] == key["id"], describe(response)
    _assert_transition_response(body, action)
    done = api.wait(body)
    assert done["state"] == ACTION_TABLE[action][2], done
    assert done["transitioning"] == "no", done


def _observed_in(key: dict[str, Any], state: str, started: float) -> Callable[[], None]:
    """A guard for async tests: skip when the transitioning state was not (or no longer) observable.

    `started` is taken before the request that began the transition: while less than the transition
    delay has passed on the client's clock, less has passed on the server's too.
    """
    if key["state"] != state:
        pytest.skip(f"the server completed the transition at once (MAY): state {key['state']}")

    def still() -> None:
        if time.monotonic() - started >= ASYNC_DELAY * 0.8:
            pytest.skip("too slow to act while the key was still transitioning")

    return still


@pytest.mark.parametrize("action", ["activate", "deactivate", "remove"])
def test_s3_action_from_registering_reaches_done_state(async_api: Api, action: str) -> None:
    started = time.monotonic()
    created = async_api.create(name=unique(f"s3-registering-{action}"))
    if created["state"] != "registering":
        pytest.skip("the server completed the create transition at once (MAY)")
    response = async_api.act(created, action)
    if time.monotonic() - started >= ASYNC_DELAY * 0.8:
        pytest.skip("too slow to act while the key was registering")
    body = assert_status(response, 202)
    _assert_transition_response(body, action)
    done = async_api.wait(body)
    assert done["state"] == ACTION_TABLE[action][2], done


def test_s3_deactivate_from_activating_reaches_inactive(async_api: Api) -> None:
    key = async_api.new_inactive(unique("s3-activating"))
    started = time.monotonic()
    activating = assert_status(async_api.act(key, "activate"), 202)
    if activating["state"] != "activating":
        pytest.skip("the server completed activate at once (MAY)")
    response = async_api.act(activating, "deactivate")
    if time.monotonic() - started >= ASYNC_DELAY * 0.8:
        pytest.skip("too slow to act while the key was activating")
    body = assert_status(response, 202)
    _assert_transition_response(body, "deactivate")
    assert async_api.wait(body)["state"] == "inactive"


def test_s3_async_full_path_shows_every_transitioning_state(async_api: Api) -> None:
    """create -> registering -> active -> deactivating -> inactive -> activating -> active ->
    deactivating -> inactive -> removing -> removed -> purging -> purged, polling in between.

    Each response shows the transitioning state or already the done state (MAY); the reference
    server started with a transition delay must show the transitioning state."""
    created = async_api.create(name=unique("s3-path"))
    _assert_transition_response(created, "create")
    if async_api.delayed:
        assert created["state"] == "registering", created
    if created["transitioning"] == "yes":
        assert created["transitioningMessage"], created
    key = async_api.wait(created)
    assert key["state"] == "active"
    for action in ("deactivate", "activate", "deactivate", "remove", "purge"):
        body = assert_status(async_api.act(key, action), 202)
        through, done = ACTION_TABLE[action][1:]
        _assert_transition_response(body, action)
        if async_api.delayed:
            assert body["state"] == through, body
        if body["transitioning"] == "yes":
            assert isinstance(body["transitioningMessage"], str), body
            assert body["transitioningMessage"], body
        key = async_api.wait(body)
        assert key["state"] == done and key["transitioning"] == "no", key
        assert key["transitioningMessage"] is None, key


# --- forbidden actions ----------------------------------------------------------------------------

FORBIDDEN_SYNC = [
    (state, action)
    for state in STABLE_STATES
    for action in LIFECYCLE_ACTIONS
    if action not in valid_actions(state)
]


@pytest.mark.parametrize(
    ("state", "action"), FORBIDDEN_SYNC, ids=[f"{s}-{a}" for s, a in FORBIDDEN_SYNC]
)
def test_s3_action_not_in_actions_map_is_422_action_not_available(
    api: Api, state: str, action: str
) -> None:
    key = api.new_in(state, unique(f"s3-forbid-{state}"))
    assert action not in key["actions"], key
    response = api.client.post(api.action_url(key["id"], action, slash=True))
    assert_error(response, 422, "ActionNotAvailable", field_name="action")
    after = api.get(key)
    assert after["state"] == state, f"a refused {action} changed the state: {after}"


TRANSITION_SETUP = {
    "activating": ("inactive", "activate"),
    "deactivating": ("active", "deactivate"),
    "removing": ("inactive", "remove"),
    "purging": ("removed", "purge"),
}


@pytest.mark.parametrize("state", list(TRANSITION_SETUP))
def test_s3_during_transition_actions_map_and_invalid_actions_422_action_not_available(
    async_api: Api, state: str
) -> None:
    """The map lists only the actions the table lets start from the transitioning state; the others
    answer 422 ActionNotAvailable."""
    start, action = TRANSITION_SETUP[state]
    key = async_api.new_in(start, unique(f"s3-during-{state}"))
    started = time.monotonic()
    body = assert_status(async_api.act(key, action), 202)
    still = _observed_in(body, state, started)
    assert lifecycle_actions(body) == valid_actions(state), (
        f"{state}: actions {sorted(body['actions'])}, expected {sorted(valid_actions(state))}"
    )
    forbidden = [name for name in LIFECYCLE_ACTIONS if name not in valid_actions(state)]
    for name in forbidden:
        response = async_api.client.post(async_api.action_url(key["id"], name))
        still()
        assert_error(response, 422, "ActionNotAvailable", field_name="action")
    assert async_api.wait(key)["state"] == ACTION_TABLE[action][2]


def test_s3_purge_from_registering_is_422_action_not_available(async_api: Api) -> None:
    started = time.monotonic()
    created = async_api.create(name=unique("s3-reg-purge"))
    if created["state"] != "registering":
        pytest.skip("the server completed the create transition at once (MAY)")
    response = async_api.client.post(async_api.action_url(created["id"], "purge"))
    if time.monotonic() - started >= ASYNC_DELAY * 0.8:
        pytest.skip("too slow to act while the key was registering")
    assert_error(response, 422, "ActionNotAvailable", field_name="action")
    assert async_api.wait(created)["state"] == "active"


@pytest.mark.parametrize("action", ["explode", "delete", "activateNow"])
def test_s3_unknown_action_is_422_invalid_action(api: Api, action: str) -> None:
    key = api.new_active(unique("s3-unknown-action"))
    for url in (api.action_url(key["id"], action), api.action_url(key["id"], action, slash=True)):
        assert_error(api.client.post(url), 422, "InvalidAction", field_name="action")
    assert api.get(key)["state"] == "active"


@pytest.mark.parametrize("action", LIFECYCLE_ACTIONS)
def test_s3_action_on_unknown_id_is_404(api: Api, action: str) -> None:
    for url in (api.action_url("1c999999", action), api.action_url("1c999999", action, slash=True)):
        assert_error(api.client.post(url), 404, "Not Found")


# --- the actions map ------------------------------------------------------------------------------


@pytest.mark.parametrize("state", STABLE_STATES)
def test_s3_actions_map_exact_for_state(api: Api, state: str) -> None:
    key = api.new_in(state, unique(f"s3-map-{state}"))
    for resource in (key, api.get(key), *api.list({"id": key["id"]})["data"]):
        assert lifecycle_actions(resource) == ACTIONS_BY_STATE[state], (
            f"{state}: actions {sorted(resource['actions'])}, lifecycle part must be "
            f"{sorted(ACTIONS_BY_STATE[state])}"
        )
        extra = set(resource["actions"]) - set(LIFECYCLE_ACTIONS)
        assert extra <= EXTRA_ACTIONS, (
            f"{state}: actions other than lifecycle/update/create: {extra}"
        )


def test_s3_actions_map_exact_for_registering(api: Api, async_api: Api) -> None:
    for server in (api, async_api):
        created = server.create(name=unique("s3-map-registering"))
        if created["state"] != "registering":
            continue  # completed at once (MAY)
        assert lifecycle_actions(created) == ACTIONS_BY_STATE["registering"], created["actions"]
        assert set(created["actions"]) - set(LIFECYCLE_ACTIONS) <= EXTRA_ACTIONS, created["actions"]


@pytest.mark.parametrize("state", STABLE_STATES)
def test_s3_actions_map_urls_work(api: Api, state: str) -> None:
    key = api.new_in(state, unique(f"s3-map-urls-{state}"))
    for action in lifecycle_actions(key):
        fresh = api.new_in(state, unique(f"s3-map-urls-{state}"))
        response = api.client.post(fresh["actions"][action])
        assert_status(response, 202)
        assert api.wait(fresh)["state"] == ACTION_TABLE[action][2]


# --- DELETE ---------------------------------------------------------------------------------------


def test_s3_delete_of_active_key_is_405(api: Api) -> None:
    key = api.new_active(unique("s3-delete-active"))
    assert_error(api.delete(key), 405, "Method not allowed")
    after = api.get(key)
    assert after["state"] == "active" and after["removed"] is None, after
    assert key["id"] in [item["id"] for item in api.list({"name": key["name"]})["data"]]


def test_s3_delete_of_inactive_key_is_200_removing_then_removed(api: Api) -> None:
    key = api.new_inactive(unique("s3-delete-inactive"))
    response = api.delete(key)
    body = assert_status(response, 200)
    assert body["id"] == key["id"], describe(response)
    _assert_transition_response(body, "remove")
    removed = api.wait(key)
    assert removed["state"] == "removed" and removed["removed"] is not None, removed


def test_s3_delete_of_already_removed_key_is_200(api: Api) -> None:
    key = api.new_removed(unique("s3-delete-removed"))
    response = api.delete(key)
    body = assert_status(response, 200)
    assert body["id"] == key["id"] and body["state"] == "removed", describe(response)
    after = api.get(key)
    assert after["state"] == "removed" and after["removed"] == key["removed"], after


def test_s3_delete_of_purged_key_is_200(api: Api) -> None:
    key = api.new_purged(unique("s3-delete-purged"))
    response = api.delete(key)
    body = assert_status(response, 200)
    assert body["id"] == key["id"] and body["state"] == "purged", describe(response)
    assert api.get(key)["state"] == "purged"


def test_s3_delete_of_registering_key_is_200(async_api: Api) -> None:
    started = time.monotonic()
    created = async_api.create(name=unique("s3-delete-registering"))
    if created["state"] != "registering":
        pytest.skip("the server completed the create transition at once (MAY)")
    response = async_api.delete(created)
    if time.monotonic() - started >= ASYNC_DELAY * 0.8:
        pytest.skip("too slow to act while the key was registering")
    body = assert_status(response, 200)
    _assert_transition_response(body, "remove")
    assert async_api.wait(created)["state"] == "removed"


def test_s3_delete_while_purging_is_200(async_api: Api) -> None:
    """A purging key is already removed (its `removed` date is set)."""
    key = async_api.new_removed(unique("s3-delete-purging"))
    started = time.monotonic()
    body = assert_status(async_api.act(key, "purge"), 202)
    still = _observed_in(body, "purging", started)
    response = async_api.delete(key)
    still()
    deleted = assert_status(response, 200)
    assert deleted["state"] in ("purging", "purged") and deleted["removed"] == key["removed"], (
        deleted
    )
    assert async_api.wait(key)["state"] == "purged"


def test_s3_delete_while_deactivating_is_405(async_api: Api) -> None:
    key = async_api.new_active(unique("s3-delete-deactivating"))
    started = time.monotonic()
    body = assert_status(async_api.act(key, "deactivate"), 202)
    still = _observed_in(body, "deactivating", started)
    response = async_api.delete(key)
    still()
    assert_error(response, 405, "Method not allowed")
    after = async_api.wait(key)
    assert after["state"] == "inactive" and after["removed"] is None, after


# --- removed keys: hidden from lists, readable by id ----------------------------------------------


@pytest.mark.parametrize("state", ["removed", "purged"])
def test_s3_removed_key_hidden_from_lists_but_readable_by_id(api: Api, state: str) -> None:
    key = api.new_in(state, unique(f"s3-hidden-{state}"))
    for params in ({"name": key["name"]}, {"id": key["id"]}, {"state": state}, {}):
        ids = [item["id"] for item in api.list_all(list(params.items()))]
        assert key["id"] not in ids, f"a {state} key is listed with {params}"
    read = api.client.get(api.url(key["id"]))
    body = assert_status(read, 200)
    assert body["state"] == state and body["removed"] is not None, describe(read)


def test_s3_lists_never_show_a_key_with_removed_set(api: Api) -> None:
    api.new_removed(unique("s3-never"))
    for item in api.list_all():
        assert item["removed"] is None, f"listed with removed set: {item}"


def test_s3_key_hidden_as_soon_as_removed_is_set(async_api: Api) -> None:
    key = async_api.new_inactive(unique("s3-hidden-async"))
    body = assert_status(async_api.delete(key), 200)
    deadline = time.monotonic() + 10
    while True:
        listed = async_api.list({"name": key["name"]})["data"]
        current = async_api.get(key)
        if current["removed"] is not None:
            # read after the list: if set now, the list right after must not show the key
            listed = async_api.list({"name": key["name"]})["data"]
            assert key["id"] not in [i["id"] for i in listed], f"listed with removed set: {current}"
            break
        assert current["state"] == "removing" or body["state"] == "removed", current
        assert time.monotonic() < deadline, current
        time.sleep(0.02)
    assert async_api.wait(key)["state"] == "removed"


# --- PUT never changes the state ------------------------------------------------------------------


@pytest.mark.parametrize("state", STABLE_STATES)
def test_s3_put_in_any_state_never_changes_state(api: Api, state: str) -> None:
    key = api.new_in(state, unique(f"s3-put-{state}"))
    new_name = unique(f"s3-put-{state}-renamed")
    response = api.put(key, {"name": new_name, "description": f"in {state}"})
    body = assert_status(response, 200)
    assert body["state"] == state, f"PUT changed the state: {describe(response)}"
    assert body["name"] == new_name and body["description"] == f"in {state}", describe(response)
    after = api.wait(key)
    assert after["state"] == state and after["name"] == new_name, after
    assert after["removed"] == key["removed"], after


def test_s3_put_while_transitioning_never_changes_state(async_api: Api) -> None:
    key = async_api.new_active(unique("s3-put-async"))
    started = time.monotonic()
    body = assert_status(async_api.act(key, "deactivate"), 202)
    _observed_in(body, "deactivating", started)
    response = async_api.put(key, {"name": unique("s3-put-async-renamed")})
    if response.status_code == 409:
        pytest.skip("409 Conflict for a change during a transition")
    updated = assert_status(response, 200)
    assert updated["state"] in ("deactivating", "inactive"), describe(response)
    assert async_api.wait(key)["state"] == "inactive"


def test_s3_transitioning_state_flags(async_api: Api) -> None:
    created = async_api.create(name=unique("s3-flags"))
    for resource in (created, async_api.wait(created)):
        expected = "yes" if resource["state"] in TRANSITIONING_STATES else "no"
        assert resource["transitioning"] == expected, resource
