"""`rancher-contract paths [NAME]`: where the installed package keeps what other tools need.

Stock `schemathesis run` from any directory needs the project's configuration, spec and hooks;
a wheel hides them in site-packages, so the command prints them for a shell to substitute:

    schemathesis --config-file "$(rancher-contract paths schemathesis-config)" \\
        run "$(rancher-contract paths spec)" --url http://HOST:PORT -a AK:SK
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from rancher_contract import paths

__all__ = ["main"]


def _entries() -> dict[str, str]:
    return {
        "spec": str(paths.DEFAULT_SPEC),
        "spec-dir": str(paths.SPEC_DIR),
        "schemathesis-config": str(paths.SCHEMATHESIS_CONFIG),
        "hooks": "rancher_contract.contract_tests.hooks",
        "suite": str(paths.SUITE_DIR),
        "cache": str(paths.cache_dir()),
        "data": str(paths.data_dir()),
    }


def main(argv: Sequence[str] | None = None) -> int:
    entries = _entries()
    parser = argparse.ArgumentParser(
        prog="rancher-contract paths",
        description="Print where the installed package keeps its files (all of them, or one).",
    )
    parser.add_argument("name", nargs="?", choices=sorted(entries), help="print only this one")
    args = parser.parse_args(list(argv or []))
    if args.name:
        print(entries[args.name])
    else:
        for name, value in entries.items():
            print(f"{name:<20} {value}")
    return 0
