"""Identifiers as types: each sanitises, case-converts and escapes reserved words when built."""

from __future__ import annotations

import functools
import keyword
import re

__all__ = ["ClassName", "ConstantName", "PythonIdentifier", "snake_case"]

# legal names that break generated code (dataclass `self`, classmethod `cls`, our helpers)
_RESERVED = frozenset(
    {"self", "cls", "fields_set", "additional_properties", "from_dict", "to_dict"}
)
_WORD_BOUNDARY_1 = re.compile(r"([A-Z]+)([A-Z][a-z])")
_WORD_BOUNDARY_2 = re.compile(r"([a-z0-9])([A-Z])")
_NOT_IDENT = re.compile(r"[^0-9a-zA-Z_]+")


@functools.lru_cache(maxsize=4096)
def snake_case(value: str) -> str:
    """`publicValue` -> `public_value`, `createdTS` -> `created_ts`"""
    text = _NOT_IDENT.sub("_", value)
    text = _WORD_BOUNDARY_1.sub(r"\1_\2", text)
    text = _WORD_BOUNDARY_2.sub(r"\1_\2", text)
    return re.sub(r"_+", "_", text).strip("_").lower()


class PythonIdentifier(str):
    """A snake_case Python identifier; keywords and reserved names get a trailing underscore."""

    __slots__ = ()

    def __new__(cls, value: str) -> PythonIdentifier:
        text = snake_case(value) or "field"
        if text[0].isdigit():
            text = "_" + text
        if keyword.iskeyword(text) or keyword.issoftkeyword(text) or text in _RESERVED:
            text += "_"
        return super().__new__(cls, text)


class ClassName(str):
    """A PascalCase class name: `apiKey` -> `ApiKey`, `updating-active` -> `UpdatingActive`."""

    __slots__ = ()

    def __new__(cls, value: str) -> ClassName:
        parts = [part for part in _NOT_IDENT.sub(" ", value).replace("_", " ").split(" ") if part]
        text = "".join(part[0].upper() + part[1:] for part in parts) or "Model"
        if text[0].isdigit():
            text = "M" + text
        return super().__new__(cls, text)


class ConstantName(str):
    """An UPPER_SNAKE constant or enum member name: `updating-active` -> `UPDATING_ACTIVE`."""

    __slots__ = ()

    def __new__(cls, value: str) -> ConstantName:
        text = snake_case(value).upper() or "VALUE"
        if text[0].isdigit():
            text = "V_" + text
        if keyword.iskeyword(text):
            text += "_"
        return super().__new__(cls, text)
