"""Rancher's rules as schemathesis checks: each a small `(ctx, response, case)` function raising a
typed failure.

They are registered with `@schemathesis.check` when this module is imported (the pytest suite
imports it, and `schemathesis run` loads it through `contract_tests.hooks`). The rules themselves
live in `validate.py`, shared with the suite's own client.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, TypeAlias
from urllib.parse import urlsplit

import httpx
import schemathesis
from schemathesis.core.failures import Failure, Severity

from rancher_contract.contract_tests.resources import spec_model
from rancher_contract.contract_tests.rules import RULES, ContractViolation
from rancher_contract.contract_tests.spec import Spec, load_spec
from rancher_contract.contract_tests.validate import (
    Exchange,
    check_body,
    check_error,
    check_headers,
    operation_and_resource,
    operation_of,
)
from rancher_contract.specmodel import Field

AnyCase: TypeAlias = "schemathesis.Case[Any]"

__all__ = [
    "CHECK_NAMES",
    "STOCK_CHECK_RULES",
    "RancherFailure",
    "exchange_from",
    "rancher_action_result",
    "rancher_actions_map",
    "rancher_error_object",
    "rancher_headers",
    "rancher_invalid_text_rejected",
    "rancher_resource_envelope",
    "rancher_secret_once",
    "rancher_soft_delete",
    "rancher_writes_stored",
]

# The rule each stock schemathesis check stands for, for the failure summary.
STOCK_CHECK_RULES = {
    "not_a_server_error": "6.no-server-error",
    "status_code_conformance": "6.documented-status",
    "content_type_conformance": "7.headers",
    "response_headers_conformance": "7.headers",
    "response_schema_conformance": "7.response-schema",
    "positive_data_acceptance": "1.success-status",
    "negative_data_rejection": "6.error-object",
    "ignored_auth": "4.challenge",
    "ensure_resource_availability": "3.removed-hidden",
    "missing_required_header": "4.challenge",
}


class RancherFailure(Failure):
    """A response broke a rule of a Rancher contract."""

    code: ClassVar[str] = "ST950"
    kind_title: ClassVar[str] = "Rancher contract rule broken"
    __slots__ = ("rule_id",)

    def __init__(
        self, *, operation: str, rule_id: str, message: str, severity: Severity = Severity.HIGH
    ) -> None:
        super().__init__(
            operation=operation, title=str(RULES[rule_id]), message=message, severity=severity
        )
        self.rule_id = rule_id

    @property
    def _unique_key(self) -> str:
        return self.rule_id


class ErrorObjectFailure(RancherFailure):
    code = "ST951"
    kind_title = "Not a Rancher error object"


class ResourceEnvelopeFailure(RancherFailure):
    code = "ST952"
    kind_title = "Not a Rancher resource or collection"


class SecretExposedFailure(RancherFailure):
    code = "ST953"
    kind_title = "The secret is shown outside the create response"
    checks = ("rancher_secret_once",)


class ActionsMapFailure(RancherFailure):
    code = "ST954"
    kind_title = "The actions map disagrees with the state"


class HeadersFailure(RancherFailure):
    code = "ST955"
    kind_title = "Content-Type or X-API-Schemas is wrong"


class ValidationFailure(RancherFailure):
    code = "ST956"
    kind_title = "Invalid input not rejected as Rancher does"


class WriteFailure(RancherFailure):
    code = "ST957"
    kind_title = "A write did not do what Rancher does"


class LifecycleFailure(RancherFailure):
    code = "ST958"
    kind_title = "A lifecycle step went wrong"


def _header_map(headers: Any) -> dict[str, str]:
    result: dict[str, str] = {}
    for name, value in dict(headers).items():
        result[name.lower()] = ", ".join(value) if isinstance(value, list) else str(value)
    return result


def exchange_from(response: schemathesis.Response) -> Exchange:
    request = response.request
    body = request.body
    text_body = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    if not isinstance(text_body, str | None):
        text_body = None  # a streamed body: not shown
    return Exchange(
        method=str(request.method),
        url=str(request.url),
        status=response.status_code,
        headers=_header_map(response.headers),
        text=response.content.decode("utf-8", "replace"),
        request_body=text_body,
    )


def _api_base(case: AnyCase, exchange: Exchange) -> str:
    base = case.operation.base_url or ""
    if not base:
        parts = urlsplit(exchange.url)
        base = f"{parts.scheme}://{parts.netloc}"
    return base.rstrip("/") + "/v1"


def _off_contract(case: AnyCase, response: schemathesis.Response) -> bool:
    """A method the operation does not have (the coverage phase's probes): the contract says nothing
    of it.
    """
    return str(response.request.method).upper() != case.method.upper()


def _run(failure: type[RancherFailure], case: AnyCase, check: Callable[[], None]) -> None:
    try:
        check()
    except ContractViolation as exc:
        raise failure(
            operation=case.operation.label, rule_id=exc.rule.id, message=exc.detail
        ) from None


@schemathesis.check
def rancher_error_object(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: AnyCase
) -> bool | None:
    """Every 4xx/5xx is the Rancher error object; a 401 carries the Basic challenge (sections 4 and
    6).
    """
    if _off_contract(case, response):
        return None
    if response.status_code < 400:
        return None
    exchange = exchange_from(response)
    _run(ErrorObjectFailure, case, lambda: check_error(exchange))
    return True


@schemathesis.check
def rancher_resource_envelope(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: AnyCase
) -> bool | None:
    """The resource envelope and fields, absolute links, links.self; collection envelope (2, 5)."""
    if _off_contract(case, response):
        return None
    exchange = exchange_from(response)
    _run(ResourceEnvelopeFailure, case, lambda: check_body(exchange, frozenset({"shape"})))
    return True


@schemathesis.check
def rancher_secret_once(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: AnyCase
) -> bool | None:
    """A field read on create only (a secret) is in the 201 response only (generated, or
    the value sent or null), null in every other response but an action's, which may carry the
    stored hash, never the secret (sections 2, 8).
    """
    if _off_contract(case, response):
        return None
    exchange = exchange_from(response)
    _run(SecretExposedFailure, case, lambda: check_body(exchange, frozenset({"secret"})))
    return True


@schemathesis.check
def rancher_actions_map(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: AnyCase
) -> bool | None:
    """The actions map lists exactly the lifecycle actions valid in the resource's state (section
    3).
    """
    if _off_contract(case, response):
        return None
    exchange = exchange_from(response)
    _run(ActionsMapFailure, case, lambda: check_body(exchange, frozenset({"actions"})))
    return True


@schemathesis.check
def rancher_headers(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: AnyCase
) -> bool | None:
    """Content-Type: application/json; charset=utf-8 and X-API-Schemas on every response (section
    7).
    """
    if _off_contract(case, response):
        return None
    exchange = exchange_from(response)
    _run(HeadersFailure, case, lambda: check_headers(exchange, _api_base(case, exchange)))
    return True


def _spec_of(case: AnyCase, exchange: Exchange) -> Spec | None:
    """The resource the checked operation is on: by its operationId in the spec model, else by the
    request's path (the type segment)."""
    operation_id = case.operation.definition.raw.get("operationId")
    for resource in spec_model().resources:
        if any(op.operation_id == operation_id for op in resource.operations):
            return load_spec(resource.type)
    on_path = operation_and_resource(exchange)[1]
    return load_spec(on_path.type) if on_path is not None else None


def _is_text(field: Field) -> bool:
    return "string" in field.json_types and set(field.json_types) <= {"string", "null"}


def _text_fields(case: AnyCase, spec: Spec, operation: str) -> dict[str, tuple[Field, Any]]:
    """The resource's text fields that the body writes (create or update), with their values."""
    body = case.body
    if not isinstance(body, dict):
        return {}
    return {
        field.name: (field, body[field.name])
        for field in spec.resource.fields
        if field.name in body
        and _is_text(field)
        and (field.create if operation == "create" else field.update)
    }


def _otherwise_invalid(case: AnyCase, spec: Spec, operation: str) -> set[str]:
    """The fields a write body gets wrong in ways this check does not judge (null for a
    non-nullable field, too short, not an option, a required field missing): a server may name
    any of them first."""
    body = case.body if isinstance(case.body, dict) else {}
    found = set()
    for field in spec.resource.fields:
        if not (field.create if operation == "create" else field.update):
            continue
        if field.name not in body:
            if operation == "create" and field.required:
                found.add(field.name)
            continue
        value = body[field.name]
        if value is None and not field.wire_nullable:
            found.add(field.name)
        elif isinstance(value, str) and field.min_length is not None:
            if len(value) < field.min_length:
                found.add(field.name)
        if field.options is not None and value is not None and value not in field.options:
            found.add(field.name)
    return found


@schemathesis.check
def rancher_invalid_text_rejected(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: AnyCase
) -> bool | None:
    """An object/array for a text field is 422 InvalidFormat; over-long text is 422
    MaxLengthExceeded (2, 6).

    This is the Rancher form of `negative_data_rejection`: numbers and booleans may be coerced,
    unknown and read-only fields are ignored, so only these two cases must be rejected. The text
    fields and their lengths are those of the resource the operation is on.
    """
    if _off_contract(case, response):
        return None
    exchange = exchange_from(response)
    operation = operation_of(exchange)
    if operation not in {"create", "update"} or response.status_code in {400, 401, 404, 409}:
        return None
    spec = _spec_of(case, exchange)
    if spec is None:
        return None
    texts = _text_fields(case, spec, operation)
    expected: dict[
        str, tuple[str, str]
    ] = {}  # field -> (rule, code); with several, any one may be reported
    for name, (field, value) in texts.items():
        if isinstance(value, (dict, list)):
            expected[name] = ("2.invalid-format", "InvalidFormat")
        elif (
            isinstance(value, str)
            and field.max_length is not None
            and len(value) > field.max_length
        ):
            expected[name] = ("2.max-length", "MaxLengthExceeded")
    if not expected:
        return None
    body = exchange.json if isinstance(exchange.json, dict) else {}
    named = str(body.get("fieldName"))
    reported = expected.get(named)
    if response.status_code == 422 and named in _otherwise_invalid(case, spec, operation):
        return True
    if response.status_code != 422 or reported is None or reported[1] != body.get("code"):
        name, (rule_id, _) = next(iter(expected.items()))
        value = texts[name][1]
        raise ValidationFailure(
            operation=case.operation.label,
            rule_id=rule_id,
            message=f"{name} = {str(value)[:80]!r}{'...' if len(str(value)) > 80 else ''} was "
            f"answered {response.status_code} {body.get('code')!r} (fieldName "
            f"{body.get('fieldName')!r}), expected 422 "
            + " or ".join(f"{c} for {f}" for f, (_, c) in expected.items()),
        )
    return True


def _plain_text(value: str) -> bool:
    return "\x00" not in value and not any("\ud800" <= c <= "\udfff" for c in value)


@schemathesis.check
def rancher_writes_stored(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: AnyCase
) -> bool | None:
    """A successful create or update returns the text it was sent (section 2): every text field
    of the resource the body writes, but those read on create only (a secret: its own check)."""
    if _off_contract(case, response):
        return None
    exchange = exchange_from(response)
    operation = operation_of(exchange)
    if operation not in {"create", "update"} or not 200 <= response.status_code < 300:
        return None
    spec = _spec_of(case, exchange)
    if spec is None:
        return None
    body = exchange.json if isinstance(exchange.json, dict) else {}
    for name, (field, value) in _text_fields(case, spec, operation).items():
        if field.read_on_create_only:
            continue
        if isinstance(value, str) and not _plain_text(value):
            continue  # NUL or a lone surrogate: what a server keeps of it is left open
        if (value is None or isinstance(value, str)) and body.get(name) != value:
            raise WriteFailure(
                operation=case.operation.label,
                rule_id="2.writable-fields",
                message=f"sent {name} = {value!r}, the response has {body.get(name)!r}",
            )
    return True


@schemathesis.check
def rancher_action_result(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: AnyCase
) -> bool | None:
    """A 202 action shows the action's transitioning or done state (section 3)."""
    if _off_contract(case, response):
        return None
    exchange = exchange_from(response)
    if operation_of(exchange) != "action" or response.status_code != 202:
        return None
    spec = _spec_of(case, exchange)
    if spec is None:
        return None
    action = (exchange.query.get("action") or [""])[0]
    body = exchange.json if isinstance(exchange.json, dict) else {}
    rule = spec.actions.get(action)
    if rule is not None and body.get("state") not in {rule.through, rule.done}:
        raise LifecycleFailure(
            operation=case.operation.label,
            rule_id="3.action-result",
            message=f"{action} answered 202 with state {body.get('state')!r}, expected "
            f"{rule.through!r} or {rule.done!r}",
        )
    return True


@schemathesis.check
def rancher_soft_delete(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: AnyCase
) -> bool | None:
    """DELETE is a soft delete: 200 with the resource removing or removed (the states of its own
    lifecycle), and it stays readable (section 3).

    This replaces the stock `use_after_free`, which is wrong for Rancher.
    """
    if _off_contract(case, response):
        return None
    exchange = exchange_from(response)
    if operation_of(exchange) != "delete" or response.status_code != 200:
        return None
    body = exchange.json if isinstance(exchange.json, dict) else {}
    spec = _spec_of(case, exchange)
    if spec is None:
        return None
    if body.get("state") not in spec.removed_states | {spec.removal.through}:
        raise LifecycleFailure(
            operation=case.operation.label,
            rule_id="3.delete-removes",
            message=f"DELETE answered 200 with state {body.get('state')!r}, not removing/removed",
        )
    self_url = (body.get("links") or {}).get("self")
    if isinstance(self_url, str):
        headers = {}
        if "Authorization" in response.request.headers:
            headers["Authorization"] = str(response.request.headers["Authorization"])
        try:
            again = httpx.get(self_url, headers=headers, timeout=15)
        except httpx.HTTPError:
            return True
        if again.status_code != 200:
            raise LifecycleFailure(
                operation=case.operation.label,
                rule_id="3.removed-hidden",
                message=(
                    f"after DELETE, GET {self_url} answered {again.status_code}; a removed "
                    "key stays readable"
                ),
            )
    return True


CHECK_NAMES = tuple(name for name in __all__ if name.startswith("rancher_"))
