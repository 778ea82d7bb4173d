"""The generated client against the reference server (SQLite behind the stubs)"""

from __future__ import annotations

import pytest

from rancher_contract.generated.client import (
    ApiKeyCreate,
    RancherClient,
    UnauthorizedError,
    ValidationError,
)
from rancher_contract.reference_server import testing


def test_lifecycle_through_the_reference_server() -> None:
    with testing.running_server() as server:
        with RancherClient(server.base_url, server.access_key, server.secret_key) as client:
            created = client.api_keys.create(ApiKeyCreate(name="gen-client", description="d"))
            assert created.secret_value is not None and created.public_value
            active = client.api_keys.wait_for_transition(created, timeout=10)
            assert active.state == "active" and active.secret_value is None
            with RancherClient(server.base_url, created.public_value, created.secret_value) as own:
                assert any(key.id == created.id for key in own.api_keys.iterate())
            inactive = client.api_keys.wait_for_transition(
                client.api_keys.deactivate(active), timeout=10
            )
            assert set(inactive.actions) >= {"activate", "remove"}
            with pytest.raises(ValidationError) as refused:
                client.api_keys.purge(inactive)
            assert refused.value.code == "ActionNotAvailable"
            removed = client.api_keys.wait_for_transition(
                client.api_keys.delete(inactive), timeout=10
            )
            assert removed.state == "removed"
        with RancherClient(server.base_url, "nobody", "nothing") as stranger:
            with pytest.raises(UnauthorizedError):
                stranger.api_keys.list()
