"""The contract rules the suite checks, each tied to its section of the contract (the apiKey
contract's numbering, which the other resources' contracts follow).

Every assertion of the suite raises `ContractViolation` with one of these rules, so that a failure
always says which rule broke. The ids are stable: the failure summary, the fault self-check and the
docs refer to them.
"""

from __future__ import annotations

from dataclasses import dataclass

from rancher_contract.contract_tests.resources import spec_model

__all__ = ["RULES", "ContractViolation", "Rule", "rule", "violation"]


@dataclass(frozen=True)
class Rule:
    id: str
    section: str
    text: str

    def __str__(self) -> str:
        return f"[{self.id}] {self.text} (contract {self.section})"


_SECTIONS = {
    "1": "§1 Endpoints",
    "2": "§2 The resource",
    "3": "§3 Lifecycle",
    "4": "§4 Authentication",
    "5": "§5 Collections",
    "6": "§6 Errors",
    "7": "§7 Headers and schemas",
}

_TEXTS = {
    "1.success-status": "each operation answers its documented success status "
    "(list/read/update/delete 200, create 201, action 202)",
    "1.root-links": "GET /v1 links to schemas and to the collection of every resource of the spec "
    "set",
    "1.type-segment": "the type segment is case-insensitive and may be the resource's type "
    "(singular) or its plural",
    "1.action-slash": "an action is accepted with and without the slash before '?action='",
    "1.absolute-urls": "every URL in a response is absolute and built from the request's Host",
    "2.resource-shape": "a resource carries id, type, links, actions, baseType and every field "
    "(null fields present), in their documented forms",
    "2.links-self": "links.self is the resource's own URL",
    "2.secret-once": "a field read on create only (secretValue) shows a value only in the create "
    "(201) response: a generated one in full (an API key's 40-character secret), a written one "
    "as sent or null; null in every later GET, list, PUT and DELETE; an action response may "
    "carry the stored value but never the clear value of one stored as a hash",
    "2.secret-hidden": "a field read on create only can never be read back: its value never "
    "appears in a GET body, and no filter on the clear value of one stored as a hash finds the "
    "resource",
    "2.writable-fields": "create and update store the writable fields and ignore unknown and "
    "read-only fields; where no field is required, {} creates a resource",
    "2.generated-values": "a generated field (an API key's publicValue, 20 characters [0-9A-F], "
    "and secret) is drawn by the server in its declared length and alphabet; a unique one is "
    "unique",
    "2.required": "a create without a field the spec requires answers 422 MissingRequired naming "
    "it; null for a field that may not be null answers 422 NotNullable",
    "2.reference": "a reference field naming no existing resource of its type answers 422 "
    "InvalidReference with fieldName",
    "2.create-only": "a field written on create only is ignored in a PUT body",
    "3.cascade": "when a referenced resource runs the cascade's trigger action (registry: purge), "
    "the resources referencing it run the cascade's actions (deactivate, remove)",
    "4.not-a-credential": "a resource that authenticates in no state never authenticates: HTTP "
    "Basic with its own publicValue/secretValue answers 401",
    "2.max-length": "a text over its maximum length (name 255, description 1024 characters) "
    "answers 422 MaxLengthExceeded, under its minimum 422 MinLengthExceeded, with fieldName; at "
    "the maximum it is stored",
    "2.invalid-format": "an object or array for a text field answers 422 InvalidFormat with "
    "fieldName",
    "3.transitions": "a transition reaches its done state (transitioning not 'yes') within the "
    "timeout",
    "3.create-active": "a created key goes through registering to active",
    "3.action-result": "an action answers 202 and the key reaches the action's done state",
    "3.actions-map": "the actions map lists exactly the lifecycle actions valid in the state "
    "(active: deactivate; inactive: activate, remove; removed: purge; "
    "registering: activate, deactivate, remove; purged: none)",
    "3.action-not-available": "an action not valid in the current state (not in its actions map) "
    "answers 422 ActionNotAvailable with fieldName 'action' and changes nothing",
    "3.invalid-action": "an unknown action name answers 422 InvalidAction with fieldName 'action'",
    "3.delete-active": "DELETE where the action it runs cannot start (an active resource) "
    "answers 405 Method not allowed and changes nothing",
    "3.delete-removes": "DELETE of a deactivated resource answers 200 with it in removing or "
    "removed; DELETE of a removed one answers 200",
    "3.removed-hidden": "a removed resource is hidden from lists but GET still returns it with "
    "state removed/purging/purged and removed set",
    "3.put-keeps-state": "PUT changes only the fields it may update, in any state, and never the "
    "state (updating-<state> is the same state)",
    "4.challenge": "missing or wrong credentials answer 401 Unauthorized with the Basic "
    "WWW-Authenticate challenge",
    "4.active-only": "an API credential authenticates only in the states its lifecycle names (a "
    "key: active): deactivated, removed or purged it answers 401, activated again it works",
    "5.envelope": "a collection carries type, resourceType, links.self, createTypes, actions, "
    "data, "
    "sortLinks, pagination, sort, filters and createDefaults",
    "5.filter": "every modifier of every filterable field selects exactly the matching keys, "
    "except kind, registryId and removeTime, whose conditions a server may ignore (Rancher "
    "replaces any kind condition with kind=apiKey): there only kind=apiKey listing every key is "
    "certain",
    "5.filter-and": "filters on different fields and repeated filters are AND-ed",
    "5.filter-ignored": "unknown parameters and unsupported modifiers are ignored",
    "5.sort": "sort=<field>&order=asc|desc orders by the field, id breaks ties; default id "
    "ascending; "
    "unknown field ignored; invalid order means asc",
    "5.pagination": "following pagination.next visits every matching key exactly once, in order; "
    "partial is true on truncated pages",
    "5.limit": "limit defaults to {default} and is clamped to {maximum} (limit<=0 means "
    "{maximum}; non-numeric ignored)",
    "6.error-object": "every error is the Rancher error object with status, code and message as "
    "documented",
    "6.invalid-body": "a malformed JSON body answers 400 InvalidBodyContent, before authentication",
    "6.not-found": "an unknown id or collection answers 404 Not Found",
    "6.method-not-allowed": "a method not offered answers 405 Method not allowed",
    "6.no-server-error": "a server never answers 5xx to a client's input",
    "6.documented-status": "every response status is one the operation documents",
    "7.headers": "every JSON response has Content-Type application/json; charset=utf-8 and "
    "X-API-Schemas: {base}/v1/schemas",
    "7.schema-document": "GET /v1/schemas/<type> returns the Rancher schema of each resource, "
    "agreeing with the spec and linking to its collection; GET /v1/schemas lists it",
    "7.response-schema": "every response body matches the schema the spec documents for it",
}


def _with_limits(text: str) -> str:
    """`{default}` and `{maximum}` replaced by the page sizes of the spec (the `limit` parameter's
    default and `x-rancher-max`)."""
    for resource in spec_model().resources:
        if resource.limits is not None:
            return text.replace("{default}", str(resource.limits.default)).replace(
                "{maximum}", str(resource.limits.maximum)
            )
    return text


RULES: dict[str, Rule] = {
    rule_id: Rule(rule_id, _SECTIONS[rule_id.split(".", 1)[0]], _with_limits(text))
    for rule_id, text in _TEXTS.items()
}


def rule(rule_id: str) -> Rule:
    """The rule with this id (KeyError for an unknown one, so that typos fail loudly)."""
    return RULES[rule_id]


class ContractViolation(AssertionError):
    """A response broke a contract rule."""

    def __init__(self, rule_id: str, message: str) -> None:
        self.rule = RULES[rule_id]
        self.detail = message
        super().__init__(f"{self.rule}\n{message}")


def violation(rule_id: str, message: str) -> ContractViolation:
    return ContractViolation(rule_id, message)
