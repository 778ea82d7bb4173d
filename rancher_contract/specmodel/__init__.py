"""The spec model: one typed reading of the OpenAPI spec (or a folder of them) for every part.

    model = load_model()                           # the shipped spec set: every resource
    model = load_model("spec/apikey.openapi.yaml") # one file; folders and several paths work too
    api_key = model.resource("apiKey")
    api_key.lifecycle.actions_in("inactive")       # ("activate", "remove")

The model is foundation: the spec rules, the generator, the reference server and the contract
suite may all import it. Rancher's fixed vocabulary (field types, filter modifiers, ...) is listed
here once; everything else comes from the spec.
"""

from rancher_contract.specmodel._build import (
    SPEC_SUFFIX,
    build_model,
    load_documents,
    load_model,
    merge_models,
    spec_files,
)
from rancher_contract.specmodel._document import (
    SpecDocument,
    SpecLoadError,
    display_path,
    load_document,
    read_document,
)
from rancher_contract.specmodel._model import (
    STORE_CLEAR,
    STORE_SALTED_HASH,
    Action,
    Cascade,
    DeleteRule,
    ErrorCatalog,
    Field,
    Filter,
    Generated,
    Lifecycle,
    Limits,
    Link,
    Operation,
    Reference,
    Resource,
    RoleMethods,
    SchemaAction,
    SpecModel,
    Unique,
)
from rancher_contract.specmodel._pointer import MISSING, follow_refs, join, lookup, split, target_of
from rancher_contract.specmodel._vocabulary import (
    ENVELOPE_PROPERTIES,
    FILTER_MODIFIERS,
    HTTP_METHODS,
    OPERATION_KINDS,
    RANCHER_SIMPLE_TYPES,
    TRANSITIONING_VALUES,
    filter_parameter_name,
    is_rancher_type,
)

__all__ = [
    "ENVELOPE_PROPERTIES",
    "FILTER_MODIFIERS",
    "HTTP_METHODS",
    "MISSING",
    "OPERATION_KINDS",
    "RANCHER_SIMPLE_TYPES",
    "SPEC_SUFFIX",
    "STORE_CLEAR",
    "STORE_SALTED_HASH",
    "TRANSITIONING_VALUES",
    "Action",
    "Cascade",
    "DeleteRule",
    "ErrorCatalog",
    "Field",
    "Filter",
    "Generated",
    "Lifecycle",
    "Limits",
    "Link",
    "Operation",
    "Reference",
    "Resource",
    "RoleMethods",
    "SchemaAction",
    "SpecDocument",
    "SpecLoadError",
    "SpecModel",
    "Unique",
    "build_model",
    "display_path",
    "filter_parameter_name",
    "follow_refs",
    "is_rancher_type",
    "join",
    "load_document",
    "load_documents",
    "load_model",
    "lookup",
    "merge_models",
    "read_document",
    "spec_files",
    "split",
    "target_of",
]
