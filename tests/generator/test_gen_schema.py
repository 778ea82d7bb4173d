"""The generated Rancher-native schema document against the real server's document."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests._checkout import REPO_ROOT

# a copy of /work/shared/reference/v1-schema-apikey-user.json (what a real server answers)
REFERENCE = Path(__file__).resolve().parent / "fixtures" / "v1-schema-apikey-user.json"
SHARED = Path("/work/shared/reference/v1-schema-apikey-user.json")
GENERATED = REPO_ROOT / "generated" / "schemas" / "apiKey.json"


def _rehost(value: Any, old: str, new: str) -> Any:
    return json.loads(json.dumps(value).replace(old, new))


def _reference() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(REFERENCE.read_text(encoding="utf-8"))
    if SHARED.exists():  # the copy is faithful
        assert json.loads(SHARED.read_text(encoding="utf-8")) == data
    return data


def test_schema_document_equals_the_reference() -> None:
    generated = json.loads(GENERATED.read_text(encoding="utf-8"))
    expected = _rehost(_reference(), "http://RANCHER:8080", "http://localhost:8080")
    # the one allowed difference: only the links the spec declares (other than self)
    assert expected["includeableLinks"] == ["images", "instances", "account"]
    expected["includeableLinks"] = ["account"]
    assert generated == expected


def test_state_options_are_sorted_and_nullable_omitted() -> None:
    fields = json.loads(GENERATED.read_text(encoding="utf-8"))["resourceFields"]
    assert fields["state"]["options"] == sorted(fields["state"]["options"])
    assert fields["transitioning"]["options"] == ["yes", "no", "error"]
    assert "nullable" not in fields["state"] and "nullable" not in fields["transitioning"]
    assert "createdTS" not in fields and "type" not in fields
