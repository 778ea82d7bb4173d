"""Write a synthetic spec of N resources in the apiKey style (for the generator benchmark).

    python -m bench.gen_synthetic_spec 100 /tmp/synthetic-100.json   # or .yaml

Resource 1 is apiKey itself; resources 2..N are copies of it under other names (`synth002Key`,
...), each with its own schemas (resource, collection, create, update) and paths, sharing the
spec's other components.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

import yaml

from rancher_contract.paths import DEFAULT_SPEC

__all__ = ["main", "synthetic_spec", "write_synthetic_spec"]


def _rename(value: Any, old: str, new: str) -> Any:
    """Rename schema references and operation ids inside one resource's copied paths."""
    if isinstance(value, dict):
        return {key: _rename(item, old, new) for key, item in value.items()}
    if isinstance(value, list):
        return [_rename(item, old, new) for item in value]
    if isinstance(value, str) and value.startswith("#/components/schemas/" + old):
        return value.replace("#/components/schemas/" + old, "#/components/schemas/" + new, 1)
    return value


def _clone(document: dict[str, Any], index: int) -> None:
    schemas = document["components"]["schemas"]
    rancher_type = f"synth{index:03d}Key"
    cls = rancher_type[0].upper() + rancher_type[1:]
    plural = rancher_type + "s"
    resource = copy.deepcopy(schemas["ApiKey"])
    resource["properties"]["type"]["const"] = rancher_type
    resource["properties"]["kind"]["const"] = rancher_type
    xr = resource["x-rancher-resource"]
    xr.update(
        type=rancher_type,
        pluralName=plural,
        createSchema=cls + "Create",
        updateSchema=cls + "Update",
        collectionSchema=cls + "Collection",
    )
    xr["operations"] = {
        "list": f"list{cls}s",
        "create": f"create{cls}",
        "get": f"get{cls}",
        "update": f"update{cls}",
        "delete": f"delete{cls}",
        "action": f"action{cls}",
    }
    schemas[cls] = resource
    for suffix in ("Create", "Update"):
        schemas[cls + suffix] = copy.deepcopy(schemas["ApiKey" + suffix])
    collection = copy.deepcopy(schemas["ApiKeyCollection"])
    collection["properties"]["resourceType"]["const"] = rancher_type
    collection["properties"]["data"]["items"] = {"$ref": f"#/components/schemas/{cls}"}
    collection["x-rancher-collection-of"] = cls
    schemas[cls + "Collection"] = collection

    paths = document["paths"]
    for template, path in (
        ("/v1/apiKeys", f"/v1/{plural}"),
        ("/v1/apiKeys/{id}", f"/v1/{plural}/{{id}}"),
    ):
        item = _rename(copy.deepcopy(paths[template]), "ApiKey", cls)
        for operation in item.values():
            if not isinstance(operation, dict) or "operationId" not in operation:
                continue
            kind = {v: k for k, v in schemas["ApiKey"]["x-rancher-resource"]["operations"].items()}
            operation["operationId"] = xr["operations"][kind[operation["operationId"]]]
            operation["tags"] = [rancher_type]
            for response in operation.get("responses", {}).values():
                if isinstance(response, dict):
                    # the spec's links and examples are apiKey's own
                    response.pop("links", None)
                    for content in response.get("content", {}).values():
                        content.pop("examples", None)
        paths[path] = item
    document.setdefault("tags", []).append({"name": rancher_type, "description": "synthetic"})


def synthetic_spec(count: int) -> dict[str, Any]:
    """The apiKey spec with `count - 1` more resources of the same shape."""
    document: dict[str, Any] = yaml.load(DEFAULT_SPEC.read_bytes(), Loader=yaml.CSafeLoader)
    for index in range(2, count + 1):
        _clone(document, index)
    return document


def write_synthetic_spec(count: int, path: Path) -> Path:
    """Write it as JSON (`.json`) or YAML (any other suffix); both are specs the generator reads."""
    document = synthetic_spec(count)
    if path.suffix == ".json":
        text = json.dumps(document, indent=1)
    else:
        text = yaml.dump(document, Dumper=yaml.CSafeDumper, sort_keys=False, width=120)
    path.write_text(text, encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or not args[0].isdigit() or int(args[0]) < 1:
        print("usage: python -m bench.gen_synthetic_spec COUNT OUT.json|OUT.yaml", file=sys.stderr)
        return 2
    write_synthetic_spec(int(args[0]), Path(args[1]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
