"""The `rancher-contract` command: one subcommand per part of the project.

Each subcommand lives in the package that owns it and is imported only when used, so that a
broken or missing part does not stop the others from running.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence

__all__ = ["main"]

# subcommand -> (module, what it does)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "lint-spec": (
        "rancher_contract.speclint.cli",
        "validate the OpenAPI spec and apply the project's rules",
    ),
    "generate": (
        "rancher_contract.generator.cli",
        "generate client, server stubs, schema and docs from the spec",
    ),
    "serve": ("rancher_contract.reference_server.cli", "run the reference server (SQLite)"),
    "test": ("rancher_contract.contract_tests.runner", "run the contract suite against a server"),
    "paths": (
        "rancher_contract._where",
        "print where the installed spec, schemathesis config and hooks are",
    ),
}


def _usage() -> str:
    lines = ["usage: rancher-contract [--version] <command> [options]", "", "commands:"]
    lines += [f"  {name:<10} {text}" for name, (_, text) in SUBCOMMANDS.items()]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        print(_usage(), file=sys.stderr)
        return 2
    if args[0] in {"-h", "--help"}:
        print(_usage())
        return 0
    if args[0] == "--version":
        from rancher_contract import __version__

        print(f"rancher-contract {__version__}")
        return 0
    name, rest = args[0], args[1:]
    if name not in SUBCOMMANDS:
        print(f"rancher-contract: unknown command {name!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    module_name, _ = SUBCOMMANDS[name]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            print(
                f"rancher-contract {name}: not available ({module_name} is missing)",
                file=sys.stderr,
            )
            return 2
        raise
    run: Callable[[list[str]], int] = module.main
    return run(rest)
