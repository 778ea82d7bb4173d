"""The documentation page (the form of Rancher's v1.2 docs) and the identifier types of the IR."""

from __future__ import annotations

import pytest
from gen_support import GENERATED

from rancher_contract.generator.ir.names import ClassName, ConstantName, PythonIdentifier
from rancher_contract.generator.render import docstring, py_literal

PAGE = (GENERATED / "docs" / "apiKey.md").read_text(encoding="utf-8")


def test_required_create_fields_say_yes() -> None:
    page = (GENERATED / "docs" / "registryCredential.md").read_text(encoding="utf-8")
    assert "\nemail | string | Yes | Yes | - | " in page
    assert "\nregistryId | [registry](" in page and " | Yes | - | - | " in page
    assert "\npublicValue | string | Optional | Yes | - | " in page


def test_docs_page_has_front_matter_fields_operations_and_actions() -> None:
    assert PAGE.startswith("---\ntitle: Rancher API - apiKey\n")
    assert "Field | Type | Create | Update | Default | Notes" in PAGE
    assert "name | string | Optional | Yes | - | " in PAGE
    assert "publicValue | string | - | - | - | The public value of the apiKey" in PAGE
    assert "secretValue | [password](" in PAGE
    assert "\nstate |" not in PAGE  # a common field, on the common-fields page
    for method, path in (("POST", "/v1/apiKeys"), ("PUT", "/v1/apiKeys/${ID}")):
        assert f"-X {method} \\\n" in PAGE
        assert f"'http://RANCHER_URL:8080{path}'" in PAGE
    assert '{\n\t"description": "string",\n\t"name": "string"\n}' in PAGE
    for action in ("activate", "deactivate", "remove", "purge"):
        assert f"<code>/v1/apiKeys/${{ID}}?action={action}</code>" in PAGE
    assert PAGE.count("This action has no inputs") == 4


@pytest.mark.parametrize(
    ("wire", "python", "cls", "const"),
    [
        ("publicValue", "public_value", "PublicValue", "PUBLIC_VALUE"),
        ("createdTS", "created_ts", "CreatedTS", "CREATED_TS"),
        ("accountId", "account_id", "AccountId", "ACCOUNT_ID"),
        ("updating-active", "updating_active", "UpdatingActive", "UPDATING_ACTIVE"),
        ("from", "from_", "From", "FROM"),
        ("self", "self_", "Self", "SELF"),
        ("match", "match_", "Match", "MATCH"),
        ("2fa", "_2fa", "M2fa", "V_2FA"),
    ],
)
def test_identifier_types(wire: str, python: str, cls: str, const: str) -> None:
    assert PythonIdentifier(wire) == python and python.isidentifier()
    assert ClassName(wire) == cls
    assert ConstantName(wire) == const


def test_python_literals_and_docstrings() -> None:
    assert py_literal(("a",)) == '("a",)'
    assert py_literal(["a", 'b"c']) == '("a", "b\\"c")'
    assert py_literal({"k": None, "n": 3}) == '{"k": None, "n": 3}'
    assert docstring("Short.") == '"""Short."""'
    long = docstring("word " * 40, 4)
    assert long.startswith('"""word') and long.endswith('\n    """')
    assert all(len(line) <= 100 for line in long.splitlines())
    assert '\\"\\"\\"' in docstring('a """ b')
