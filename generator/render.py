"""Stage 3: walk the IR through one Jinja2 template per output file, run ruff once, swap in.

Nothing is written into the output folder until every file rendered and ruff passed: the tree is
rendered into a temporary folder beside it and swapped in with two renames.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from rancher_contract.paths import cache_dir

from .ir.docs import docs_page
from .ir.model import Api
from .ir.schema_doc import schema_document

__all__ = [
    "RUFF_ARGS",
    "RenderError",
    "TreeDiff",
    "compare_trees",
    "render_files",
    "render_to_temp",
    "swap_in",
    "write_tree",
]

TEMPLATES = Path(__file__).resolve().parent / "templates"
# explicit settings (no config discovery): the output is the same wherever it is rendered
RUFF_ARGS = ("--isolated", "--no-cache", "--line-length", "100", "--target-version", "py311")
RUFF_RULES = "E,F,I,B,UP,RUF"
_IGNORED_PARTS = frozenset({"__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"})


class RenderError(Exception):
    """The generator itself failed (a template bug, ruff missing or unhappy), not the spec."""


# --- Jinja ---
def py_literal(value: Any) -> str:
    """A Python literal: strings double-quoted, lists and tuples as tuples, mappings as dicts."""
    if value is None or isinstance(value, bool | int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list | tuple):
        items = [py_literal(item) for item in value]
        if len(items) == 1:
            return f"({items[0]},)"
        return "(" + ", ".join(items) + ")"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{py_literal(k)}: {py_literal(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no Python literal for {value!r}")


def py_list(value: Any) -> str:
    return "[" + ", ".join(py_literal(item) for item in value) + "]"


def docline(value: Any) -> str:
    """Text made safe for a one-line docstring."""
    text = " ".join(str(value).split()).replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if text and text[-1] not in ".!?:":
        text += "."
    if text.endswith('"'):
        text += " "
    return text


def docstring(value: Any, indent: int = 4) -> str:
    """A docstring (quotes included) for `value`, wrapped to the line length at that indentation.

    Paragraphs are separated by blank lines; the first one is the summary.
    """
    width = 100 - indent
    paragraphs = [" ".join(p.split()) for p in str(value).strip().split("\n\n") if p.strip()]
    paragraphs = [p.replace("\\", "\\\\").replace('"""', '\\"\\"\\"') for p in paragraphs] or ["."]
    lines: list[str] = []
    for index, paragraph in enumerate(paragraphs):
        if index:
            lines.append("")
        lines += textwrap.wrap(paragraph, width - (3 if index == 0 else 0)) or [""]
    pad = " " * indent
    if len(lines) == 1 and len(lines[0]) + 6 <= width:
        text = lines[0]
        return f'"""{text}{" " if text.endswith(chr(34)) else ""}"""'
    if len(lines) == 1:
        # One line that fits only without its closing quotes: ruff would put them back on it,
        # past the line length. Wrapped narrower, it is either one line with its quotes or two.
        lines = textwrap.wrap(paragraphs[0], width - 6)
        if len(lines) == 1:
            return f'"""{lines[0]}"""'
    body = "\n".join(pad + line if line else "" for line in lines[1:])
    return f'"""{lines[0]}\n{body}\n{pad}"""' if body else f'"""{lines[0]}\n{pad}"""'


def tojson_pretty(value: Any) -> str:
    return json.dumps(value, indent=4, ensure_ascii=False)


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates are cached (keyed by their source's checksum): the output is the same."""
    folder = cache_dir() / "jinja"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder)) if os.access(folder, os.W_OK) else None


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        bytecode_cache=_bytecode_cache(),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["py"] = py_literal
    env.filters["py_list"] = py_list
    env.filters["docline"] = docline
    env.filters["docstring"] = docstring
    env.filters["tojson_pretty"] = tojson_pretty
    return env


# --- what is written where ---
@dataclass(frozen=True)
class _Output:
    path: str
    template: str
    context: dict[str, Any]


def _server_exports(api: Api) -> list[str]:
    names = ["RESOURCES", "ResourceBackends", "create_app"]
    names += [enum.class_name for enum in api.enums]
    for r in api.resources:
        names += [f"{r.constant}_FILTERS", f"{r.constant}_LIFECYCLE", f"{r.constant}_SPEC"]
        names += [f"{r.class_name}Backend", f"{r.class_name}Record", f"{r.python_name}_routes"]
        if r.create_model:
            names.append(f"{r.class_name}CreateInput")
        if r.update_model:
            names.append(f"{r.class_name}UpdateInput")
    names += [
        "ActionNotAvailableError",
        "ActionTransition",
        "Authenticator",
        "BackendMissingError",
        "CollectionQuery",
        "ConflictError",
        "DeleteRule",
        "FieldSpec",
        "Filter",
        "InternalServerError",
        "InvalidActionError",
        "InvalidBodyContentError",
        "Lifecycle",
        "LinkSpec",
        "MethodNotAllowedError",
        "NotFoundError",
        "Page",
        "PayloadTooLargeError",
        "RancherError",
        "ResourceOps",
        "ResourceSpec",
        "Transition",
        "UnauthorizedError",
        "ValidationError",
    ]
    return sorted(set(names))


def _client_exports(api: Api) -> list[str]:
    names = ["AsyncRancherClient", "RancherClient", "UNSET", "Unset"]
    names += [enum.class_name for enum in api.enums]
    names += [model.class_name for model in api.models]
    for r in api.resources:
        names += [
            f"{r.class_name}Resource",
            f"Async{r.class_name}Resource",
            f"{r.constant}_FILTERS",
        ]
    names += [
        "BadRequestError",
        "ConflictError",
        "MethodNotAllowedError",
        "NotFoundError",
        "PayloadTooLargeError",
        "RancherApiError",
        "RancherClientError",
        "ServerError",
        "TransitionError",
        "TransitionTimeoutError",
        "UnauthorizedError",
        "ValidationError",
    ]
    return sorted(set(names))


def _outputs(api: Api) -> Iterator[_Output]:
    base: dict[str, Any] = {"api": api}

    def out(path: str, template: str, **extra: Any) -> _Output:
        return _Output(path, template, {**base, **extra})

    yield out("__init__.py", "package_init.py.jinja")
    yield out("py.typed", "py.typed.jinja")
    # enums shared by the client and the server, so that both name the same classes
    yield out("_enums.py", "enums.py.jinja")
    # server stubs
    yield out("server/__init__.py", "server/__init__.py.jinja", server_exports=_server_exports(api))
    yield out("server/_runtime.py", "server/_runtime.py.jinja")
    yield out("server/_app.py", "server/_app.py.jinja")
    for resource in api.resources:
        yield out(
            f"server/_{resource.python_name}.py", "server/resource.py.jinja", resource=resource
        )
    # schema documents
    yield out("schemas/__init__.py", "schemas/__init__.py.jinja")
    for resource in api.resources:
        yield out(
            f"schemas/{resource.type}.json",
            "schemas/schema.json.jinja",
            resource=resource,
            document=schema_document(api, resource),
        )
        for role, _, _ in resource.roles:
            yield out(
                f"schemas/{resource.type}.{role}.json",
                "schemas/schema.json.jinja",
                resource=resource,
                document=schema_document(api, resource, role),
            )
    # client
    yield out("client/__init__.py", "client/__init__.py.jinja", client_exports=_client_exports(api))
    yield out("client/_types.py", "client/_types.py.jinja")
    yield out("client/_errors.py", "client/_errors.py.jinja")
    yield out("client/_http.py", "client/_http.py.jinja")
    yield out("client/_client.py", "client/_client.py.jinja")
    yield out("client/models/__init__.py", "client/models/__init__.py.jinja")
    for module in api.model_modules:
        yield out(
            f"client/models/{module}.py",
            "client/models/module.py.jinja",
            module=module,
            models=api.models_in(module),
        )
    for resource in api.resources:
        yield out(
            f"client/_{resource.python_name}.py", "client/resource.py.jinja", resource=resource
        )
    # documentation
    for resource in api.resources:
        yield out(
            f"docs/{resource.type}.md",
            "docs/resource.md.jinja",
            resource=resource,
            docs=docs_page(resource),
        )


def render_files(api: Api) -> dict[str, str]:
    """Every output file (relative path -> text), before ruff."""
    env = _environment()
    files: dict[str, str] = {}
    for output in _outputs(api):
        try:
            template = env.get_template(output.template)
            text = template.render(**output.context)
        except jinja2.TemplateError as exc:
            raise RenderError(f"template {output.template} ({output.path}): {exc}") from exc
        if output.path in files:
            raise RenderError(f"two outputs write {output.path}")
        files[output.path] = text
    return files


# --- ruff ---
def _ruff() -> list[str]:
    beside = Path(sys.executable).with_name("ruff")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("ruff")
    if found:
        return [found]
    return [sys.executable, "-m", "ruff"]


def _run_ruff(folder: Path) -> None:
    """`ruff format`, then `ruff check --fix`: once over the whole tree, never per file."""
    ruff = _ruff()
    steps = [
        [*ruff, "format", "--quiet", *RUFF_ARGS, "."],
        [*ruff, "check", "--fix", "--quiet", "--select", RUFF_RULES, *RUFF_ARGS, "."],
    ]
    env = {**os.environ, "NO_COLOR": "1"}
    for step in steps:
        try:
            done = subprocess.run(
                step, cwd=folder, capture_output=True, text=True, env=env, check=False
            )
        except OSError as exc:
            raise RenderError(f"cannot run ruff: {exc}") from exc
        if done.returncode != 0:
            raise RenderError(
                f"ruff failed on the generated code ({' '.join(step[len(ruff) :])}):\n"
                f"{done.stdout}{done.stderr}"
            )


# --- trees ---
def write_tree(
    files: dict[str, str], folder: Path, alongside: Callable[[], object] | None = None
) -> None:
    """Write the files and run ruff over the folder; `alongside` runs meanwhile (in this thread)."""
    made: set[Path] = set()
    for relative, text in sorted(files.items()):
        target = folder / relative
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        with open(target, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    failure: list[BaseException] = []

    def ruff() -> None:
        try:
            _run_ruff(folder)
        except BaseException as exc:  # re-raised in the calling thread
            failure.append(exc)

    worker = threading.Thread(target=ruff, name="ruff")
    worker.start()
    try:
        if alongside is not None:
            alongside()
    finally:
        worker.join()
    if failure:
        raise failure[0]


def _tree(folder: Path) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    if not folder.is_dir():
        return out
    for path in folder.rglob("*"):
        relative = path.relative_to(folder)
        if any(part in _IGNORED_PARTS for part in relative.parts) or path.suffix == ".pyc":
            continue
        if path.is_file():
            out[relative.as_posix()] = path.read_bytes()
    return out


@dataclass(frozen=True)
class TreeDiff:
    missing: tuple[str, ...]  # expected but not in the folder
    extra: tuple[str, ...]  # in the folder but not expected
    differing: tuple[str, ...]

    @property
    def same(self) -> bool:
        return not (self.missing or self.extra or self.differing)

    def lines(self) -> list[str]:
        return (
            [f"missing: {p}" for p in self.missing]
            + [f"extra: {p}" for p in self.extra]
            + [f"differs: {p}" for p in self.differing]
        )


def compare_trees(expected: Path, actual: Path) -> TreeDiff:
    want, have = _tree(expected), _tree(actual)
    return TreeDiff(
        missing=tuple(sorted(set(want) - set(have))),
        extra=tuple(sorted(set(have) - set(want))),
        differing=tuple(sorted(p for p in set(want) & set(have) if want[p] != have[p])),
    )


def render_to_temp(
    api: Api, parent: Path | None = None, alongside: Callable[[], object] | None = None
) -> Path:
    """Render the whole tree into a new temporary folder (in `parent`, for a later rename)."""
    files = render_files(api)
    if parent is not None:
        parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=".generated-tmp-", dir=parent))
    try:
        write_tree(files, folder, alongside)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder


def swap_in(rendered: Path, out: Path) -> bool:
    """Replace `out` by `rendered` (two renames); False (`out` untouched) when nothing changed."""
    if out.is_dir() and compare_trees(rendered, out).same:
        shutil.rmtree(rendered, ignore_errors=True)
        return False
    if out.exists():
        backup = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, backup)
        os.replace(rendered, out)
        shutil.rmtree(backup, ignore_errors=True)
    else:
        os.replace(rendered, out)
    return True
